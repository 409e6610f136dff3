"""Every domain's tables, imported once so metadata (Alembic, tests) sees the whole schema."""

from chengxin.audit.models import AuditEntry, AuditHead
from chengxin.db import Base
from chengxin.identity.models import PopulationImport, PopulationImportError, Subject
from chengxin.organizations.models import ApiToken, Organization, OrganizationRole

__all__ = [
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Organization",
    "OrganizationRole",
    "PopulationImport",
    "PopulationImportError",
    "Subject",
]
