"""Why a backup or a restore is refused (CLI: ``error: <code>: …`` and an exit code)."""

from __future__ import annotations

from chengxin.errors import DomainError


class BackupNotEmbedded(DomainError):
    status = 409
    code = "backup-not-embedded"
    title = "chengxin backup and restore copy the embedded SQLite database only"


class BackupExists(DomainError):
    status = 409
    code = "backup-exists"
    title = "A file is already there; a backup never overwrites one"


class BackupMissing(DomainError):
    status = 404
    code = "backup-missing"
    title = "The backup file or its manifest is missing or unreadable"


class BackupDigestMismatch(DomainError):
    status = 422
    code = "backup-digest-mismatch"
    title = "The backup file's SHA-256 is not the one its manifest states"


class BackupSchemaUnknown(DomainError):
    status = 422
    code = "backup-schema-unknown"
    title = "The backup's schema revision is not one this version of Chengxin knows"


class BackupKeysMismatch(DomainError):
    status = 422
    code = "backup-keys-mismatch"
    title = "The keyring in place did not sign the backup's audit log"


class DatabaseInUse(DomainError):
    status = 409
    code = "database-in-use"
    title = "A process has the database open"
