"""HTTP routes of the records domain (a provider's view of its own records)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from chengxin.deps import ActorDep, SessionDep
from chengxin.organizations import providers
from chengxin.records import service as records_service
from chengxin.records.schemas import RecordVersionRead
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission


class RecordController(Controller):
    path = "/api/v1/records"
    tags = ["records"]

    @get(
        "/versions",
        sync_to_thread=True,
        guards=[requires(Permission.RECORDS_RECORD_READ)],
        summary="Every version of one of the caller's records, by source id",
    )
    def versions(
        self,
        session: SessionDep,
        actor: ActorDep,
        source_id: Annotated[str, QueryParameter(min_length=1, max_length=64)],
    ) -> list[RecordVersionRead]:
        """Corrections and revocations included, oldest first: nothing is silently changed."""
        provider = providers.provider_of(session, actor)
        return [
            RecordVersionRead.model_validate(
                {
                    **{c: getattr(r, c) for c in RecordVersionRead.model_fields if hasattr(r, c)},
                    "personal_fields": records_service.personal_fields(session, r),
                }
            )
            for r in records_service.versions_of(session, provider.id, source_id)
        ]
