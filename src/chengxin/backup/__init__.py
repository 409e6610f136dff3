"""Backups of the embedded (SQLite) database and their restore; PostgreSQL's way is documented
in docs/operations.md (base backup and WAL archive)."""
