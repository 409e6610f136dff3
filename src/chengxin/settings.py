"""Settings, read once from ``CHENGXIN_*`` environment variables and an optional ``.env``."""

from __future__ import annotations

import ipaddress
import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# RULES §6: records of access to personal credit data are kept at least three years.
MIN_AUDIT_RETENTION_DAYS = 1095


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Everything an operator can configure; defaults suit a laptop running the demo."""

    model_config = SettingsConfigDict(
        env_prefix="CHENGXIN_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Environment = Field(Environment.DEVELOPMENT, description="development, test or production")
    data_dir: Path = Field(Path("var"), description="Where the SQLite file and key file live")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: a SQLite file in data_dir"
    )
    keys: str | None = Field(
        None, description="Keyring as JSON (instead of the key file), e.g. from a secret store"
    )
    db_pool_size: int = Field(
        20,
        description="Pooled database connections per process; with db_max_overflow at least the "
        "server's worker threads (40), so no request thread waits for a connection",
    )
    db_max_overflow: int = Field(20, description="Connections opened beyond db_pool_size at peaks")
    db_lock_wait_seconds: float = Field(
        30.0,
        gt=0,
        description="How long a statement waits for a lock (SQLite's busy timeout and write "
        "turn, PostgreSQL's lock_timeout) before the request answers 503 database-busy",
    )
    db_busy_retry_after_seconds: int = Field(
        2, ge=1, description="Retry-After of a 503 database-busy answer (transient database errors)"
    )
    replica_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="PostgreSQL hot standbys that serve read-only work (checks, public lists, "
        "pages that only read), comma-separated URLs; empty: every read on the primary "
        "(ADR 0033). Refused on SQLite",
    )
    replica_max_lag_seconds: float = Field(
        5.0,
        ge=0,
        description="A replica further behind the primary than this (or unreachable) serves "
        "nothing until it catches up (ADR 0033)",
    )
    request_json_max_depth: int = Field(
        32,
        ge=2,
        description="Deepest nesting of arrays and objects a JSON request body may have (checked "
        "on the raw bytes before decoding; deeper: 400 json-too-deep)",
    )
    server_threads: int = Field(
        16, description="Threads per server process that run request handlers (blocking DB work)"
    )
    auth_threads: int = Field(
        4, ge=1, description="Threads per server process that look up presented credentials"
    )
    auth_cache_seconds: float = Field(
        2.0,
        ge=0,
        description="How long a server process trusts a credential it found good (0: never); a "
        "revocation, freeze or sign-out elsewhere takes effect within this time",
    )
    log_level: str = Field("INFO", description="Root log level")
    log_json: bool = Field(default=True, description="JSON log lines (false: console format)")
    log_quiet: tuple[str, ...] = Field(
        default=(),
        description="Loggers whose INFO lines are logged at DEBUG (the demo: "
        "chengxin.notifications, one line per message sent)",
    )
    access_log: bool = Field(
        default=True,
        description="One structured line per request (method, path, status, ms, request id) at "
        "INFO on the chengxin.access logger; false: none, at no cost (a front proxy keeps them)",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or CIDR networks of the reverse proxies in front of the server, "
        "comma-separated (`10.0.0.5,10.1.0.0/16`) or a JSON list. X-Forwarded-For is honoured "
        "only from them (the right-most address not in the list is the client); empty: never",
    )
    max_upload_bytes: int = Field(
        2 * 1024**3, description="Largest upload accepted by file endpoints, in bytes"
    )
    max_field_chars: int = Field(200, description="Longest accepted text field in an import row")
    import_batch_rows: int = Field(5000, description="Rows per database batch in bulk imports")
    import_workers: int | None = Field(
        None,
        description="Processes that validate and seal large imports; default: all cores for "
        "files over import_parallel_min_bytes, none below",
    )
    import_parallel_min_bytes: int = Field(
        8 * 1024**2, description="Smallest file that the default import_workers parallelises"
    )
    ingest_chunk_rows: int = Field(
        2000, description="Rows checked together when ingesting credit records"
    )
    ingest_chunk_bytes: int = Field(
        8 * 1024**2,
        ge=64 * 1024,
        description="A chunk of raw rows read from a file is cut once it holds this many bytes, "
        "even before ingest_chunk_rows rows (up to two chunks per worker process are in flight)",
    )
    ingest_commit_rows: int = Field(
        500,
        ge=1,
        description="Rows per transaction when ingesting credit records (on SQLite a transaction "
        "holds the write lock: about 0.1 s for 500 rows)",
    )
    ingest_commit_pause_seconds: float = Field(
        0.05,
        ge=0,
        description="Pause after each ingest transaction on SQLite, so writers of other "
        "processes (napping in their busy handler) get the write lock in between",
    )
    ingest_max_field_chars: int = Field(
        4000, description="Longest cell read from an ingested file (kinds set tighter limits)"
    )
    ingest_push_max_bytes: int = Field(
        64 * 1024**2, description="Largest JSON body of a pushed batch, in bytes"
    )
    # Bounded memory for hostile provider input (issue 23): each refusal has a stable code.
    ingest_push_max_values: int = Field(
        1_000_000,
        ge=1,
        description="Most JSON values (objects, arrays, members, items) in a pushed body, counted "
        "before it is parsed (batch-too-many-values)",
    )
    ingest_push_max_depth: int = Field(
        32, ge=3, description="Deepest nesting of a pushed body's JSON (batch-too-deep)"
    )
    ingest_max_row_bytes: int = Field(
        32 * 1024,
        ge=1024,
        description="Longest row of an uploaded file in bytes: a CSV or JSONL line, an XLSX row's "
        "XML or shared text (row-too-long); a 4,000-character Chinese cell is 12 KB. A chunk of "
        "raw rows is bounded by ingest_chunk_bytes, whatever the rows' length",
    )
    ingest_max_columns: int = Field(
        1024, ge=16, description="Most cells in a row of an uploaded XLSX sheet (row-too-wide)"
    )
    ingest_xlsx_max_rows: int = Field(
        1_048_576,
        ge=1,
        description="Most rows (and other elements) in an uploaded XLSX sheet (xlsx-too-many-rows)",
    )
    ingest_xlsx_max_entries: int = Field(
        1000, ge=8, description="Most parts in an uploaded XLSX zip (xlsx-too-many-entries)"
    )
    ingest_xlsx_max_unzipped_bytes: int = Field(
        512 * 1024**2,
        ge=1024**2,
        description="Largest total unzipped size of an uploaded XLSX, from its zip directory, "
        "checked before opening (xlsx-too-large)",
    )
    ingest_xlsx_max_ratio: int = Field(
        200,
        ge=10,
        description="Largest unzipped/zipped ratio of an XLSX part over 1 MiB "
        "(xlsx-compression-ratio)",
    )
    ingest_xlsx_max_part_bytes: int = Field(
        4 * 1024**2,
        ge=64 * 1024,
        description="Largest unzipped XLSX part other than the worksheets and the shared strings "
        "(styles, workbook, media …), which openpyxl parses whole (xlsx-too-large)",
    )
    ingest_xlsx_max_shared_strings: int = Field(
        1_000_000,
        ge=1,
        description="Most shared strings (distinct texts) in an uploaded XLSX, which openpyxl "
        "holds in memory (xlsx-too-many-shared-strings)",
    )
    ingest_xlsx_max_shared_strings_bytes: int = Field(
        64 * 1024**2,
        ge=1024**2,
        description="Largest unzipped shared-strings part of an uploaded XLSX (xlsx-too-large)",
    )
    ingest_stale_seconds: int = Field(
        60,
        description="An unfinished batch untouched this long counts as interrupted: a resend of "
        "the same content resumes it",
    )
    ingest_sweep_seconds: int = Field(
        60,
        ge=1,
        description="How often unfinished batches untouched for ingest_stale_seconds are "
        "closed as interrupted (their stored rows then get their notices and list proposals)",
    )
    access_review_bulk_subjects: int = Field(
        50, description="A query naming more persons than this waits for a reviewer (R3.3)"
    )
    access_max_subjects: int = Field(1000, description="Most persons one query may name")
    # Service-window checks (issue 7): a batch names up to 10,000 persons in one request.
    check_batch_limit: int = Field(
        10_000, ge=1, description="Most persons one service-window check may name"
    )
    access_review_kinds: list[str] = Field(
        default_factory=list, description="Record kinds whose queries always wait for a reviewer"
    )
    access_review_financial: bool = Field(
        default=False,
        description="Queries that may show financial credit kinds wait for a reviewer",
    )
    access_review_new_scene: bool = Field(
        default=True, description="An organization's first query in a scene waits for a reviewer"
    )
    access_alert_subjects_per_hour: int = Field(
        500, description="Alert when an organization queries more distinct persons in an hour"
    )
    access_alert_night_queries: int = Field(
        20, description="Alert when an organization releases more queries in a night-time hour"
    )
    access_feedback_days: int = Field(
        7, description="Alert when released queries have had no feedback for this many days"
    )
    token_default_days: int = Field(365, description="Default validity of organization API tokens")
    password_min_length: int = Field(12, ge=8, description="Shortest accepted staff password")
    password_hash_memory_kib: int = Field(
        65536,
        ge=1024,
        description="argon2id memory cost in KiB for new password hashes (RFC 9106 low-memory "
        "profile: 64 MiB); production refuses less than 19456 (OWASP minimum)",
    )
    password_hash_time_cost: int = Field(3, ge=1, description="argon2id passes per password hash")
    # Staff sign-in brakes (issue 23, ADR 0027): per login name and client address, never a lock
    # a stranger can put on the account from elsewhere.
    login_backoff_base_seconds: float = Field(
        1.0,
        gt=0,
        description="After a failed password, one client address waits this long before it may "
        "try that login name again; the wait doubles with each further failure in a row",
    )
    login_backoff_max_seconds: int = Field(
        900, ge=1, description="Longest wait of the per login name and client address back-off"
    )
    login_backoff_reset_hours: int = Field(
        24,
        ge=1,
        description="A login name and client address without a failure this long start afresh "
        "(a success from that address resets them at once)",
    )
    login_account_brake_failures: int = Field(
        20,
        ge=1,
        description="Failed passwords for one login name, from all addresses, within "
        "login_account_brake_window_minutes after which its password checks are spaced out",
    )
    login_account_brake_window_minutes: int = Field(
        15, ge=1, description="Window of login_account_brake_failures"
    )
    login_account_brake_seconds: float = Field(
        5.0,
        gt=0,
        description="While braked, at most one password check per this many seconds for the "
        "login name, except from an address that signed in to it successfully recently",
    )
    login_known_address_days: int = Field(
        30,
        ge=1,
        description="A client address with a successful sign-in to a login name this recently is "
        "not slowed by that name's brake",
    )
    sign_in_attempts_prune_seconds: int = Field(
        3600,
        ge=1,
        description="How often staff and citizen sign-in attempts no limit reads any more are "
        "deleted (accounts.prune-attempts; every sign-in stays in the audit log)",
    )
    session_absolute_hours: int = Field(
        12, ge=1, description="A sign-in session ends this long after sign-in, however active"
    )
    session_idle_minutes: int = Field(
        30, ge=1, description="A sign-in session ends after this long without a request"
    )
    citizen_code_ttl_seconds: int = Field(
        300, ge=30, description="A citizen's one-time sign-in code expires after this long"
    )
    citizen_code_max_attempts: int = Field(
        5, ge=1, description="Wrong codes allowed per sign-in challenge before it is spent"
    )
    # Citizens' sign-in limits are keyed by the requester: client address + claimed ID number +
    # claimed name (keyed digests), so a stranger with an ID number cannot use up the person's.
    citizen_resend_seconds: int = Field(
        60,
        ge=0,
        description="At most one sign-in request per requester (client address, ID number and "
        "name) in this many seconds",
    )
    citizen_daily_codes: int = Field(
        10,
        ge=1,
        description="At most this many sign-in requests per requester (client address, ID number "
        "and name) in 24 hours",
    )
    citizen_address_hourly: int = Field(
        30,
        ge=1,
        description="At most this many citizen sign-in requests per client address in an hour, "
        "whatever the ID numbers and names",
    )
    citizen_person_daily_codes: int = Field(
        20,
        ge=1,
        description="At most this many sign-in codes sent to one person's phone in 24 hours (only "
        "requests with the person's right name send one)",
    )
    notification_channel: str = Field(
        "local",
        description="How messages to persons are delivered: `local` (kept in the outbox, read "
        "with `chengxin outbox show`), a registered channel name, an entry point of the "
        "`chengxin.notification_channels` group, or `package.module:factory`",
    )
    change_poll_seconds: float = Field(
        0.5,
        ge=0,
        le=1,
        description="How often each process reads the platform_change versions and forgets what "
        "it cached about a topic another process changed (0: never; a single process needs no "
        "poll, ADR 0034)",
    )
    check_context_seconds: float = Field(
        2.0,
        ge=0,
        description="How long a server process reuses a checking organization's context (its "
        "kind, permission list and the catalog document) for the next checks; a change made "
        "anywhere empties it within change_poll_seconds (ADR 0034)",
    )
    lockdown_cache_seconds: float = Field(
        1.0,
        ge=0,
        le=1,
        description="How long a server process may rely on its last reading of the platform "
        "lockdown state (at most 1 second)",
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="The platform's public address: links, the verification address printed on "
        "every report and its QR code (<public_base_url>/verify); set it to the address people "
        "reach, e.g. https://xinyong.hubei.gov.cn (production refuses to start on a loopback one)",
    )
    # Credit reports (issue 20): who issues them and how the seal block reads. The defaults are
    # placeholders; a deployment sets its own issuing body.
    report_issuer: str = Field(
        "湖北省公共信用信息中心",
        min_length=1,
        max_length=60,
        description="The issuing body printed on every credit report and around its seal "
        "(出具机构), in Chinese",
    )
    report_issuer_en: str = Field(
        "Hubei Public Credit Information Center",
        min_length=1,
        max_length=120,
        description="The issuing body in English (English reports)",
    )
    report_seal_text: str = Field(
        "报告专用章",
        min_length=1,
        max_length=12,
        description="The text in the middle of the report's seal block (a placeholder drawn in "
        "CSS/SVG, marked as such: the electronic signature is the platform's Ed25519 seal)",
    )
    report_visit_minutes: int = Field(
        30,
        ge=0,
        le=24 * 60,
        description="The own-report page (/me/report) and its PDF download show the same report "
        "while the person's data is unchanged, for this many minutes after it was issued to her "
        "browser; 0: a new report on every view",
    )
    # The government website footer on every page (issue 20). The defaults are placeholders;
    # a deployment sets the registrations it was given.
    site_sponsor: str = Field(
        "湖北省公共信用信息中心（示例）", max_length=80, description="主办单位 shown in the footer"
    )
    site_hotline: str = Field(
        "12345", max_length=40, description="The service hotline shown in the footer (服务热线)"
    )
    site_icp: str = Field(
        "鄂ICP备00000000号（示例）", max_length=60, description="ICP 备案号 shown in the footer"
    )
    site_police_record: str = Field(
        "鄂公网安备42000000000000号（示例）",
        max_length=60,
        description="公安机关备案号 shown in the footer (empty: not shown)",
    )
    site_code: str = Field(
        "4200000000（示例）",
        max_length=40,
        description="网站标识码 (the government website identification code) shown in the footer",
    )
    # Objections and repair (RULES.md §2–§3): deadlines in Chinese working days.
    objection_forward_days: int = Field(
        1, ge=0, description="Working days within which an objection reaches the provider's queue"
    )
    objection_platform_days: int = Field(
        5, ge=1, description="Working days to decide an objection the platform can decide itself"
    )
    objection_provider_days: int = Field(
        7, ge=1, description="Working days to decide an objection the provider must verify"
    )
    objection_days_by_kind: dict[str, int] = Field(
        default_factory=dict,
        description="Per record kind: working days to decide (a specific law may set another)",
    )
    objection_financial_ceiling_days: int = Field(
        20, ge=1, description="Calendar-day ceiling for financial credit data (征信条例 Art. 25)"
    )
    objection_appeal_route: str = Field(
        "对处理结果不服的，可自收到答复之日起60日内向作出认定的单位的本级人民政府或上一级主管部门"
        "申请行政复议，或自知道之日起6个月内依法向人民法院提起行政诉讼。",
        description="The route of administrative reconsideration or appeal shown with a decision "
        "unless the decider states another",
    )
    repair_decide_days: int = Field(
        3, ge=1, description="Working days for the finding department to decide a repair"
    )
    repair_answer_days: int = Field(
        10, ge=1, description="Working days within which the applicant is answered"
    )
    repair_bars: list[str] = Field(
        default_factory=list,
        description="Local repair bars (off by default): `repaired-within-1-year`, "
        "`two-repairs-within-5-years`, `same-kind-within-5-years`",
    )
    reminder_working_days: int = Field(
        1, ge=0, description="Remind the decider this many working days before a case is due"
    )
    audit_tree_head_seconds: float = Field(
        10.0, gt=0, description="Sign an audit tree head this often when the log grew (seconds)"
    )
    audit_writer_batch: int = Field(
        1000, ge=1, description="Most audit entries the group-commit writer appends per commit"
    )
    audit_retention_days: int = Field(
        1095,
        ge=1,
        description="How long audit entries are kept: at least 3 years (RULES §6; "
        "网络数据安全管理条例 Art. 12); below 1095 only in the test environment. Archival is a "
        "later issue",
    )
    # Jobs and schedules (ADR 0014): deadlines are data swept by jobs, never in-memory timers.
    jobs_in_process: bool = Field(
        default=True,
        description="Run a job worker thread inside each server process (the demo); production "
        "may set false and run `chengxin worker` instead (or both: workers never share a job)",
    )
    jobs_poll_seconds: float = Field(
        2.0, gt=0, description="How long an idle worker waits before looking for due jobs again"
    )
    jobs_lease_seconds: int = Field(
        300,
        ge=1,
        description="How long a claimed job is a worker's: past it, a job whose worker died is "
        "claimed again (longer than the slowest handler)",
    )
    jobs_batch: int = Field(20, ge=1, description="Most jobs one worker pass runs")
    # Long jobs work in chunks, each its own short transaction (issue 23, ADR 0026): on SQLite a
    # chunk holds the single write lock, so a request waits behind a job for one chunk at most.
    jobs_chunk_rows: int = Field(
        1000, ge=1, description="Most items (records, cases) one chunk of a long job handles"
    )
    jobs_chunk_seconds: float = Field(
        0.25,
        gt=0,
        description="A chunk of a long job stops taking items after this long (the longest a "
        "request waits behind a job for the write lock, plus one item)",
    )
    jobs_chunk_pause_seconds: float = Field(
        0.02,
        ge=0,
        description="Pause between two chunks of a long job, so writers of other processes "
        "(whose SQLite busy handler naps) get the lock in between",
    )
    jobs_backoff_base_seconds: float = Field(
        10.0, gt=0, description="Wait after a job's first failed attempt; doubles per attempt"
    )
    jobs_backoff_max_seconds: float = Field(
        3600.0, gt=0, description="Longest wait between attempts of a failing job"
    )
    jobs_retention_days: int = Field(
        30, ge=1, description="Finished (done) jobs are deleted after this many days"
    )
    access_feedback_scan_seconds: int = Field(
        86400,
        ge=1,
        description="How often released queries are scanned for missing feedback (daily: one "
        "no-feedback alert per organization and day)",
    )
    notification_delivery_seconds: int = Field(
        30, ge=1, description="How often queued messages are handed to a gateway channel"
    )
    case_sweep_seconds: int = Field(
        60,
        ge=1,
        description="How often objections and repair applications are swept: forwarded, "
        "reminded before their due date, escalated when overdue",
    )
    expiry_sweep_seconds: int = Field(
        300,
        ge=1,
        description="How often the expiry sweep runs (it does a day's work once; later runs the "
        "same day only catch late arrivals)",
    )
    expiry_sweep_limit: int = Field(
        200_000, ge=1, description="Most expiry events one transaction of the sweep writes"
    )
    # Lists (RULES.md §5): the subject is told before listing and may object. The law gives no
    # number for the window: 5 working days is a design default [D], as for objections the
    # platform decides itself.
    lists_objection_days: int = Field(
        5,
        ge=1,
        description="Working days the subject may object after being told of a proposed list "
        "entry; it is not published before they end",
    )
    lists_searches_per_client_per_hour: int = Field(
        60,
        ge=1,
        description="Public list searches one client (address) may make per clock hour: a "
        "search by name must not become a way to enumerate the lists",
    )
    state_sweep_seconds: int = Field(
        60,
        ge=1,
        description="How often stored credit states whose next change has come are recomputed "
        "(readers recompute such a person on the fly meanwhile: this bounds only the lag of the "
        "stored row, never what a reader is told)",
    )
    lists_sweep_seconds: int = Field(
        3600,
        ge=1,
        description="How often list entries are swept: exited when their term ended or their "
        "records were repaired, revoked or ended their display",
    )
    # Integrity points (诚信积分, issue 9)
    scoring_exclude_disputed: bool = Field(
        default=True,
        description="Records in dispute (an open objection) do not count until it is decided",
    )
    scoring_batch_subjects: int = Field(
        2000, ge=1, le=5000, description="Subjects loaded and scored per query batch"
    )
    scoring_review_days: int = Field(
        15, ge=1, description="Working days to decide a person's request for review of a score"
    )
    scoring_incremental_seconds: int = Field(
        3600, ge=1, description="How often scores of subjects with changes are recomputed"
    )
    # Tips (举报, R9.1): anonymous, so limited per client (keyed HMAC of the address) per hour.
    tips_per_client_per_hour: int = Field(
        5, ge=1, description="Tips one client (address) may submit per clock hour"
    )
    tips_lookups_per_client_per_hour: int = Field(
        30, ge=1, description="Tip look-ups (reference + secret) one client may make per hour"
    )
    tips_same_text_per_day: int = Field(
        3, ge=1, description="Tips with identical text accepted per 24 hours, from any client"
    )
    tips_act_working_days: int = Field(
        5,
        ge=1,
        description="Working days the department has to start on a routed tip before operators "
        "are told (design default [D]; no statutory number was found)",
    )
    tips_sweep_seconds: int = Field(
        3600, ge=1, description="How often tips not acted on in time are looked for"
    )
    # Task tracking (issue 22, R11.3): reminders before a milestone is due, alerts after.
    task_reminder_workdays: int = Field(
        1,
        ge=0,
        le=10,
        description="How many working days before a task's milestone is due its units are "
        "reminded (0: on the due day itself)",
    )
    tracking_sweep_seconds: int = Field(
        3600,
        ge=1,
        description="How often milestones are swept for reminders and overdue alerts (each is "
        "sent once, on its Beijing day)",
    )
    # Watch (issue 7 item 9): change subscriptions under a subject's grant.
    watch_deliver_seconds: int = Field(
        60, ge=1, description="How often watch subscriptions are scanned for new changes"
    )
    watch_scan_batch: int = Field(
        500, ge=1, description="Subscriptions one scan pass looks at per transaction"
    )
    watch_webhook_timeout_seconds: float = Field(
        10.0, gt=0, description="Timeout of one webhook POST (connect and read)"
    )
    watch_webhook_attempts: int = Field(
        8, ge=1, description="Attempts of one webhook delivery (the job queue backs off)"
    )
    watch_webhook_private_allowed: bool = Field(
        default=False,
        description="Accept webhook URLs on loopback or private networks (tests, development "
        "only; refused in production)",
    )

    @field_validator("replica_urls", mode="before")
    @classmethod
    def _split_replica_urls(cls, value: object) -> object:
        # Comma-separated (a libpq multi-host URL has commas only before its path: not here).
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_networks(cls, value: object) -> object:
        # A comma-separated list or a JSON list; each entry must be an address or a network.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                value = json.loads(text)
            else:
                value = [part.strip() for part in text.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            for entry in value:
                ipaddress.ip_network(str(entry).strip(), strict=False)  # ValueError: refused
            return [str(entry).strip() for entry in value]
        return value

    @model_validator(mode="after")
    def _production_needs_a_real_database(self) -> Settings:
        # A production node must say where its data lives; the embedded default is for laptops.
        if self.env is Environment.PRODUCTION and not self.database_url:
            msg = "CHENGXIN_DATABASE_URL must be set in production"
            raise ValueError(msg)
        if self.env is Environment.PRODUCTION and self.password_hash_memory_kib < 19456:  # noqa: PLR2004
            msg = "CHENGXIN_PASSWORD_HASH_MEMORY_KIB below 19456 is too weak for production"
            raise ValueError(msg)
        if (
            self.env is not Environment.TEST
            and self.audit_retention_days < MIN_AUDIT_RETENTION_DAYS
        ):
            msg = "CHENGXIN_AUDIT_RETENTION_DAYS must be at least 1095 (3 years, RULES §6)"
            raise ValueError(msg)
        if self.env is Environment.PRODUCTION and self.watch_webhook_private_allowed:
            msg = "CHENGXIN_WATCH_WEBHOOK_PRIVATE_ALLOWED must be false in production (SSRF)"
            raise ValueError(msg)
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``<data_dir>/chengxin.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'chengxin.db').as_posix()}"

    def workers_for(self, file_bytes: int) -> int:
        """Worker processes for an import of this size (0: validate and seal in-process)."""
        if self.import_workers is not None:
            return self.import_workers
        if file_bytes < self.import_parallel_min_bytes:
            return 0
        return max(2, min(os.cpu_count() or 1, 8))

    @property
    def key_file(self) -> Path:
        """Where the keyring lives when it is not given in the environment."""
        return self.data_dir / "keys.json"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; overrides win (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
