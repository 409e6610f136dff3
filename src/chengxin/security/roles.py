"""Roles: named groups of permissions given to staff accounts (and to citizens, by sign-in).

Organization API tokens carry explicit permission lists instead; a role is a convenience for
people. The data *scope* (region, provider) is not part of a role: it comes from the account's
organization and region and is applied inside queries (see ``chengxin.security.scope``).
"""

from __future__ import annotations

from enum import StrEnum

from chengxin.security.permissions import ALL_PERMISSIONS, Permission

P = Permission


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"  # 省信用信息中心 system administrator
    OPERATOR = "operator"  # 平台运营: catalog, organizations, lists (city operators: region-scoped)
    REVIEWER = "reviewer"  # 查询审核: releases or refuses registered queries
    AUDITOR = "auditor"  # 审计: reads, verifies and exports the audit log
    SECURITY_OFFICER = "security_officer"  # 安全值守: freezes, lockdown, alerts (the 2 a.m. role)
    PROVIDER_CLERK = "provider_clerk"  # 提供单位经办人: pushes records, answers for its own records
    CONSUMER_OFFICER = "consumer_officer"  # 使用单位经办人: queries within the permission list
    AGENCY_STAFF = "agency_staff"  # 征信机构/金融机构 staff: query with the subject's grant
    CITIZEN = "citizen"  # 本人: own data only (given by real-name sign-in, never assigned)


# What a signed-in citizen may do with their own data; never given to staff.
SELF_PERMISSIONS: frozenset[Permission] = frozenset(p for p in Permission if p.startswith("self:"))

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PLATFORM_ADMIN: ALL_PERMISSIONS - SELF_PERMISSIONS,
    Role.OPERATOR: frozenset(
        {
            P.ACCESS_POLICY_MANAGE,
            P.ACCESS_POLICY_READ,
            P.ACCESS_QUERY_READ,
            P.ACCOUNTS_USER_READ,
            P.AGENCIES_AGENCY_MANAGE,
            P.AGENCIES_AGENCY_READ,
            P.CATALOG_CATALOG_MANAGE,
            P.CATALOG_CATALOG_READ,
            P.CONTENT_PAGE_MANAGE,
            P.IDENTITY_PERSON_VERIFY,
            P.IDENTITY_POPULATION_IMPORT,
            P.IDENTITY_SUBJECT_READ,
            P.INGESTION_BATCH_READ,
            P.INGESTION_QUALITY_READ,
            P.ORGANIZATION_ORGANIZATION_MANAGE,
            P.ORGANIZATION_ORGANIZATION_READ,
            P.ORGANIZATION_ROLE_MANAGE,
            P.RECORDS_RECORD_READ,
            P.NOTIFICATIONS_NOTICE_READ,
            P.OBJECTIONS_OBJECTION_DECIDE,
            P.OBJECTIONS_OBJECTION_FILE,
            P.OBJECTIONS_OBJECTION_READ,
            P.REPAIR_APPLICATION_FILE,
            P.REPAIR_APPLICATION_READ,
            P.LISTS_ENTRY_MANAGE,
            P.LISTS_ENTRY_READ,
            P.TIPS_TIP_HANDLE,
            P.TIPS_TIP_READ,
            P.CHECKS_FEEDBACK_READ,
            P.SCORING_EXPORT_READ,
            P.SCORING_REVIEW_DECIDE,
            P.SCORING_RULESET_MANAGE,
            P.SCORING_SCORE_READ,
            P.WORKDAYS_CALENDAR_MANAGE,
            P.WORKDAYS_CALENDAR_READ,
            P.ASSESSMENT_ASSESSMENT_ISSUE,
            P.ASSESSMENT_ASSESSMENT_READ,
            P.ASSESSMENT_INDICATORS_MANAGE,
            P.TRACKING_PROGRESS_REPORT,
            P.TRACKING_TASK_MANAGE,
            P.TRACKING_TASK_READ,
        }
    ),
    Role.REVIEWER: frozenset(
        {P.ACCESS_POLICY_READ, P.ACCESS_QUERY_READ, P.ACCESS_QUERY_REVIEW, P.CATALOG_CATALOG_READ}
    ),
    Role.AUDITOR: frozenset(
        {
            P.ACCESS_ALERT_READ,
            P.ACCESS_POLICY_READ,
            P.ACCESS_QUERY_READ,
            P.ACCOUNTS_USER_READ,
            P.AGENCIES_AGENCY_READ,
            P.AUDIT_LOG_EXPORT,
            P.AUDIT_LOG_READ,
            P.AUDIT_LOG_VERIFY,
            P.CATALOG_CATALOG_READ,
            P.ORGANIZATION_ORGANIZATION_READ,
            P.OBJECTIONS_OBJECTION_READ,
            P.RECORDS_ARCHIVE_READ,
            P.REPAIR_APPLICATION_READ,
            P.CHECKS_FEEDBACK_READ,
            P.WORKDAYS_CALENDAR_READ,
            P.ASSESSMENT_ASSESSMENT_READ,
            P.TRACKING_TASK_READ,
        }
    ),
    Role.SECURITY_OFFICER: frozenset(
        {
            P.ACCESS_ALERT_MANAGE,
            P.ACCESS_ALERT_READ,
            P.ACCESS_QUERY_READ,
            P.ACCOUNTS_FREEZE_MANAGE,
            P.ACCOUNTS_USER_READ,
            P.AUDIT_LOG_READ,
            P.AUDIT_LOG_VERIFY,
            P.ORGANIZATION_ORGANIZATION_READ,
            P.SYSTEM_LOCKDOWN_MANAGE,
        }
    ),
    Role.PROVIDER_CLERK: frozenset(
        {
            P.CATALOG_CATALOG_READ,
            P.INGESTION_BATCH_READ,
            P.INGESTION_BATCH_SUBMIT,
            P.INGESTION_QUALITY_READ,
            P.RECORDS_RECORD_READ,
            P.NOTIFICATIONS_NOTICE_READ,
            P.OBJECTIONS_OBJECTION_DECIDE,
            P.OBJECTIONS_OBJECTION_READ,
            P.REPAIR_APPLICATION_DECIDE,
            P.REPAIR_APPLICATION_READ,
            P.LISTS_ENTRY_PROPOSE,
            P.LISTS_ENTRY_READ,
            P.TIPS_TIP_HANDLE,
            P.TIPS_TIP_READ,
            P.ASSESSMENT_ASSESSMENT_READ,
            P.TRACKING_PROGRESS_REPORT,
            P.TRACKING_TASK_READ,
        }
    ),
    Role.CONSUMER_OFFICER: frozenset(
        {
            P.ACCESS_POLICY_READ,
            P.ACCESS_QUERY_SUBMIT,
            P.CATALOG_CATALOG_READ,
            P.NOTIFICATIONS_NOTICE_READ,
            P.WATCH_SUBSCRIPTION_MANAGE,
            P.CHECKS_CHECK_READ,
            P.CHECKS_CHECK_RUN,
            P.CHECKS_FEEDBACK_SUBMIT,
            P.ASSESSMENT_ASSESSMENT_READ,
            P.TRACKING_PROGRESS_REPORT,
            P.TRACKING_TASK_READ,
        }
    ),
    Role.AGENCY_STAFF: frozenset(
        {
            P.ACCESS_QUERY_SUBMIT,
            P.CATALOG_CATALOG_READ,
            P.NOTIFICATIONS_NOTICE_READ,
            P.WATCH_SUBSCRIPTION_MANAGE,
        }
    ),
    Role.CITIZEN: SELF_PERMISSIONS | {P.CATALOG_CATALOG_READ},
}

