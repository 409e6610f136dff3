"""A world for watch tests: the access world (people with tax records, a bank), a grant from a
person to the bank, and a local HTTP server that records webhook deliveries."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chengxin.access import grants
from chengxin.access.scenes import Scene
from chengxin.catalog import service as catalog_service
from chengxin.identity import resolve as identity_resolve
from chengxin.organizations.models import Organization
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor
from tests.access.fixtures import AccessWorld, build, citizen
from tests.ingestion.fixtures import csv_data, ingest_bytes, tax_row


@dataclass
class WatchWorld:
    aw: AccessWorld
    tmp_path: Any

    @property
    def runtime(self) -> Runtime:
        return self.aw.runtime

    @property
    def bank(self) -> Actor:
        return self.aw.bank

    def subject(self, person: Any) -> uuid.UUID:
        with self.runtime.scope() as session:
            return identity_resolve.subject_of(session, person.id_number, person.name)

    def grant(self, person: Any, *, days: int = 30, kinds: list[str] | None = None) -> uuid.UUID:
        subject_id = self.subject(person)
        with self.runtime.scope() as session:
            _, document = catalog_service.active_document(session)
            bank = session.get_one(Organization, self.bank.organization_id)
            return grants.create(
                session,
                document,
                credit_code=bank.credit_code,
                scene=Scene.LOAN,
                purpose="贷款审批贷后管理",
                kinds=kinds,
                valid_days=days,
                max_uses=1,
                actor=citizen(subject_id),
            ).id

    def revoke(self, person: Any, grant_id: uuid.UUID) -> None:
        subject_id = self.subject(person)
        with self.runtime.scope() as session:
            grants.revoke(session, grant_id, reason=None, actor=citizen(subject_id))

    def push(self, person: Any, source_id: str, **over: str) -> None:
        batch = ingest_bytes(
            self.aw.world,
            csv_data([tax_row(person, source_id, **over)]),
            self.tmp_path,
            name=f"push-{source_id}",
        )
        assert batch.created + batch.corrected == 1, batch


def build_watch(runtime: Runtime, tmp_path: Any) -> WatchWorld:
    return WatchWorld(build(runtime, tmp_path), tmp_path)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: answers ``status`` and keeps what it got."""

    url: str
    status: list[int]
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(receiver.status[0])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            del args

    return Handler


def serve() -> Iterator[Receiver]:
    receiver = Receiver("", [204])
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/chengxin"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
