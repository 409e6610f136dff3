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
    # assessment: versioned indicators, periodic assessments of departments and cities (R11.1)
    ASSESSMENT_ASSESSMENT_ISSUE = "assessment:assessment:issue"
    ASSESSMENT_ASSESSMENT_READ = "assessment:assessment:read"  # all in scope, or one's own figures
    ASSESSMENT_INDICATORS_MANAGE = "assessment:indicators:manage"  # upload and activate versions
    # audit
    AUDIT_LOG_EXPORT = "audit:log:export"
    AUDIT_LOG_READ = "audit:log:read"
    AUDIT_LOG_VERIFY = "audit:log:verify"
    # catalog
    CATALOG_CATALOG_MANAGE = "catalog:catalog:manage"  # load and activate catalog versions
    CATALOG_CATALOG_READ = "catalog:catalog:read"
    # checks: the service-window check of joint measures (联合奖惩核查) and feedback (反馈, R11)
    CHECKS_CHECK_READ = "checks:check:read"
    CHECKS_CHECK_RUN = "checks:check:run"
    CHECKS_FEEDBACK_READ = "checks:feedback:read"
    CHECKS_FEEDBACK_SUBMIT = "checks:feedback:submit"
    # content: the portal's pages that operators write (exemplars, warning cases, policies; R10.1)
    CONTENT_PAGE_MANAGE = "content:page:manage"
    # identity
    IDENTITY_PERSON_VERIFY = "identity:person:verify"
    IDENTITY_POPULATION_IMPORT = "identity:population:import"
    IDENTITY_SUBJECT_READ = "identity:subject:read"
    # ingestion
    INGESTION_BATCH_READ = "ingestion:batch:read"
    INGESTION_BATCH_SUBMIT = "ingestion:batch:submit"
    INGESTION_QUALITY_READ = "ingestion:quality:read"
    # lists: red and black list entries (R7, R8) — proposing, reading, publishing and exits
    LISTS_ENTRY_MANAGE = "lists:entry:manage"
    LISTS_ENTRY_PROPOSE = "lists:entry:propose"
    LISTS_ENTRY_READ = "lists:entry:read"
    # notifications: the organization's inbox of notices (corrections, repairs, deadlines)
    NOTIFICATIONS_NOTICE_READ = "notifications:notice:read"
    # objections: 异议 (R5.1) — filing for a person, the provider's and operator's queues
    OBJECTIONS_OBJECTION_DECIDE = "objections:objection:decide"
    OBJECTIONS_OBJECTION_FILE = "objections:objection:file"
    OBJECTIONS_OBJECTION_READ = "objections:objection:read"
    # organizations
    ORGANIZATION_ORGANIZATION_MANAGE = "organizations:organization:manage"
    ORGANIZATION_ORGANIZATION_READ = "organizations:organization:read"
    ORGANIZATION_ROLE_MANAGE = "organizations:role:manage"
    ORGANIZATION_TOKEN_MANAGE = "organizations:token:manage"  # noqa: S105
    # records
    RECORDS_ARCHIVE_READ = "records:archive:read"
    RECORDS_RECORD_READ = "records:record:read"
    # repair: 信用修复 (R5.3–R5.4)
    REPAIR_APPLICATION_DECIDE = "repair:application:decide"
    REPAIR_APPLICATION_FILE = "repair:application:file"
    REPAIR_APPLICATION_READ = "repair:application:read"
    # scoring: integrity points (诚信积分, R6.3) — rulesets, look-ups, reviews, city exports
    SCORING_EXPORT_READ = "scoring:export:read"
    SCORING_REVIEW_DECIDE = "scoring:review:decide"
    SCORING_RULESET_MANAGE = "scoring:ruleset:manage"
    SCORING_SCORE_READ = "scoring:score:read"
    # self: what a signed-in citizen may do with their own data (never anyone else's)
    SELF_DATA_READ = "self:data:read"
    SELF_GRANT_MANAGE = "self:grant:manage"
    SELF_OBJECTION_FILE = "self:objection:file"
    SELF_REPAIR_APPLY = "self:repair:apply"
    SELF_SCORE_REVIEW = "self:score:review"
    SELF_STATEMENT_MANAGE = "self:statement:manage"
    # system
    SYSTEM_LOCKDOWN_MANAGE = "system:lockdown:manage"
    # tips: 举报 (R9.1) — the competent department's and the operator's queue of tips
    TIPS_TIP_HANDLE = "tips:tip:handle"
    TIPS_TIP_READ = "tips:tip:read"
    # tracking: tasks with lead and responsible units, milestones and progress (R11.3)
    TRACKING_PROGRESS_REPORT = "tracking:progress:report"  # a unit reports on its own tasks
    TRACKING_TASK_MANAGE = "tracking:task:manage"  # record, plan and close tasks
    TRACKING_TASK_READ = "tracking:task:read"  # all in scope, or the tasks one's unit is on
    # watch: change subscriptions of an organization under its subjects' grants
    WATCH_SUBSCRIPTION_MANAGE = "watch:subscription:manage"
    # workdays: the working-day calendar (each year's holidays and adjusted working days)
    WORKDAYS_CALENDAR_MANAGE = "workdays:calendar:manage"  # enter or replace a year
    WORKDAYS_CALENDAR_READ = "workdays:calendar:read"


ALL_PERMISSIONS: frozenset[Permission] = frozenset(Permission)
