"""HTTP routes of the identity domain: ID checks, verification, lookups, registry imports."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from chengxin import privacy, uploads
from chengxin.deps import ActorDep, Offset, SessionDep
from chengxin.identity import divisions, idnumber, population
from chengxin.identity import service as identity_service
from chengxin.identity.models import PopulationImport
from chengxin.identity.schemas import (
    IdentityVerify,
    IdentityVerifyRead,
    IdNumberCheck,
    IdNumberCheckRead,
    PopulationImportErrorsPage,
    PopulationImportRead,
    RowErrorRead,
    SubjectLookup,
    SubjectRead,
)
from chengxin.keys import keyring_of
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission
from chengxin.tabular import FileFault, format_for

PUBLIC = {"public": True}


class IdNumberController(Controller):
    path = "/api/v1/id-numbers"
    tags = ["identity"]

    @post(
        "/check",
        opt=PUBLIC,
        sync_to_thread=False,
        status_code=200,
        summary="Check a citizen ID number",
    )
    def check(self, data: JSONBody[IdNumberCheck]) -> IdNumberCheckRead:
        """Public structural check (length, characters, birth date, check digit); no lookup."""
        parsed = idnumber.parse(data.id_number)
        return IdNumberCheckRead(
            valid=True,
            masked=privacy.mask_id_number(parsed.number),
            birth_on=parsed.birth_on,
            sex=parsed.sex,
            address_code=parsed.address_code,
            region=divisions.describe(parsed.address_code),
        )


class IdentityController(Controller):
    path = "/api/v1"
    tags = ["identity"]

    @post(
        "/identity/verify",
        sync_to_thread=True,
        guards=[requires(Permission.IDENTITY_PERSON_VERIFY)],
        status_code=200,
        summary="Verify an ID number and name against the population registry",
    )
    def verify(
        self, data: JSONBody[IdentityVerify], session: SessionDep, actor: ActorDep
    ) -> IdentityVerifyRead:
        """For real-name checks by departments (R1.2, R1.3); the check is audited."""
        return IdentityVerifyRead(
            matched=identity_service.verify_identity(
                session, data.id_number, data.name, actor=actor
            )
        )

    @post(
        "/subjects/lookup",
        sync_to_thread=True,
        guards=[requires(Permission.IDENTITY_SUBJECT_READ)],
        status_code=200,
        summary="Find a person by ID number (masked result)",
    )
    def lookup(self, data: JSONBody[SubjectLookup], session: SessionDep) -> SubjectRead:
        """Operators find a subject; the number goes in the body so it never appears in a URL."""
        subject = identity_service.get_subject_or_raise(session, data.id_number)
        clear = identity_service.reveal(keyring_of(session), subject).masked
        return SubjectRead(
            id=subject.id,
            masked_id_number=clear["id_number"] or "",
            masked_name=clear["name"] or "",
            masked_phone=clear["phone"],
            birth_on=subject.birth_on,
            sex=subject.sex,
            address_code=subject.address_code,
            region_code=subject.region_code,
            prefecture_code=subject.prefecture_code,
            in_registry=subject.in_registry,
            version=subject.version,
            updated_at=subject.updated_at,
        )


def _import_read(run: PopulationImport) -> PopulationImportRead:
    return PopulationImportRead.model_validate(run)


class PopulationController(Controller):
    path = "/api/v1/population/imports"
    tags = ["identity"]

    @post(
        "/",
        guards=[requires(Permission.IDENTITY_POPULATION_IMPORT)],
        status_code=201,
        request_max_body_size=None,  # checked while streaming, against settings.max_upload_bytes
        summary="Import a population registry extract (CSV or XLSX, streamed)",
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        actor: ActorDep,
        filename: Annotated[str, QueryParameter(max_length=255)] = "upload.csv",
    ) -> PopulationImportRead:
        """Send the file as the raw body (Content-Type text/csv or the XLSX type). Bounded memory:
        the body is spooled to disk, then read row by row; each batch commits on its own."""
        import anyio  # noqa: PLC0415

        runtime = request.app.state.runtime
        settings = runtime.settings
        file_format = format_for(filename, request.headers.get("content-type"))
        with tempfile.TemporaryDirectory(prefix="chengxin-upload-") as tmp:
            path = Path(tmp) / f"upload.{file_format}"
            size, _ = await uploads.spool(request, path, settings.max_upload_bytes)
            report = await anyio.to_thread.run_sync(
                lambda: population.import_file(
                    runtime.scope,
                    path,
                    file_format,
                    actor=actor,
                    filename=filename,
                    batch_rows=settings.import_batch_rows,
                    max_field_chars=settings.max_field_chars,
                    workers=settings.workers_for(size),
                )
            )
        with runtime.scope() as session:
            return _import_read(population.get_import_or_raise(session, report.import_id))

    @get(
        "/{import_id:uuid}",
        sync_to_thread=True,
        guards=[requires(Permission.IDENTITY_POPULATION_IMPORT)],
        summary="An import's balanced report",
    )
    def read(self, import_id: FromPath[uuid.UUID], session: SessionDep) -> PopulationImportRead:
        """Counts and status of one import."""
        return _import_read(population.get_import_or_raise(session, import_id))

    @get(
        "/{import_id:uuid}/errors",
        sync_to_thread=True,
        guards=[requires(Permission.IDENTITY_POPULATION_IMPORT)],
        summary="Rejected rows of an import",
    )
    def errors(
        self,
        import_id: FromPath[uuid.UUID],
        session: SessionDep,
        offset: Offset = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=5000)] = 500,
    ) -> PopulationImportErrorsPage:
        """Row number, code, column and message of every rejected row, in row order."""
        total, rows = population.list_errors(session, import_id, offset=offset, limit=limit)
        return PopulationImportErrorsPage(
            total=total, offset=offset, items=[RowErrorRead.model_validate(dict(r)) for r in rows]
        )


def file_fault_handler(_: Request[Any, Any, Any], exc: FileFault) -> Any:
    """A whole-file fault raised before an import run exists (unsupported format)."""
    from chengxin.errors import problem  # noqa: PLC0415

    return problem(422, exc.code, "The file cannot be imported", exc.message)
