"""Benchmark: credit reports — JSON report latency with many records loaded, PDF render time.

1. Load ``--records`` synthetic ``credit_record`` rows fast (COPY on PostgreSQL, executemany on
   SQLite): one subject holds ``--subject-records`` of them (mixed kinds, statuses, windows, sealed
   personal fields), the rest belong to ``--records / 10`` other subjects.
2. Baseline: a plain ``SELECT`` of the subject's rows (ORM), p50 / p99.
3. The JSON report for that subject through the service (issue: assemble, sign, register, log;
   JSON serialisation included): the subject's own report and a government report (a registered
   query under a permission list). Each call is its own transaction. p50 / p99.
4. The government report through the HTTP app (TestClient, bearer token), beside a trivial public
   endpoint (``GET /api/v1/access/scenes``) as the HTTP baseline.
5. If ``chengxin.reports.pdf`` exists: render time of a sealed PDF of about three pages (the
   subject's report cut to the records that fill three pages), wall and CPU, beside the baseline
   measured in turn with it: the same page through WeasyPrint as reports were rendered before
   issue 17 (stylesheet inline and parsed on every render, a fresh font configuration); and the
   full report once. On a shared machine the CPU figures and the ratios are the ones to quote.
All of it runs in a child process; the last line printed is one JSON object of figures.

    python bench/report.py --db sqlite
    python bench/report.py --db postgresql --records 1000000
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from common import drop_database, make_database, run_child, window_world
from sqlalchemy import insert, select, text

from chengxin import migrate
from chengxin.access.scenes import Scene
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import Category
from chengxin.demo import generator
from chengxin.identity import service as identity_service
from chengxin.keys.keyring import Keyring
from chengxin.organizations import service as organization_service
from chengxin.records.models import CreditRecord, fields_aad
from chengxin.records.window import display_window
from chengxin.reports import service as report_service
from chengxin.runtime import build_runtime
from chengxin.security.actor import Actor, ActorKind, system_actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import ROLE_PERMISSIONS, Role
from chengxin.settings import Settings
from chengxin.state import service as state_service

DB_NAME = "chengxin_bench_report"
SYSTEM = system_actor("bench")
COLUMNS = [c.name for c in CreditRecord.__table__.columns]
TODAY = date(2026, 11, 28)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _timed(fn: Any, samples: int, warmup: int = 10) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _figures(ms: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(ms), 3), "p99": round(_pct(ms, 0.99), 3)}


class Loader:
    """Synthetic credit_record rows of the shipped catalog's kinds."""

    def __init__(self, runtime: Any, provider_id: uuid.UUID) -> None:
        with runtime.scope() as session:
            _, self.document = catalog_service.active_document(session)
        self.kinds = [k for k in self.document.kinds if k.category is not Category.BASIC]
        self.ring = runtime.keyring
        self.provider_id = provider_id
        self.batch_id = uuid.uuid4()
        self.rng = random.Random(5)
        self.received = datetime(2026, 11, 1, tzinfo=UTC)
        self.n = 0

    def row(self, subject_id: uuid.UUID, *, sealed: bool = False) -> dict[str, Any]:
        """One version; a tenth superseded or revoked, findings spread over six years."""
        kind = self.rng.choice(self.kinds)
        finding = TODAY - timedelta(days=self.rng.randint(0, 6 * 365))
        window = display_window(
            self.document.period_of(kind), kind.category, finding_on=finding, act_on=None
        )
        self.n += 1
        record_id = uuid.uuid4()
        status = self.rng.choices(["active", "superseded", "revoked"], [90, 6, 4])[0]
        personal = {"note": "本人已说明情况"} if sealed else None
        return {
            "id": record_id,
            "subject_id": subject_id,
            "provider_id": self.provider_id,
            "source_id": f"B{self.n}",
            "version": 1,
            "kind_code": kind.code,
            "domain": kind.domain,
            "category": kind.category.value,
            "severity": kind.severity.value if kind.severity else None,
            "catalog_version": self.document.version,
            "document_no": f"鄂演示〔{finding.year}〕{self.n % 1000}号",
            "finding_on": finding,
            "act_on": None,
            "notified_on": None,
            "display_months": window.months,
            "display_from_on": window.from_on,
            "display_until_on": window.until_on,
            "repair_from_on": window.repair_from_on,
            "status": status,
            "fields": {"amount": str(self.rng.randint(100, 99999)), "tax_type": "vat"},
            "sealed_fields": (
                self.ring.encrypt(json.dumps(personal, ensure_ascii=False), fields_aad(record_id))
                if personal
                else None
            ),
            "key_id": self.ring.active if personal else None,
            "content_digest": os.urandom(32),
            "batch_id": self.batch_id,
            "row_no": self.n,
            "received_at": self.received,
            "ended_at": self.received + timedelta(days=1) if status != "active" else None,
            "revoke_reason": "复议撤销" if status == "revoked" else None,
        }


