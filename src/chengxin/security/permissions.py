"""The one permission enum, named ``domain:resource:action``, grouped by domain, alphabetised."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    # audit
    AUDIT_LOG_READ = "audit:log:read"
    AUDIT_LOG_VERIFY = "audit:log:verify"
    # catalog
    CATALOG_CATALOG_READ = "catalog:catalog:read"
    # identity
    IDENTITY_PERSON_VERIFY = "identity:person:verify"
    IDENTITY_POPULATION_IMPORT = "identity:population:import"
    IDENTITY_SUBJECT_READ = "identity:subject:read"
    # ingestion
    INGESTION_BATCH_READ = "ingestion:batch:read"
    INGESTION_BATCH_SUBMIT = "ingestion:batch:submit"
    INGESTION_QUALITY_READ = "ingestion:quality:read"
    # organizations
    ORGANIZATION_ORGANIZATION_MANAGE = "organizations:organization:manage"
    ORGANIZATION_ORGANIZATION_READ = "organizations:organization:read"
    ORGANIZATION_ROLE_MANAGE = "organizations:role:manage"
    ORGANIZATION_TOKEN_MANAGE = "organizations:token:manage"  # noqa: S105
    # records
    RECORDS_RECORD_READ = "records:record:read"


ALL_PERMISSIONS: frozenset[Permission] = frozenset(Permission)
