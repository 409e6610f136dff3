"""Pages of the consumer console (联合奖惩核查): the single check with its explained result, the
batch check from a CSV file, feedback per measure, and the organization's recent checks.

Thin handlers calling the same service as ``POST /api/v1/checks`` (checks routes), with the same
actor and settings. A check's result is shown once, in the answer to its POST: it names a person,
so it is never put behind a link; the check's registration (no personal data) has its own page.
"""

from __future__ import annotations

import csv
import io
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, MultipartBody, URLEncodedBody
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from chengxin.access import policy
from chengxin.access.scenes import SCENES, Scene
from chengxin.checks import service as check_service
from chengxin.checks.errors import CheckInputInvalid
from chengxin.checks.schemas import CheckResultRead, FeedbackIn
from chengxin.db import utcnow
from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.errors import DomainError, PayloadTooLarge
from chengxin.identity.resolve import PersonAsked
from chengxin.lists import types as list_types
from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission
from chengxin.tabular import FileFault, RowFault, TableReader
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.render import page, see_other
from chengxin.workdays.days import day_of

BASE = "/console/consumer"
RECENT = 50
MAX_FIELD_CHARS = 100
# The columns of a batch file: the registry's titles, as the population import reads them.
COLUMNS = {
    "id_number": ("公民身份号码", "身份证号码", "身份证号", "id number", "id_number"),
    "name": ("姓名", "name"),
}
TRIGGERS = {
    "list": n_("名单"),
    "records": n_("信用记录"),
    "rule": n_("规则"),
    "grade": n_("诚信积分等级"),
}
OUTCOMES = {
    "found": n_("已核查"),
    "id-number-invalid": n_("身份证号码无效"),
    "not-registered": n_("人口库中无此人"),
    "name-mismatch": n_("姓名与人口库不符"),
}


class CheckForm(BaseModel):
    id_number: str = ""
    name: str = ""
    scene: str = ""
    purpose: str = ""


@dataclass
class BatchForm:
    scene: str = ""
    purpose: str = ""
    file: UploadFile | None = None


class FeedbackForm(BaseModel):
    measure: str = ""
    index: str = ""
    decision: str = ""
    reason: str = ""


def _scenes(session: Session, actor: Actor) -> list[tuple[str, str, str]]:
    """The scenes on my organization's permission list today: (value, zh, en)."""
    if actor.organization_id is None:
        return []
    rules = policy.rules_of(session, actor.organization_id, on=day_of(utcnow()))
    seen = dict.fromkeys(r.scene for r in rules if r.scene in Scene._value2member_map_)
    return [(s, SCENES[Scene(s)].zh, SCENES[Scene(s)].en) for s in seen]


def _scene(value: str) -> Scene:
    if value not in Scene._value2member_map_:
        raise CheckInputInvalid("choose a scene from the permission list", field="scene")
    return Scene(value)


def _view(result: CheckResultRead, actor: Actor) -> dict[str, Any]:
    return {
        "result": result,
        "single": len(result.subjects) == 1,
        "may_feedback": actor.can(Permission.CHECKS_FEEDBACK_SUBMIT),
        "list_types": {t.code: t for t in list_types.all_types()},
        "triggers": TRIGGERS,
        "outcomes": OUTCOMES,
        "scene_info": SCENES.get(scene) if (scene := _scene_or_none(result.scene)) else None,
    }