# Roles an administrator may assign to staff accounts (citizens are never staff).
STAFF_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.CITIZEN)

# Which organization kinds' staff a role may be given to (ADR 0027), by the kinds' stored values
# (``organizations.models.OrganizationKind``; security sits below the domains). Platform roles
# stay inside the platform operator's own organizations. The operator's organizations may hold
# every staff role: the centre provides records itself (department ``credit-centre``), queries
# under statutory duty, and none of the other roles gives more than the platform roles there.
_OPERATOR = "operator"
_PUBLIC_BODIES = frozenset({_OPERATOR, "government", "court", "association"})
ROLE_ORGANIZATION_KINDS: dict[Role, frozenset[str]] = {
    Role.PLATFORM_ADMIN: frozenset({_OPERATOR}),
    Role.OPERATOR: frozenset({_OPERATOR}),
    Role.REVIEWER: frozenset({_OPERATOR}),
    Role.AUDITOR: frozenset({_OPERATOR}),
    Role.SECURITY_OFFICER: frozenset({_OPERATOR}),
    # Departments, courts and associations push records; so does the centre.
    Role.PROVIDER_CLERK: _PUBLIC_BODIES,
    # Public bodies query under their duty, enterprises by the person's consent (employment,
    # leasing scenes).
    Role.CONSUMER_OFFICER: _PUBLIC_BODIES | {"enterprise"},
    # Credit agencies and financial institutions query with the person's grant.
    Role.AGENCY_STAFF: frozenset({_OPERATOR, "credit_agency", "financial"}),
    Role.CITIZEN: frozenset(),  # never assigned
}


def roles_not_for_kind(roles: list[str] | tuple[str, ...], kind: str) -> list[str]:
    """The roles (by name) that staff of an organization of this kind may not hold, sorted."""
    return sorted(
        name
        for name in set(roles)
        if name not in Role._value2member_map_ or kind not in ROLE_ORGANIZATION_KINDS[Role(name)]
    )


def permissions_of(roles: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[Permission]:
    """The union of the roles' permissions; unknown role names grant nothing."""
    granted: set[Permission] = set()
    for name in roles:
        if name in Role._value2member_map_:
            granted |= ROLE_PERMISSIONS[Role(name)]
    return frozenset(granted)
