"""The task pages (任务督办, R11.3) under /console/work/tasks: the tasks in scope (open or closed,
overdue marked, by the next milestone's due day), the form to record one (pre-filled from an
assessment's finding: ``?assessment=&indicator=&unit_kind=&unit=``), and one task with its units,
milestones, progress reports and their files, the units' report form and the office's forms to
add a milestone and to close the task.

Mirrors ``tracking/routes.py``: every page calls ``tracking.service`` as the API does, with the
API's schemas as the forms' contracts.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from pydantic import BaseModel, ConfigDict

from chengxin.assessment import service as assessment_service
from chengxin.db import utcnow
from chengxin.deps import ActorDep, Offset, SessionDep
from chengxin.errors import DomainError
from chengxin.evidence import service as evidence_service
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission as P  # noqa: N817  # as in security/roles.py
from chengxin.tracking import service as tracking_service
from chengxin.tracking.errors import TaskInvalid
from chengxin.tracking.models import TaskStatus
from chengxin.tracking.routes import attachment_response
from chengxin.tracking.schemas import CloseIn, MilestoneIn, TaskCreate
from chengxin.web.forms import parse
from chengxin.web.guards import page_requires
from chengxin.web.i18n import Lang, lang_of, n_, translator
from chengxin.web.render import see_other
from chengxin.web.work import assessment_views
from chengxin.web.work.frame import TASKS, work_page

READ = [page_requires(P.TRACKING_TASK_READ)]
MANAGE = [page_requires(P.TRACKING_TASK_MANAGE)]
REPORT = [page_requires(P.TRACKING_PROGRESS_REPORT)]
PAGE_SIZE = 50
NOT_FOUND = 404
FORBIDDEN = 403
# Units a task may name: public bodies and the associations that push records, not enterprises.
UNIT_KINDS = [k.value for k in OrganizationKind if k is not OrganizationKind.ENTERPRISE]

STATUS = {TaskStatus.OPEN.value: n_("办理中"), TaskStatus.CLOSED.value: n_("已办结")}
SOURCE = {"seed": n_("实施意见任务"), "finding": n_("考核发现问题"), "manual": n_("专项交办")}
ROLE = {"lead": n_("牵头单位"), "responsible": n_("责任单位")}
TABS = (
    ("open", n_("办理中")),
    ("overdue", n_("已逾期")),
    ("closed", n_("已办结")),
    ("", n_("全部")),
)


class TaskForm(BaseModel):
    title: str = ""
    description: str = ""
    basis: str = ""
    lead: str = ""
    responsible: list[str] | str = ""
    milestone_title: str = ""
    due_on: str = ""
    start_on: str = ""
    workdays: str = ""
    source: str = "manual"
    assessment_id: str = ""
    indicator: str = ""
    unit_kind: str = ""
    unit_code: str = ""

    def chosen(self) -> list[str]:
        values = [self.responsible] if isinstance(self.responsible, str) else self.responsible
        return [v for v in values if v]


class MilestoneForm(BaseModel):
    title: str = ""
    due_on: str = ""
    start_on: str = ""
    workdays: str = ""


class ReportForm(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    text: str = ""
    milestone_id: str = ""
    files: list[UploadFile] | UploadFile | None = None

    def uploads(self) -> list[UploadFile]:
        if self.files is None:
            return []
        found = [self.files] if isinstance(self.files, UploadFile) else self.files
        return [f for f in found if f.filename]


class CloseForm(BaseModel):
    note: str = ""


def unit_name(kind: str, code: str, lang: Lang) -> str:
    """An assessed unit in words, as the assessment pages name it."""
    return assessment_views.unit_name(kind, code, lang, translator(lang))


def _milestone_body(title: str, due_on: str, start_on: str, workdays: str) -> MilestoneIn:
    values = {"title": title, "due_on": due_on, "start_on": start_on, "workdays": workdays}
    return parse(MilestoneIn, values, omit_blank=True)


def _create_body(form: TaskForm) -> TaskCreate:
    if not form.lead:
        raise TaskInvalid("choose the lead unit", field="lead_organization_id")
    milestones = []
    if form.milestone_title or form.due_on or form.workdays:
        milestones.append(
            _milestone_body(form.milestone_title, form.due_on, form.start_on, form.workdays)
        )
    values: dict[str, Any] = {
        "title": form.title,
        "description": form.description,
        "basis": form.basis,
        "lead_organization_id": form.lead,
        "responsible_organization_ids": form.chosen(),
        "source": form.source or "manual",
        "assessment_id": form.assessment_id,
        "indicator": form.indicator,
        "unit_kind": form.unit_kind,
        "unit_code": form.unit_code,
    }
    body = parse(TaskCreate, values, omit_blank=True)
    return body.model_copy(update={"milestones": milestones})


def _indicator_name(session: SessionDep, code: str, lang: str) -> str:
    """An indicator's name in the active set (its code when the set no longer has it)."""
    try:
        compiled = assessment_service.active_indicators(session)
    except DomainError:
        return code
    for indicator in compiled.indicators:
        if indicator.code == code:
            return indicator.name_en if lang == "en" else indicator.name
    return code


