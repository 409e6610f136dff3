"""The one permission enum, named ``domain:resource:action``, grouped by domain, alphabetised."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    # access: permission lists, query authorizations, registered queries, monitoring
    ACCESS_ALERT_MANAGE = "access:alert:manage"
    ACCESS_ALERT_READ = "access:alert:read"
    ACCESS_POLICY_MANAGE = "access:policy:manage"
    ACCESS_POLICY_READ = "access:policy:read"
    ACCESS_QUERY_READ = "access:query:read"
    ACCESS_QUERY_REVIEW = "access:query:review"
    ACCESS_QUERY_SUBMIT = "access:query:submit"
    # accounts: staff accounts, sessions, emergency freezes
    ACCOUNTS_FREEZE_MANAGE = "accounts:freeze:manage"
    ACCOUNTS_USER_MANAGE = "accounts:user:manage"
    ACCOUNTS_USER_READ = "accounts:user:read"
    # agencies: credit agencies (征信机构) under oversight
    AGENCIES_AGENCY_MANAGE = "agencies:agency:manage"
    AGENCIES_AGENCY_READ = "agencies:agency:read"
    # audit
    AUDIT_LOG_EXPORT = "audit:log:export"
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
    # self: what a signed-in citizen may do with their own data (never anyone else's)
    SELF_DATA_READ = "self:data:read"
    SELF_GRANT_MANAGE = "self:grant:manage"
    # system
    SYSTEM_LOCKDOWN_MANAGE = "system:lockdown:manage"


ALL_PERMISSIONS: frozenset[Permission] = frozenset(Permission)
