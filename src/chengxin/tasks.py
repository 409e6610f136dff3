"""Every background job and periodic schedule of the platform, registered in one place.

``install()`` (called by ``chengxin.wiring.install()``) registers them on the job registry the
worker reads (``chengxin.jobs.registry.REGISTRY``); nothing is registered by importing this
module, and the jobs package imports no domain (ADR 0038). A domain that needs work done later
adds its handler here and enqueues with ``jobs.service.enqueue`` in its own transaction.
Intervals come from the settings of the running platform.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chengxin.access import monitoring
from chengxin.accounts import service as accounts_service
from chengxin.audit import service as audit
from chengxin.citizens import service as citizen_service
from chengxin.ingestion import service as ingestion_service
from chengxin.jobs import service as jobs_service
from chengxin.jobs.registry import REGISTRY, ChunkHandler, Handler, JobContext, Registry, Step
from chengxin.lists import proposals as list_proposals
from chengxin.lists import service as list_service
from chengxin.notifications import channels as notification_channels
from chengxin.notifications import service as notifications_service
from chengxin.objections import service as objection_service
from chengxin.partitions import service as partitions_service
from chengxin.records import expiry
from chengxin.repair import notices as repair_notices
from chengxin.repair import service as repair_service
from chengxin.scoring import service as scoring_service
from chengxin.settings import Settings
from chengxin.state import service as state_service
from chengxin.tips import service as tip_service
from chengxin.tracking import service as tracking_service
from chengxin.watch import service as watch_service

ACCESS_FEEDBACK_SCAN = "access.scan-feedback"
OBJECTIONS_SWEEP = "objections.sweep"
REPAIR_SWEEP = "repair.sweep"
RECORDS_EXPIRY = "records.expiry"
NOTIFICATION_DELIVERY = "notifications.deliver-queued"
JOBS_PRUNE = "jobs.prune"
LISTS_SWEEP = "lists.sweep"
TIPS_SWEEP = "tips.sweep"
TRACKING_SWEEP = "tracking.sweep"
WATCH_DELIVER = "watch.deliver"
WATCH_SEND = watch_service.WATCH_SEND
STATE_SWEEP = "state.sweep"
INGESTION_SWEEP = "ingestion.sweep-interrupted"
PARTITIONS_MAINTAIN = "partitions.maintain"
STATE_SWEEP_CHUNKS = 1000
STATE_SWEEP_GROUP = 50
SCORING_FULL = scoring_service.FULL_JOB
SCORING_INCREMENTAL = scoring_service.INCREMENTAL_JOB


def scan_access_feedback(
    session: Session, payload: dict[str, Any], ctx: JobContext
) -> dict[str, Any]:
    """Raise no-feedback alerts (R4.3) for operators: released queries past the feedback period."""
    del payload
    alerts = monitoring.scan_feedback(session, settings=ctx.runtime.settings, now=ctx.now)
    for alert in alerts:
        audit.record(
            session,
            "access:alert:raise",
            actor=jobs_service.JOBS_ACTOR,
            object_type="access_alert",
            object_id=alert.id,
            data={"rule": alert.rule, "organization_id": str(alert.organization_id)},
        )
    return {"alerts": len(alerts)}


def deliver_notifications(
    session: Session, payload: dict[str, Any], ctx: JobContext
) -> dict[str, Any]:
    """Hand queued messages to the configured gateway channel after their transactions committed
    (the local channel delivers inside ``notify``, so it finds nothing to do)."""
    # deliver_queued opens one unit of work per message. The job's own session stays unused: on
    # SQLite its write transaction would begin at first use and those units of work would wait.
    del session
    runtime = ctx.runtime
    installed = runtime.session_factory.kw.get("info", {}).get(
        notification_channels.SESSION_INFO_KEY
    )
    channel = installed or notification_channels.channel_for(runtime.settings)
    sent = notifications_service.deliver_queued(
        runtime.scope, channel, limit=int(payload.get("limit", 100))
    )
    return {"sent": sent}


def prune_jobs(session: Session, payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Delete jobs that finished successfully more than ``jobs_retention_days`` ago."""
    del payload
    days = ctx.runtime.settings.jobs_retention_days
    deleted = jobs_service.prune(session, before=ctx.now - timedelta(days=days))
    if deleted:
        audit.record(
            session,
            "jobs:job:prune",
            actor=jobs_service.JOBS_ACTOR,
            object_type="job",
            data={"deleted": deleted, "retention_days": days},
        )
    return {"deleted": deleted}