class ConsumerConsole(Controller):
    """联合奖惩核查: a service-window officer's console."""

    path = BASE

    def _form(
        self,
        request: Request[Any, Any, Any],
        session: Session,
        actor: Actor,
        form: CheckForm,
        *,
        error: DomainError | None = None,
        result: CheckResultRead | None = None,
    ) -> Response[str]:
        values: dict[str, Any] = {
            "form": form,
            "error": error,
            "scenes": _scenes(session, actor),
            "result": None,
        }
        if result is not None:
            values |= _view(result, actor)
        return page(
            request,
            "consumer/check.html",
            values,
            status_code=error.status if error else 200,
        )

    @get("/", guards=[page_requires(Permission.CHECKS_CHECK_RUN)], sync_to_thread=True)
    def check_form(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """The check form: ID number, name, scene from my permission list, purpose."""
        return self._form(request, session, actor, CheckForm())

    @post("/checks", guards=[page_requires(Permission.CHECKS_CHECK_RUN)], sync_to_thread=True)
    def run(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: URLEncodedBody[CheckForm],
    ) -> Response[str]:
        """Run one check as the API does; the result is explained on the page it answers."""
        try:
            outcome = check_service.run(
                session,
                scene=_scene(data.scene),
                purpose=data.purpose,
                persons=[PersonAsked(data.id_number.strip(), data.name.strip())],
                settings=settings,
                actor=actor,
            )
        except DomainError as exc:
            return self._form(request, session, actor, data, error=exc)
        # The form comes back empty: the person's ID number is not kept on the page.
        blank = CheckForm(scene=data.scene, purpose=data.purpose)
        return self._form(request, session, actor, blank, result=CheckResultRead.of(outcome))

    def _batch_form(
        self,
        request: Request[Any, Any, Any],
        session: Session,
        actor: Actor,
        settings: Any,
        form: BatchForm,
        *,
        error: DomainError | None = None,
        result: CheckResultRead | None = None,
        faults: list[RowFault] | None = None,
        rows: list[int] | None = None,
    ) -> Response[str]:
        values: dict[str, Any] = {
            "form": form,
            "error": error,
            "scenes": _scenes(session, actor),
            "limit": settings.check_batch_limit,
            "result": None,
            "faults": faults or [],
            "rows": rows or [],
        }
        if result is not None:
            values |= _view(result, actor)
        return page(
            request,
            "consumer/batch.html",
            values,
            status_code=error.status if error else 200,
        )

    @get("/batch", guards=[page_requires(Permission.CHECKS_CHECK_RUN)], sync_to_thread=True)
    def batch_form(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
    ) -> Response[str]:
        """Upload a CSV or Excel file of persons (公民身份号码, 姓名)."""
        return self._batch_form(request, session, actor, settings, BatchForm())

    @post(
        "/batch",
        guards=[page_requires(Permission.CHECKS_CHECK_RUN)],
        sync_to_thread=True,
        request_max_body_size=None,  # checked while copying, against max_upload_bytes
    )
    def run_batch(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: MultipartBody[BatchForm],
    ) -> Response[str]:
        """One check for every person of the file (at most the API's limit); per-person errors
        do not fail the batch."""
        shown = BatchForm(scene=data.scene, purpose=data.purpose)
        try:
            scene = _scene(data.scene)
            persons, rows, faults = _read_persons(data.file, settings)
            outcome = check_service.run(
                session,
                scene=scene,
                purpose=data.purpose,
                persons=persons,
                settings=settings,
                actor=actor,
            )
        except DomainError as exc:
            return self._batch_form(request, session, actor, settings, shown, error=exc)
        return self._batch_form(
            request,
            session,
            actor,
            settings,
            shown,
            result=CheckResultRead.of(outcome),
            faults=faults,
            rows=rows,
        )

    @get("/checks", guards=[page_requires(Permission.CHECKS_CHECK_READ)], sync_to_thread=True)
    def recent(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """My organization's latest checks (no personal data: scene, purpose, counts)."""
        return page(
            request,
            "consumer/checks.html",
            {
                "checks": check_service.recent(session, actor=actor, limit=RECENT),
                "scene_info": SCENES,
                "scene_of": _scene_or_none,
            },
        )

    def _detail(
        self,
        request: Request[Any, Any, Any],
        session: Session,
        actor: Actor,
        check_id: uuid.UUID,
        *,
        form: FeedbackForm | None = None,
        error: DomainError | None = None,
    ) -> Response[str]:
        check = check_service.get_or_raise(session, check_id, actor=actor)
        subjects = check_service.subjects_of(session, check)
        return page(
            request,
            "consumer/detail.html",
            {
                "check": check,
                "subjects": subjects,
                "feedback": check_service.feedback_of(session, check),
                "form": form or FeedbackForm(),
                "error": error,
                "outcomes": OUTCOMES,
                "scene": _scene_or_none(check.scene),
                "scene_info": SCENES,
                "may_feedback": actor.can(Permission.CHECKS_FEEDBACK_SUBMIT),
                "pairs": [(s.position, code) for s in subjects for code in s.measures],
            },
            status_code=error.status if error else 200,
        )

    @get(
        "/checks/{check_id:uuid}",
        guards=[page_requires(Permission.CHECKS_CHECK_READ)],
        sync_to_thread=True,
    )
    def detail(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        check_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        """A check's registration: per person the outcome and measure codes, and the feedback."""
        return self._detail(request, session, actor, check_id)

    @get(
        "/checks/{check_id:uuid}/results.csv",
        guards=[page_requires(Permission.CHECKS_CHECK_READ)],
        sync_to_thread=True,
    )
    def results_csv(
        self, session: SessionDep, actor: ActorDep, check_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        """The check's results per row of the file: outcome and measure codes (no ID numbers or
        names: the officer's own file holds them, row by row)."""
        check = check_service.get_or_raise(session, check_id, actor=actor)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["序号 index", "结果 outcome", "措施 measures"])
        for s in check_service.subjects_of(session, check):
            writer.writerow([s.position + 1, s.outcome, " ".join(s.measures)])
        return Response(
            buffer.getvalue().encode("utf-8-sig"),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="check-{check.id}.csv"',
                "Cache-Control": "no-store",
            },
        )

    @post(
        "/checks/{check_id:uuid}/feedback",
        guards=[page_requires(Permission.CHECKS_FEEDBACK_SUBMIT)],
        sync_to_thread=True,
    )
    def feedback(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        check_id: FromPath[uuid.UUID],
        data: URLEncodedBody[FeedbackForm],
    ) -> Response[Any]:
        """反馈: one measure of the check, applied or not, and why (as the API)."""
        try:
            try:
                item = FeedbackIn.model_validate(
                    {
                        "measure": data.measure,
                        "decision": data.decision,
                        "reason": data.reason,
                        "index": data.index.strip() or None,
                    }
                )
            except ValidationError as exc:
                fields = ", ".join(str(e["loc"][0]) for e in exc.errors())
                raise CheckInputInvalid(f"check: {fields}") from None
            check_service.feedback(
                session,
                check_id,
                [
                    check_service.FeedbackItem(
                        item.measure, item.decision == "applied", item.reason, item.index
                    )
                ],
                actor=actor,
            )
        except DomainError as exc:
            return self._detail(request, session, actor, check_id, form=data, error=exc)
        return see_other(f"{BASE}/checks/{check_id}", notice=n_("反馈已提交"))


def _scene_or_none(value: str) -> Scene | None:
    return Scene(value) if value in Scene._value2member_map_ else None


def _read_persons(
    upload: UploadFile | None, settings: Any
) -> tuple[list[PersonAsked], list[int], list[RowFault]]:
    """The persons of an uploaded CSV/XLSX file, with each one's row number, and the rows that
    could not be read (shown beside the results)."""
    if upload is None or not upload.filename:
        raise CheckInputInvalid("choose a file of persons", field="file")
    name = upload.filename.lower()
    file_format = "xlsx" if name.endswith(".xlsx") else "csv"
    persons: list[PersonAsked] = []
    rows: list[int] = []
    faults: list[RowFault] = []
    with tempfile.TemporaryDirectory(prefix="chengxin-check-") as tmp:
        path = Path(tmp) / f"persons.{file_format}"
        size = 0
        upload.file.seek(0)
        with path.open("wb") as handle:
            while block := upload.file.read(1 << 20):
                size += len(block)
                if size > settings.max_upload_bytes:
                    raise PayloadTooLarge(f"the limit is {settings.max_upload_bytes} bytes")
                handle.write(block)
        reader = TableReader(
            path,
            file_format,
            columns=COLUMNS,
            required=("id_number", "name"),
            max_field_chars=MAX_FIELD_CHARS,
            text_only=("id_number",),
        )
        try:
            for row in reader:
                if isinstance(row, RowFault):
                    faults.append(row)
                    continue
                persons.append(PersonAsked(row.values["id_number"], row.values["name"]))
                rows.append(row.row_no)
                if len(persons) > settings.check_batch_limit:
                    break  # the service refuses it with the API's problem
        except FileFault as fault:
            raise CheckInputInvalid(f"{fault.code}: {fault.message}", field="file") from None
    return persons, rows, faults


CONTROLLERS: list[type[Controller]] = [ConsumerConsole]