def load(runtime: Any, loader: Loader, subject: uuid.UUID, total: int, own: int) -> float:
    """Seconds to load ``total`` rows, ``own`` of them the subject's, the rest others'."""
    others = [uuid.uuid4() for _ in range(max(1, (total - own) // 10))]
    pick = random.Random(7).choice
    started = time.perf_counter()
    chunk = 50_000
    done = 0
    first = [loader.row(subject, sealed=i % 3 == 0) for i in range(own)]
    while done < total:
        rows = first if done == 0 else []
        rows += [loader.row(pick(others)) for _ in range(min(chunk, total - done) - len(rows))]
        with runtime.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                raw = conn.connection.driver_connection
                copy_sql = f"COPY credit_record ({', '.join(COLUMNS)}) FROM STDIN"
                with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
                    for row in rows:
                        values = [row[c] for c in COLUMNS]
                        values[COLUMNS.index("fields")] = json.dumps(row["fields"])
                        copy.write_row(values)
            else:
                conn.execute(insert(CreditRecord.__table__), rows)
        done += len(rows)
    with runtime.scope() as session:  # raw rows: the subject's credit state, as a rebuild would
        state_service.refresh(session, [subject])
    with runtime.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def _world(runtime: Any) -> tuple[Any, uuid.UUID, Actor, Actor, str, uuid.UUID]:
    person = next(iter(generator.people(1, seed=20261128)))
    with runtime.scope() as session:
        provider, consumer, _ = window_world(session, SYSTEM)
        identity_service.bulk_register(
            session,
            [identity_service.prepare_person(person.id_number, person.name)],
            actor=SYSTEM,
            source="bench",
        )
        subject_id = identity_service.subject_id_for(session, person.id_number)
        token = organization_service.issue_token(
            session,
            consumer.id,
            name="bench",
            permissions=[Permission.ACCESS_QUERY_SUBMIT],
            valid_days=1,
            actor=SYSTEM,
        ).secret
        provider_id, consumer_id = provider.id, consumer.id
    citizen = Actor(
        ActorKind.CITIZEN,
        str(subject_id),
        "本人",
        None,
        ROLE_PERMISSIONS[Role.CITIZEN],
        subject_id=subject_id,
    )
    government = Actor(
        ActorKind.TOKEN,
        "bench",
        "演示市场监督管理局/system",
        consumer_id,
        frozenset({Permission.ACCESS_QUERY_SUBMIT}),
    )
    return person, provider_id, citizen, government, token, subject_id


def _pdf_pair(fn: Any, baseline: Any, samples: int) -> dict[str, Any]:
    """``fn`` and ``baseline`` called in turn (so the noise of a shared machine falls on both),
    two warm-up calls each: wall and CPU milliseconds of each (CPU of this thread, where
    WeasyPrint works: other threads of the process are not counted), and the ratios."""
    for _ in range(2):
        fn()
        baseline()
    wall: dict[str, list[float]] = {"new": [], "base": []}
    cpu: dict[str, list[float]] = {"new": [], "base": []}
    for _ in range(samples):
        for name, call in (("new", fn), ("base", baseline)):
            started, started_cpu = time.perf_counter(), time.thread_time()
            call()
            wall[name].append((time.perf_counter() - started) * 1000)
            cpu[name].append((time.thread_time() - started_cpu) * 1000)

    def cpu_figures(ms: list[float]) -> dict[str, float]:
        return {"p50": round(statistics.median(ms), 1), "min": round(min(ms), 1)}

    return {
        "pdf_ms": _figures(wall["new"]),
        "pdf_cpu_ms": cpu_figures(cpu["new"]),
        "pdf_uncached_ms": _figures(wall["base"]),
        "pdf_uncached_cpu_ms": cpu_figures(cpu["base"]),
        "pdf_ratio": round(statistics.median(wall["new"]) / statistics.median(wall["base"]), 3),
        "pdf_cpu_ratio": round(statistics.median(cpu["new"]) / statistics.median(cpu["base"]), 3),
        "pdf_cpu_min_ratio": round(min(cpu["new"]) / min(cpu["base"]), 3),
    }


def _pdf_figures(report: Any, ring: Keyring, samples: int) -> dict[str, Any]:
    if importlib.util.find_spec("chengxin.reports.pdf") is None:
        return {"pdf": "skipped: chengxin.reports.pdf does not exist"}
    from weasyprint import HTML

    from chengxin.reports import pdf
    from chengxin.reports.render import Issuer, render_html, seal_svg

    url = "https://credit.example.gov.cn/reports/verify?number=" + report.number
    kept = report.dishonest + report.good
    queries = (report.queries or [])[:10]  # the bench's own reports would fill pages of queries
    report = report.model_copy(update={"queries": queries})
    pages, count = 0, 4
    while count < len(kept):  # the fewest records that fill three pages
        cut = report.model_copy(update={"dishonest": kept[:count], "good": [], "basic": []})
        _, pages = pdf.render_unsealed(cut, verification_code="ABCD2345", verify_url=url)
        if pages >= 3:
            break
        count += 4
    cut = report.model_copy(update={"dishonest": kept[:count], "good": [], "basic": []})

    issuer = Issuer.default()
    inline_seal = str(seal_svg(issuer.name_zh, issuer.seal_text))

    def uncached() -> None:
        """The baseline: the page as reports were rendered before issue 17 — the web page with
        its stylesheet inline (parsed again), the seal as inline SVG, laid out by WeasyPrint with
        a fresh font configuration each time."""
        page = render_html(cut, verification_code="ABCD2345", verify_url=url)
        page = re.sub(r'<img class="seal-mark"[^>]*>', inline_seal, page, count=1)
        page = page.replace(".seal img {", ".seal svg {", 1)
        pdf.seal_pdf(HTML(string=page).write_pdf(), cut, keyring=ring)

    out = _pdf_pair(
        lambda: pdf.render_pdf(cut, keyring=ring, verification_code="ABCD2345", verify_url=url),
        uncached,
        samples,
    )
    started, started_cpu = time.perf_counter(), time.thread_time()
    _, full_pages = pdf.render_unsealed(report, verification_code="ABCD2345", verify_url=url)
    full, full_cpu = time.perf_counter() - started, time.thread_time() - started_cpu
    return {
        "pdf_pages": pages,
        "pdf_records": count,
        **out,
        "pdf_full_pages": full_pages,
        "pdf_full_ms": round(full * 1000, 1),
        "pdf_full_cpu_ms": round(full_cpu * 1000, 1),
    }


def _child(url: str, workdir: str, args: dict[str, Any], queue: Any) -> None:
    from litestar.testing import TestClient

    from chengxin.app import create_app
    from chengxin.records.visibility import Audience, AudienceKind, visible_records

    settings = Settings(
        env="test",
        data_dir=Path(workdir),
        database_url=url,
        log_json=True,
        log_level="WARNING",
        access_review_new_scene=False,
    )  # type: ignore[arg-type]
    runtime = build_runtime(settings, keyring=Keyring.generate(demo=True))
    migrate.upgrade(runtime.engine)
    person, provider_id, citizen, government, token, subject_id = _world(runtime)
    loader = Loader(runtime, provider_id)
    load_s = load(runtime, loader, subject_id, args["records"], args["subject_records"])
    samples = args["samples"]

    def baseline() -> None:
        with runtime.scope() as session:
            session.execute(select(CreditRecord).where(CreditRecord.subject_id == subject_id)).all()

    def own() -> None:
        with runtime.scope() as session:
            report_service.issue_for_subject(session, actor=citizen).report.model_dump_json()

    request = report_service.ReportRequest(
        person.id_number, person.name, Scene.ADMINISTRATIVE_LICENSING, "行政许可前的信用核查"
    )

    def gov() -> None:
        with runtime.scope() as session:
            report_service.issue_for_organization(
                session, request, settings=settings, actor=government
            ).report.model_dump_json()

    out: dict[str, Any] = {"load_seconds": round(load_s, 1)}
    out["select_ms"] = _figures(_timed(baseline, samples))
    out["subject_report_ms"] = _figures(_timed(own, samples))
    out["government_report_ms"] = _figures(_timed(gov, samples))
    with runtime.scope() as session:
        _, document = catalog_service.active_document(session)
        out["subject_rows"] = len(
            visible_records(session, document, [subject_id], Audience(AudienceKind.SUBJECT), TODAY)
        )
        out["government_rows"] = len(
            visible_records(
                session, document, [subject_id], Audience(AudienceKind.GOVERNMENT), TODAY
            )
        )
    body = {
        "id_number": person.id_number,
        "name": person.name,
        "scene": "administrative_licensing",
        "purpose": "行政许可前的信用核查",
    }
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app=create_app(runtime=runtime)) as client:

        def trivial() -> None:
            assert client.get("/api/v1/access/scenes").status_code == 200  # noqa: S101

        def http_gov() -> None:
            response = client.post("/api/v1/reports", json=body, headers=headers)
            assert response.status_code == 200, response.text  # noqa: S101

        out["http_trivial_ms"] = _figures(_timed(trivial, samples))
        out["http_government_report_ms"] = _figures(_timed(http_gov, samples))
    if not args["no_pdf"]:
        with runtime.scope() as session:
            report = report_service.issue_for_subject(session, actor=citizen).report
        out.update(_pdf_figures(report, runtime.keyring, args["pdf_samples"]))
    runtime.stop_audit_writer()
    runtime.engine.dispose()
    queue.put(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--records", type=int, default=100_000, help="credit records loaded")
    parser.add_argument("--subject-records", type=int, default=100, help="the subject's records")
    parser.add_argument("--samples", type=int, default=300, help="timed calls per figure")
    parser.add_argument("--pdf-samples", type=int, default=10)
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF figures")
    args = vars(parser.parse_args())
    with tempfile.TemporaryDirectory(prefix="chengxin-bench-") as tmp:
        url = make_database(args["db"], Path(tmp), DB_NAME)
        try:
            out = run_child(_child, url, tmp, args)
        finally:
            drop_database(args["db"], DB_NAME)
    print(
        f"{args['records']:,} records loaded in {out['load_seconds']} s; JSON report p99: "
        f"subject {out['subject_report_ms']['p99']} ms, government "
        f"{out['government_report_ms']['p99']} ms (SELECT baseline {out['select_ms']['p99']} ms);"
        f" PDF {out.get('pdf_ms', {}).get('p50', '—')} ms"
    )
    print(
        json.dumps(
            {
                "bench": "report",
                "db": args["db"],
                "records": args["records"],
                "subject_records": args["subject_records"],
                **out,
                "targets": {"json_p99_ms": 20, "pdf_ms": 300},
                "cpu_count": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
