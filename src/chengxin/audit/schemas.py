"""API contract of the audit domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int = Field(description="Position in the log, gapless from 1 (leaf index = seq - 1)")
    at: datetime = Field(description="When it happened (UTC)")
    request_id: str | None = Field(description="The request that did it")
    actor_kind: str = Field(description="system, token, user, citizen or anonymous")
    actor_id: str | None = Field(description="Id of the acting account or token")
    actor_name: str = Field(description="Name of the actor, copied when it acted")
    organization_id: uuid.UUID | None = Field(description="Organization the actor acted for")
    action: str = Field(description="domain:resource:action")
    object_type: str = Field(description="Kind of object acted on")
    object_id: str | None = Field(description="Id of the object acted on")
    subject_id: uuid.UUID | None = Field(description="Pseudonymous key of the person concerned")
    data: dict[str, Any] | None = Field(description="Snapshot of what changed or was asked")
    message: str | None = Field(description="Free-text note")
    hash: str = Field(description="RFC 9162 leaf hash (hex) of the entry's canonical JSON")


class LogReportRead(BaseModel):
    entries: int = Field(description="Entries checked, in seq order")
    tree_size: int = Field(description="Entries covered by the stored tiles that were checked")
    root_hash: str = Field(description="Merkle root over the entries checked (hex)")
    tree_heads: int = Field(description="Signed tree heads whose root and signature hold")
    ok: bool = Field(description="True when nothing was changed, deleted or reordered")
    first_bad_seq: int | None = Field(description="The first entry found changed or missing")
    problem: str | None = Field(description="gap, hash, tile, tree-head, signature or head")
    detail: str | None = Field(description="What did not match")


class TreeHeadRead(BaseModel):
    tree_size: int = Field(description="Entries the tree covers (seq 1..tree_size)")
    root_hash: str = Field(description="RFC 9162 Merkle tree hash (hex)")
    timestamp_ms: int = Field(description="When it was signed, milliseconds since 1970 (UTC)")
    key_id: str = Field(description="SHA-256 (hex) of the raw Ed25519 public key that signed it")
    signature: str = Field(
        description="Ed25519 signature (base64) of 'chengxin-audit-tree-head-v1\\n<tree_size>\\n"
        "<timestamp_ms>\\n<root_hash>\\n' (UTF-8)"
    )


class PublicKeyRead(BaseModel):
    algorithm: str = Field(description="Always Ed25519")
    key_id: str = Field(description="SHA-256 (hex) of the raw public key")
    public_key: str = Field(description="Raw 32-byte public key, base64")
    pem: str = Field(description="The same key as PEM (SubjectPublicKeyInfo)")


class InclusionProofRead(BaseModel):
    seq: int = Field(description="The entry")
    leaf_index: int = Field(description="seq - 1")
    tree_size: int = Field(description="Size of the tree the proof is for")
    leaf_hash: str = Field(description="The entry's leaf hash (hex)")
    audit_path: list[str] = Field(description="RFC 9162 inclusion path, leaf side first (hex)")
    root_hash: str = Field(description="Root of the tree of tree_size entries (hex)")


class ConsistencyProofRead(BaseModel):
    first: int = Field(description="Size of the older tree")
    second: int = Field(description="Size of the newer tree")
    first_root: str = Field(description="Root of the older tree (hex)")
    second_root: str = Field(description="Root of the newer tree (hex)")
    proof: list[str] = Field(description="RFC 9162 consistency proof (hex)")


class MyAuditEntryRead(BaseModel):
    seq: int = Field(description="Position in the log")
    at: datetime = Field(description="When (UTC)")
    actor_name: str = Field(description="Who: the person, account or system that acted")
    organization_id: uuid.UUID | None = Field(description="For which organization")
    organization: str | None = Field(description="That organization's name")
    action: str = Field(description="What: domain:resource:action")
    purpose: str | None = Field(description="The stated purpose, when the entry names one")
    scene: str | None = Field(description="The business scene, when the entry names one")
    leaf_index: int = Field(description="seq - 1")
    leaf_data: str = Field(description="The exact canonical JSON the leaf hash covers")
    leaf_hash: str = Field(description="SHA-256(0x00 || leaf_data) in hex")
    audit_path: list[str] = Field(description="RFC 9162 inclusion path to root_hash (hex)")


class MyAuditEntriesRead(BaseModel):
    entries: list[MyAuditEntryRead] = Field(description="Entries about me, oldest first")
    tree_size: int | None = Field(description="Size of the signed tree every path leads to")
    root_hash: str | None = Field(description="Its root (hex)")
    tree_head: TreeHeadRead | None = Field(description="The signed tree head")
    public_key_pem: str = Field(description="The platform's Ed25519 key that signed the head")
