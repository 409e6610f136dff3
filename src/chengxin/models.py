"""Every domain's tables, imported once so metadata (Alembic, tests) sees the whole schema."""

from chengxin.audit.models import AuditEntry, AuditHead
from chengxin.catalog.models import CatalogVersion
from chengxin.db import Base
from chengxin.identity.models import PopulationImport, PopulationImportError, Subject
from chengxin.ingestion.models import IngestBatch, IngestRejection
from chengxin.organizations.models import ApiToken, Organization, OrganizationRole
from chengxin.records.models import CreditRecord, RecordEvent

__all__ = [
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "CatalogVersion",
    "CreditRecord",
    "IngestBatch",
    "IngestRejection",
    "Organization",
    "OrganizationRole",
    "PopulationImport",
    "PopulationImportError",
    "RecordEvent",
    "Subject",
]
