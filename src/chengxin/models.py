"""Every domain's tables, imported once so metadata (Alembic, tests) sees the whole schema."""

from chengxin.access.models import AccessRule, Alert, Grant, GrantUse, Query, QuerySubject
from chengxin.accounts.emergency.models import PlatformLockdown
from chengxin.accounts.models import AuthSession, LoginAttempt, UserAccount
from chengxin.agencies.models import AgencyBlacklisting, AgencyStaff, AgencyViolation, CreditAgency
from chengxin.assessment.models import Assessment, AssessmentItem, IndicatorSet
from chengxin.audit.models import AuditEntry, AuditHead, AuditTile, AuditTreeHead
from chengxin.catalog.models import CatalogVersion
from chengxin.changes.models import PlatformChange
from chengxin.checks.models import Check, CheckFeedback, CheckSubject
from chengxin.citizens.models import SignInAttempt, SignInChallenge
from chengxin.content.models import ContentPage, ContentRevision
from chengxin.db import Base
from chengxin.evidence.models import Evidence
from chengxin.identity.models import PopulationImport, PopulationImportError, Subject
from chengxin.ingestion.models import IngestBatch, IngestRejection
from chengxin.jobs.models import Job, JobSchedule
from chengxin.lists.models import ListEntry, ListEntryEvent
from chengxin.notifications.models import NotificationOutbox, OrganizationNotice
from chengxin.objections.models import Objection, Statement
from chengxin.organizations.models import ApiToken, Organization, OrganizationRole
from chengxin.ratelimit import RateWindow
from chengxin.records.models import CreditRecord, RecordEvent, SweepMark
from chengxin.repair.models import RecordArchive, RepairApplication
from chengxin.reports.models import ReportIssue
from chengxin.scoring.models import ScoreReview, ScoringMark, ScoringRuleset, SubjectScore
from chengxin.state.models import CreditStateRow
from chengxin.tips.models import Tip, TipEvent
from chengxin.tracking.models import Attachment, Milestone, ProgressReport, Task, TaskUnit
from chengxin.watch.models import WatchDelivery, WatchSubscription
from chengxin.workdays.models import WorkdayDay, WorkdayYear

__all__ = [
    "AccessRule",
    "AgencyBlacklisting",
    "AgencyStaff",
    "AgencyViolation",
    "Alert",
    "ApiToken",
    "Assessment",
    "AssessmentItem",
    "Attachment",
    "AuditEntry",
    "AuditHead",
    "AuditTile",
    "AuditTreeHead",
    "AuthSession",
    "Base",
    "CatalogVersion",
    "Check",
    "CheckFeedback",
    "CheckSubject",
    "ContentPage",
    "ContentRevision",
    "CreditAgency",
    "CreditRecord",
    "CreditStateRow",
    "Evidence",
    "Grant",
    "GrantUse",
    "IndicatorSet",
    "IngestBatch",
    "IngestRejection",
    "Job",
    "JobSchedule",
    "ListEntry",
    "ListEntryEvent",
    "LoginAttempt",
    "Milestone",
    "NotificationOutbox",
    "Objection",
    "Organization",
    "OrganizationNotice",
    "OrganizationRole",
    "PlatformChange",
    "PlatformLockdown",
    "PopulationImport",
    "PopulationImportError",
    "ProgressReport",
    "Query",
    "QuerySubject",
    "RateWindow",
    "RecordArchive",
    "RecordEvent",
    "RepairApplication",
    "ReportIssue",
    "ScoreReview",
    "ScoringMark",
    "ScoringRuleset",
    "SignInAttempt",
    "SignInChallenge",
    "Statement",
    "Subject",
    "SubjectScore",
    "SweepMark",
    "Task",
    "TaskUnit",
    "Tip",
    "TipEvent",
    "UserAccount",
    "WatchDelivery",
    "WatchSubscription",
    "WorkdayDay",
    "WorkdayYear",
]