def _prefill(
    request: Request[Any, Any, Any],
    session: SessionDep,
    actor: Actor,
    *,
    assessment: str,
    indicator: str,
    unit_kind: str,
    unit: str,
) -> TaskForm:
    """The form for a task from a finding: titled by the indicator and the unit, the unit's
    organizations responsible, the assessment named as the basis."""
    try:
        assessment_id = uuid.UUID(assessment)
    except ValueError:
        return TaskForm()
    found = assessment_service.get_or_raise(session, assessment_id, actor=actor)
    lang = lang_of(request.cookies)
    _ = translator(lang)
    what, who = _indicator_name(session, indicator, lang), unit_name(unit_kind, unit, lang)
    orgs = tracking_service.unit_organizations(session, unit_kind, unit)
    return TaskForm(
        title=str(_("{indicator}未达标整改：{unit}")).format(indicator=what, unit=who)[:200],
        description=str(_("考核 {number} 中「{indicator}」低于目标值，请整改并报送进展。")).format(
            number=found.number, indicator=what
        )[:4000],
        basis=str(_("考核 {number}（{period}）")).format(
            number=found.number, period=found.period_label
        )[:500],
        lead=str(orgs[0].id) if orgs else "",
        responsible=[str(o.id) for o in orgs[1:]],
        milestone_title=str(_("报送整改情况")),
        workdays="10",
        source="finding",
        assessment_id=str(found.id),
        indicator=indicator,
        unit_kind=unit_kind,
        unit_code=unit,
    )


def _units(session: SessionDep) -> list[Organization]:
    return [o for o in organization_service.list_all(session, limit=1000) if o.kind in UNIT_KINDS]


def _download(task_id: uuid.UUID) -> Callable[[uuid.UUID], str]:
    return lambda attachment_id: f"{TASKS}/{task_id}/attachments/{attachment_id}"


