"""Audit errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound


class AuditLogCorrupt(DomainError):
    status = 500
    code = "audit-log-corrupt"
    title = "The audit log's stored hashes are inconsistent: run `chengxin audit verify`"


class NoTreeHead(NotFound):
    code = "no-tree-head"
    title = "No audit tree head has been signed yet"


class TreeSizeNotSigned(Conflict):
    code = "tree-size-not-integrated"
    title = "The audit tree has not grown to this size yet"


class LeafNotInTree(InvalidInput):
    code = "leaf-not-in-tree"
    title = "The entry or tree sizes do not make a proof"


class NotTheSubject(Forbidden):
    code = "audit-self-only"
    title = "Only the person concerned, signed in, reads the audit entries about them"


class AuditWriterUnavailable(DomainError):
    status = 503
    code = "audit-writer-unavailable"
    title = "The audit log did not acknowledge the entry in time"
