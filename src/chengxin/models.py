"""Every domain's tables, imported once so metadata (Alembic, tests) sees the whole schema."""

from chengxin.access.models import AccessRule, Alert, Grant, GrantUse, Query, QuerySubject
from chengxin.accounts.emergency.models import PlatformLockdown
from chengxin.accounts.models import AuthSession, LoginAttempt, UserAccount
from chengxin.agencies.models import AgencyBlacklisting, AgencyStaff, AgencyViolation, CreditAgency
from chengxin.audit.models import AuditEntry, AuditHead, AuditTile, AuditTreeHead
from chengxin.catalog.models import CatalogVersion
from chengxin.citizens.models import SignInAttempt, SignInChallenge
from chengxin.db import Base
from chengxin.identity.models import PopulationImport, PopulationImportError, Subject
from chengxin.ingestion.models import IngestBatch, IngestRejection
from chengxin.notifications.models import NotificationOutbox
from chengxin.organizations.models import ApiToken, Organization, OrganizationRole
from chengxin.records.models import CreditRecord, RecordEvent
from chengxin.reports.models import ReportIssue

__all__ = [
    "AccessRule",
    "AgencyBlacklisting",
    "AgencyStaff",
    "AgencyViolation",
    "Alert",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "AuditTile",
    "AuditTreeHead",
    "AuthSession",
    "Base",
    "CatalogVersion",
    "CreditAgency",
    "CreditRecord",
    "Grant",
    "GrantUse",
    "IngestBatch",
    "IngestRejection",
    "LoginAttempt",
    "NotificationOutbox",
    "Organization",
    "OrganizationRole",
    "PlatformLockdown",
    "PopulationImport",
    "PopulationImportError",
    "Query",
    "QuerySubject",
    "RecordEvent",
    "ReportIssue",
    "SignInAttempt",
    "SignInChallenge",
    "Subject",
    "UserAccount",
]