class TaskPages(Controller):
    path = TASKS

    @get("/", guards=READ, sync_to_thread=True)
    def tasks(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        tab: FromQuery[str] = "open",
        offset: FromQuery[Offset] = 0,
    ) -> Response[str]:
        """Tasks in scope, open ones first by their next due day, overdue marked."""
        tab = tab if tab in {t for t, _label in TABS} else "open"
        status = tab if tab in STATUS else ("open" if tab == "overdue" else None)
        found = tracking_service.listing(
            session,
            actor=actor,
            status=status,
            overdue_only=tab == "overdue",
            limit=PAGE_SIZE,
            offset=offset,
        )
        return work_page(
            request,
            actor,
            "tasks/list.html",
            {
                "page": found,
                "tab": tab,
                "tabs": TABS,
                "offset": offset,
                "page_size": PAGE_SIZE,
                "status": STATUS,
                "source": SOURCE,
                "may_manage": actor.can(P.TRACKING_TASK_MANAGE),
            },
        )

    @get("/new", guards=MANAGE, sync_to_thread=True)
    def new(  # noqa: PLR0917
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        assessment: FromQuery[str] = "",
        indicator: FromQuery[str] = "",
        unit_kind: FromQuery[str] = "",
        unit: FromQuery[str] = "",
    ) -> Response[str]:
        """The form to record a task; from a finding, pre-filled (title, units, basis)."""
        form = TaskForm()
        if assessment and indicator and unit_kind and unit:
            form = _prefill(
                request,
                session,
                actor,
                assessment=assessment,
                indicator=indicator,
                unit_kind=unit_kind,
                unit=unit,
            )
        return self._new(request, session, actor, form)

    def _new(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        form: TaskForm,
        *,
        error: DomainError | None = None,
    ) -> Response[str]:
        finding_url = None
        if form.source == "finding" and form.assessment_id:
            finding_url = tracking_service.finding_path(
                form.assessment_id, form.unit_kind, form.unit_code, form.indicator
            )
        return work_page(
            request,
            actor,
            "tasks/new.html",
            {
                "form": form,
                "chosen": set(form.chosen()),
                "units": _units(session),
                "error": error,
                "finding_url": finding_url,
            },
            status_code=error.status if error else 200,
        )

    @post("/new", guards=MANAGE, sync_to_thread=True)
    def create(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[TaskForm],
    ) -> Response[Any]:
        """Record the task (``tracking_service.create``) and open it."""
        try:
            task = tracking_service.create(session, _create_body(data).value(), actor=actor)
        except DomainError as exc:
            session.rollback()
            return self._new(request, session, actor, data, error=exc)
        return see_other(f"{TASKS}/{task.id}", notice=n_("已登记督办任务"))

    @get("/{task_id:uuid}", guards=READ, sync_to_thread=True)
    def task(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        task_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        """One task: units, milestones, progress with files; the forms the reader may use."""
        return self._task(request, session, actor, task_id)

    def _task(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        task_id: uuid.UUID,
        *,
        error: DomainError | None = None,
        form: str = "",
    ) -> Response[str]:
        task = tracking_service.get_or_raise(session, task_id, actor=actor)
        shown = tracking_service.view(session, task, actor=actor, now=utcnow())
        is_open = task.status == TaskStatus.OPEN.value
        finding_words = None
        if task.unit_kind:
            finding_words = unit_name(
                task.unit_kind, task.unit_code or "", lang_of(request.cookies)
            )
        return work_page(
            request,
            actor,
            "tasks/task.html",
            {
                "shown": shown,
                "task": task,
                "status": STATUS,
                "source": SOURCE,
                "role": ROLE,
                "finding_words": finding_words,
                "may_report": is_open and shown.is_unit and actor.can(P.TRACKING_PROGRESS_REPORT),
                "may_manage": is_open and actor.can(P.TRACKING_TASK_MANAGE),
                "download": _download(task.id),
                "error": error,
                "failed": form,
                "max_files": evidence_service.MAX_FILES,
            },
            status_code=error.status if error else 200,
        )

    @post("/{task_id:uuid}/progress", guards=REPORT, sync_to_thread=True)
    def report(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        task_id: FromPath[uuid.UUID],
        data: MultipartBody[ReportForm],
    ) -> Response[Any]:
        """A unit's report with its files (``tracking_service.report``)."""
        try:
            files = [
                evidence_service.EvidenceFile(
                    f.filename, f.content_type, base64.b64encode(f.file.read()).decode()
                )
                for f in data.uploads()
            ]
            milestone_id = uuid.UUID(data.milestone_id) if data.milestone_id else None
            tracking_service.report(
                session,
                task_id,
                text=data.text,
                milestone_id=milestone_id,
                files=files,
                actor=actor,
            )
        except ValueError:
            session.rollback()
            error = TaskInvalid("milestone: not one of this task's", field="milestone_id")
            return self._task(request, session, actor, task_id, error=error, form="report")
        except DomainError as exc:
            if exc.status in {NOT_FOUND, FORBIDDEN}:  # not a unit: the 403 page, not the form
                raise
            session.rollback()
            return self._task(request, session, actor, task_id, error=exc, form="report")
        return see_other(f"{TASKS}/{task_id}", notice=n_("已报送进展"))

    @post("/{task_id:uuid}/milestones", guards=MANAGE, sync_to_thread=True)
    def add_milestone(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        task_id: FromPath[uuid.UUID],
        data: URLEncodedBody[MilestoneForm],
    ) -> Response[Any]:
        """Add a milestone (``tracking_service.add_milestone``)."""
        try:
            body = _milestone_body(data.title, data.due_on, data.start_on, data.workdays)
            tracking_service.add_milestone(session, task_id, body.value(), actor=actor)
        except DomainError as exc:
            if exc.status == NOT_FOUND:
                raise
            session.rollback()
            return self._task(request, session, actor, task_id, error=exc, form="milestone")
        return see_other(f"{TASKS}/{task_id}", notice=n_("已添加节点"))

    @post("/{task_id:uuid}/close", guards=MANAGE, sync_to_thread=True)
    def close(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        task_id: FromPath[uuid.UUID],
        data: URLEncodedBody[CloseForm],
    ) -> Response[Any]:
        """Close the task with a note (``tracking_service.close``)."""
        try:
            body = parse(CloseIn, data.model_dump())
            tracking_service.close(session, task_id, note=body.note, actor=actor)
        except DomainError as exc:
            if exc.status == NOT_FOUND:
                raise
            session.rollback()
            return self._task(request, session, actor, task_id, error=exc, form="close")
        return see_other(f"{TASKS}/{task_id}", notice=n_("任务已办结"))

    @get("/{task_id:uuid}/attachments/{attachment_id:uuid}", guards=READ, sync_to_thread=True)
    def attachment(
        self,
        session: SessionDep,
        actor: ActorDep,
        task_id: FromPath[uuid.UUID],
        attachment_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """A progress report's file (the download is logged)."""
        return attachment_response(
            tracking_service.open_attachment(session, task_id, attachment_id, actor=actor)
        )


CONTROLLERS: list[type[Controller]] = [TaskPages]