def send_creation_notices(
    session: Session, payload: dict[str, Any], progress: dict[str, Any], ctx: JobContext
) -> Step:
    """两书同达: tell the subjects of a batch's new dishonest records how and when to repair, a
    chunk of records at a time (ADR 0026)."""
    chunk = repair_notices.send_chunk(
        session,
        uuid.UUID(payload["batch_id"]),
        after_row=int(progress.get("after_row", 0)),
        limit=ctx.chunk_rows,
        seconds=ctx.chunk_seconds,
        actor=jobs_service.JOBS_ACTOR,
        now=ctx.now,
        job_id=ctx.job_id,
    )
    sent = int(progress.get("sent", 0)) + chunk.sent
    return Step({"after_row": chunk.last_row, "sent": sent}, {"sent": sent} if chunk.done else None)


def sweep_objections(session: Session, payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Forward filed objections, remind before the due date, escalate overdue ones."""
    del payload
    done = objection_service.sweep(session, actor=jobs_service.JOBS_ACTOR, now=ctx.now)
    return {"forwarded": done.forwarded, "reminded": done.reminded, "escalated": done.escalated}


def sweep_repairs(session: Session, payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Remind finding departments before the due date, escalate overdue applications."""
    del payload
    done = repair_service.sweep(session, actor=jobs_service.JOBS_ACTOR, now=ctx.now)
    return {"reminded": done.reminded, "escalated": done.escalated}


def sweep_expiry(session: Session, payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """End display at each record's maximum period as a change event (RULES.md §1). A large
    catch-up stops at the limit and queues its own continuation."""
    limit = int(payload.get("limit") or ctx.runtime.settings.expiry_sweep_limit)
    done = expiry.sweep(session, now=ctx.now, actor=jobs_service.JOBS_ACTOR, limit=limit)
    if not done.complete:
        jobs_service.enqueue(
            session,
            RECORDS_EXPIRY,
            {"limit": limit},
            idempotency_key=f"expiry-continue:{done.through_on}:{ctx.job_id}",
        )
    return {
        "expired": done.expired,
        "late": done.late,
        "through_on": str(done.through_on),
        "complete": done.complete,
    }


def propose_list_entries(
    session: Session, payload: dict[str, Any], progress: dict[str, Any], ctx: JobContext
) -> Step:
    """Propose (and notify) list entries for a finished batch's records of kinds that propose a
    red or black list, a chunk of records at a time (ADR 0026)."""
    batch_id = uuid.UUID(payload["batch_id"])
    versions = progress.get("versions")
    if versions is None:  # read once, in the first chunk
        versions = list_proposals.proposing_versions(session, batch_id)
    chunk = list_proposals.propose_chunk(
        session,
        batch_id,
        versions=versions,
        after_row=int(progress.get("after_row", 0)),
        limit=ctx.chunk_rows,
        seconds=ctx.chunk_seconds,
        actor=jobs_service.JOBS_ACTOR,
        settings=ctx.runtime.settings,
        now=ctx.now,
        job_id=ctx.job_id,
    )
    counts = {
        "proposed": int(progress.get("proposed", 0)) + chunk.counts.proposed,
        "already_listed": int(progress.get("already_listed", 0)) + chunk.counts.already_listed,
        "not_displayed": int(progress.get("not_displayed", 0)) + chunk.counts.not_displayed,
    }
    return Step(
        {"after_row": chunk.last_row, "versions": versions, **counts},
        counts if chunk.done else None,
    )


def sweep_lists(session: Session, payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Exit published list entries whose term ended or whose records no longer count."""
    del payload
    done = list_service.sweep(session, actor=jobs_service.JOBS_ACTOR, now=ctx.now)
    return {"term_ended": done.term_ended, "records_ended": done.records_ended}


def sweep_states(
    session: Session, payload: dict[str, Any], progress: dict[str, Any], ctx: JobContext
) -> Step:
    """Recompute the credit states whose next change has come (a display window opened or
    ended, a list term ended, a role began or ended, repair opened, a grade took effect), a chunk
    of persons at a time: a recomputed state's next change moves past now, so each chunk takes
    the next ones (ADR 0026)."""
    del payload
    started, done, finished = time.monotonic(), 0, False
    # A few persons at a time, the clock read between (a state costs about a millisecond).
    while done < ctx.chunk_rows and time.monotonic() - started < ctx.chunk_seconds:
        swept = state_service.sweep(session, now=ctx.now, limit=STATE_SWEEP_GROUP)
        done += swept
        if swept < STATE_SWEEP_GROUP:
            finished = True
            break
    recomputed = int(progress.get("recomputed", 0)) + done
    chunks = int(progress.get("chunks", 0)) + 1
    # At most STATE_SWEEP_CHUNKS a run: the next run takes what is left.
    finished = finished or chunks >= STATE_SWEEP_CHUNKS
    return Step(
        {"recomputed": recomputed, "chunks": chunks},
        {"recomputed": recomputed} if finished else None,
    )


def sweep_ingestion(session: Session, payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Close batches left ``processing`` by a process that died (and not resumed by a resend):
    their stored rows then get their notices and list proposals."""
    del payload
    closed = ingestion_service.close_interrupted(
        session,
        stale_after=timedelta(seconds=ctx.runtime.settings.ingest_stale_seconds),
        actor=jobs_service.JOBS_ACTOR,
        now=ctx.now,
    )
    return {"closed": len(closed)}


def maintain_partitions(
    session: Session, payload: dict[str, Any], ctx: JobContext
) -> dict[str, Any]:
    """Keep the big tables' seq ranges ahead of their counters and empty their DEFAULT
    partitions (PostgreSQL, ADR 0035); nothing on SQLite."""
    del payload, ctx
    done = partitions_service.maintain(session)
    return {"created": done.created, "moved": done.moved}


def prune_sign_in_attempts(
    session: Session, payload: dict[str, Any], progress: dict[str, Any], ctx: JobContext
) -> Step:
    """Delete the staff's, then the citizens' sign-in attempts no limit reads any more, oldest
    first, at most a chunk of rows per transaction by primary key (every sign-in stays in the
    audit log)."""
    del payload
    settings, phase = ctx.runtime.settings, progress.get("phase", "staff")
    after = datetime.fromisoformat(progress["after"]) if progress.get("after") else None
    if phase == "staff":
        pruned = accounts_service.prune_attempts(
            session,
            policy=accounts_service.Policy.from_settings(settings),
            now=ctx.now,
            after=after,
            limit=ctx.chunk_rows,
        )
    else:
        pruned = citizen_service.prune_attempts(
            session,
            policy=citizen_service.CitizenPolicy.from_settings(settings),
            now=ctx.now,
            after=after,
            limit=ctx.chunk_rows,
        )
    counts = {"staff": int(progress.get("staff", 0)), "citizens": int(progress.get("citizens", 0))}
    counts[phase] += pruned.deleted
    if not pruned.done:
        return Step(
            {"phase": phase, "after": pruned.after.isoformat() if pruned.after else None, **counts}
        )
    if phase == "staff":
        return Step({"phase": "citizens", "after": None, **counts})
    if counts["staff"] or counts["citizens"]:
        audit.record(
            session,
            "accounts:attempts:prune",
            actor=jobs_service.JOBS_ACTOR,
            object_type="login_attempt",
            data=counts,
            at=ctx.now,
        )
    return Step({"phase": phase, "after": None, **counts}, counts)


def sweep_tips(session: Session, payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Tell operators of routed tips nobody started on within the working days allowed."""
    del payload
    return {"escalated": tip_service.sweep(session, actor=jobs_service.JOBS_ACTOR, now=ctx.now)}


def sweep_tracking(session: Session, payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Remind the units of tasks' milestones due soon; alert them and the operator once overdue."""
    del payload
    done = tracking_service.sweep(
        session,
        actor=jobs_service.JOBS_ACTOR,
        remind_workdays=ctx.runtime.settings.task_reminder_workdays,
        now=ctx.now,
    )
    return {"reminded": done.reminded, "alerted": done.alerted}


def deliver_watch(session: Session, payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Scan watch subscriptions from their watermarks: inbox deliveries at once, webhook
    deliveries queued as ``watch.send`` jobs; subscriptions whose grant ended are ended."""
    del payload
    done = watch_service.deliver(
        session, settings=ctx.runtime.settings, actor=jobs_service.JOBS_ACTOR, now=ctx.now
    )
    return {
        "scanned": done.scanned,
        "ended": done.ended,
        "delivered": done.delivered,
        "queued": done.queued,
    }


def send_watch(session: Session, payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """POST one signed webhook delivery; a failure is retried by the queue with backoff."""
    # The POST must not run inside a transaction (SQLite's write lock would wait on the
    # receiver): the service uses its own short units of work.
    del session
    outcome = watch_service.send(
        ctx.runtime.scope,
        uuid.UUID(payload["delivery_id"]),
        settings=ctx.runtime.settings,
        now=ctx.now,
    )
    return {"outcome": outcome}


def recompute_scores(
    session: Session, payload: dict[str, Any], progress: dict[str, Any], ctx: JobContext
) -> Step:
    """Score the whole population with the active ruleset (after an activation, or on demand),
    a chunk of persons at a time in subject-id order (ADR 0026)."""
    del payload
    chunk = scoring_service.recompute_chunk(
        session,
        progress,
        mode=scoring_service.FULL,
        settings=ctx.runtime.settings,
        actor=jobs_service.JOBS_ACTOR,
        now=ctx.now,
        limit=ctx.chunk_rows,
        seconds=ctx.chunk_seconds,
    )
    return Step(chunk.progress, chunk.result)


def recompute_changed_scores(
    session: Session, payload: dict[str, Any], progress: dict[str, Any], ctx: JobContext
) -> Step:
    """Score the subjects whose records, lists, disputes or decay boundaries changed, a chunk of
    persons at a time in subject-id order; the watermark moves when the last chunk is done."""
    del payload
    chunk = scoring_service.recompute_chunk(
        session,
        progress,
        mode=scoring_service.INCREMENTAL,
        settings=ctx.runtime.settings,
        actor=jobs_service.JOBS_ACTOR,
        now=ctx.now,
        limit=ctx.chunk_rows,
        seconds=ctx.chunk_seconds,
    )
    return Step(chunk.progress, chunk.result)


@dataclass(frozen=True)
class _Seconds:
    """An interval read from the named setting (seconds) of the running platform; equal by name,
    so installing twice declares the same schedule."""

    name: str

    def __call__(self, settings: Settings) -> timedelta:
        return timedelta(seconds=getattr(settings, self.name))


# Job kind → handler, each run in one transaction with the job's completion.
HANDLERS: dict[str, Handler] = {
    ACCESS_FEEDBACK_SCAN: scan_access_feedback,
    NOTIFICATION_DELIVERY: deliver_notifications,
    JOBS_PRUNE: prune_jobs,
    OBJECTIONS_SWEEP: sweep_objections,
    REPAIR_SWEEP: sweep_repairs,
    RECORDS_EXPIRY: sweep_expiry,
    LISTS_SWEEP: sweep_lists,
    INGESTION_SWEEP: sweep_ingestion,
    PARTITIONS_MAINTAIN: maintain_partitions,
    TIPS_SWEEP: sweep_tips,
    TRACKING_SWEEP: sweep_tracking,
    WATCH_DELIVER: deliver_watch,
    WATCH_SEND: send_watch,
}
# Job kind → chunked handler, each chunk its own short transaction (ADR 0026).
CHUNKED: dict[str, ChunkHandler] = {
    repair_notices.JOB_KIND: send_creation_notices,
    list_proposals.JOB_KIND: propose_list_entries,
    STATE_SWEEP: sweep_states,
    accounts_service.PRUNE_ATTEMPTS_JOB: prune_sign_in_attempts,
    SCORING_FULL: recompute_scores,
    SCORING_INCREMENTAL: recompute_changed_scores,
}
# Schedule name → (job kind, interval).
SCHEDULES: dict[str, tuple[str, timedelta | _Seconds]] = {
    "access-feedback-scan": (ACCESS_FEEDBACK_SCAN, _Seconds("access_feedback_scan_seconds")),
    "notification-delivery": (NOTIFICATION_DELIVERY, _Seconds("notification_delivery_seconds")),
    "jobs-prune": (JOBS_PRUNE, timedelta(days=1)),
    "objections-sweep": (OBJECTIONS_SWEEP, _Seconds("case_sweep_seconds")),
    "repair-sweep": (REPAIR_SWEEP, _Seconds("case_sweep_seconds")),
    "records-expiry": (RECORDS_EXPIRY, _Seconds("expiry_sweep_seconds")),
    "lists-sweep": (LISTS_SWEEP, _Seconds("lists_sweep_seconds")),
    "tips-sweep": (TIPS_SWEEP, _Seconds("tips_sweep_seconds")),
    "tracking-sweep": (TRACKING_SWEEP, _Seconds("tracking_sweep_seconds")),
    "state-sweep": (STATE_SWEEP, _Seconds("state_sweep_seconds")),
    "ingestion-sweep": (INGESTION_SWEEP, _Seconds("ingest_sweep_seconds")),
    "partitions-maintain": (PARTITIONS_MAINTAIN, timedelta(hours=1)),
    "sign-in-attempts-prune": (
        accounts_service.PRUNE_ATTEMPTS_JOB,
        _Seconds("sign_in_attempts_prune_seconds"),
    ),
    "watch-deliver": (WATCH_DELIVER, _Seconds("watch_deliver_seconds")),
    "scoring-incremental": (SCORING_INCREMENTAL, _Seconds("scoring_incremental_seconds")),
}


def install(registry: Registry = REGISTRY) -> None:
    """Register every handler and schedule above on ``registry`` (the worker's by default), then
    mark it installed; idempotent."""
    for kind, handler in HANDLERS.items():
        registry.register(kind, handler)
    for kind, step in CHUNKED.items():
        registry.chunked(kind)(step)
    for name, (kind, every) in SCHEDULES.items():
        registry.schedule(name, kind, every=every)
    registry.installed = True
