"""Partitions of the big tables on PostgreSQL (ADR 0035); nothing on SQLite."""
