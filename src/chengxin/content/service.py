"""Content pages: write (create, edit, publish, unpublish — each a revision and an audit entry),
read (the public's published pages, the operators' every page) and render Markdown safely.

Markdown is rendered with raw HTML disabled: ``<script>`` in a body comes out as text. Links go
only to http(s) addresses or paths of the platform; images are not rendered at all (a page must
not load anything from outside the platform, and the platform hosts no uploads for pages).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.content.errors import (
    ContentInputInvalid,
    ContentPageNotFound,
    ContentSlugTaken,
    ContentVersionConflict,
)
from chengxin.content.models import ContentKind, ContentPage, ContentRevision, RevisionAction
from chengxin.db import utcnow
from chengxin.security.actor import Actor

TABLE = "content_page"
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
MAX_TITLE, MAX_BODY = 200, 50_000
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True)
class PageInput:
    """What an operator writes: the address, the kind, the title and the Markdown body."""

    slug: str
    kind: str
    title: str
    body_markdown: str


# -- rendering ---------------------------------------------------------------------------------


def _link_allowed(url: str) -> bool:
    """http(s) addresses and the platform's own paths; nothing else (javascript:, data:, …)."""
    cleaned = url.strip()
    if cleaned.startswith("//"):
        return False
    if _SCHEME.match(cleaned):
        return cleaned.lower().startswith(("http://", "https://"))
    return True


@cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.disable("image")
    md.validateLink = _link_allowed  # type: ignore[method-assign]
    return md


def render(body_markdown: str) -> Markup:
    """The body as HTML: CommonMark without raw HTML, links only http(s) or local."""
    return Markup(_markdown().render(body_markdown))  # noqa: S704 — raw HTML is disabled above


# -- checks ------------------------------------------------------------------------------------


def _clean(data: PageInput) -> PageInput:
    slug, title, body = data.slug.strip().lower(), data.title.strip(), data.body_markdown.strip()
    if not SLUG.match(slug):
        raise ContentInputInvalid(
            "slug: lower-case letters, digits and dashes, at most 80", field="slug"
        )
    try:
        kind = ContentKind(data.kind).value
    except ValueError:
        raise ContentInputInvalid("kind: exemplar, warning_case or policy", field="kind") from None
    if not 2 <= len(title) <= MAX_TITLE:  # noqa: PLR2004
        raise ContentInputInvalid(f"title: 2 to {MAX_TITLE} characters", field="title")
    if not body or len(body) > MAX_BODY:
        raise ContentInputInvalid(f"body: 1 to {MAX_BODY} characters", field="body_markdown")
    return PageInput(slug, kind, title, body)


def _slug_free(session: Session, slug: str, page_id: uuid.UUID | None) -> None:
    found = session.execute(select(ContentPage.id).where(ContentPage.slug == slug)).scalar()
    if found is not None and found != page_id:
        raise ContentSlugTaken(f"slug {slug!r} is taken", field="slug")


def _revise(
    session: Session, page: ContentPage, action: RevisionAction, *, actor: Actor, now: datetime
) -> ContentRevision:
    """One revision row (the page after the change) and one audit entry."""
    revision = ContentRevision(
        id=uuid.uuid4(),
        page_id=page.id,
        version=page.version,
        action=action.value,
        at=now,
        actor=actor.name,
        slug=page.slug,
        kind=page.kind,
        title=page.title,
        body_markdown=page.body_markdown,
        published_at=page.published_at,
    )
    session.add(revision)
    session.flush()
    audit.record(
        session,
        f"content:page:{action.value}",
        actor=actor,
        object_type=TABLE,
        object_id=page.id,
        at=now,
        data={
            "slug": page.slug,
            "kind": page.kind,
            "title": page.title,
            "version": page.version,
            "published": page.published_at is not None,
        },
    )
    return revision


# -- writes ------------------------------------------------------------------------------------


def create(
    session: Session, data: PageInput, *, actor: Actor, now: datetime | None = None
) -> ContentPage:
    """A new, unpublished page."""
    now = now or utcnow()
    data = _clean(data)
    _slug_free(session, data.slug, None)
    page = ContentPage(
        id=uuid.uuid4(),
        slug=data.slug,
        kind=data.kind,
        title=data.title,
        body_markdown=data.body_markdown,
        published_at=None,
        version=1,
        created_at=now,
        updated_at=now,
        updated_by=actor.name,
    )
    session.add(page)
    session.flush()
    _revise(session, page, RevisionAction.CREATED, actor=actor, now=now)
    return page


def _locked(session: Session, page_id: uuid.UUID, expected_version: int | None) -> ContentPage:
    page = session.execute(
        select(ContentPage).where(ContentPage.id == page_id).with_for_update()
    ).scalar_one_or_none()
    if page is None:
        raise ContentPageNotFound
    if expected_version is not None and page.version != expected_version:
        raise ContentVersionConflict(
            f"the page is at version {page.version}, you edited version {expected_version}"
        )
    return page


def _touch(page: ContentPage, actor: Actor, now: datetime) -> None:
    page.version += 1
    page.updated_at = now
    page.updated_by = actor.name


def edit(
    session: Session,
    page_id: uuid.UUID,
    data: PageInput,
    *,
    actor: Actor,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ContentPage:
    """Change a page's address, kind, title or body (a published page stays published); a
    change made on a stale copy (``expected_version``) is refused; no change, no revision."""
    now = now or utcnow()
    data = _clean(data)
    page = _locked(session, page_id, expected_version)
    if (page.slug, page.kind, page.title, page.body_markdown) == (
        data.slug,
        data.kind,
        data.title,
        data.body_markdown,
    ):
        return page
    _slug_free(session, data.slug, page.id)
    page.slug, page.kind, page.title = data.slug, data.kind, data.title
    page.body_markdown = data.body_markdown
    _touch(page, actor, now)
    session.flush()
    _revise(session, page, RevisionAction.EDITED, actor=actor, now=now)
    return page


def publish(
    session: Session, page_id: uuid.UUID, *, actor: Actor, now: datetime | None = None
) -> ContentPage:
    """Show the page to the public (again: a republished page gets a new publication time)."""
    now = now or utcnow()
    page = _locked(session, page_id, None)
    if page.published_at is not None:
        return page
    page.published_at = now
    _touch(page, actor, now)
    session.flush()
    _revise(session, page, RevisionAction.PUBLISHED, actor=actor, now=now)
    return page


def unpublish(
    session: Session, page_id: uuid.UUID, *, actor: Actor, now: datetime | None = None
) -> ContentPage:
    """Take the page off the portal (kept, with its revisions)."""
    now = now or utcnow()
    page = _locked(session, page_id, None)
    if page.published_at is None:
        return page
    page.published_at = None
    _touch(page, actor, now)
    session.flush()
    _revise(session, page, RevisionAction.UNPUBLISHED, actor=actor, now=now)
    return page


# -- reads -------------------------------------------------------------------------------------


def get(session: Session, page_id: uuid.UUID) -> ContentPage | None:
    return session.get(ContentPage, page_id)


def get_or_raise(session: Session, page_id: uuid.UUID) -> ContentPage:
    """Any page (operators)."""
    page = session.get(ContentPage, page_id)
    if page is None:
        raise ContentPageNotFound
    return page


def published_or_raise(session: Session, slug: str) -> ContentPage:
    """A published page by its address (the public)."""
    page = session.execute(
        select(ContentPage).where(
            ContentPage.slug == slug.strip().lower(), ContentPage.published_at.is_not(None)
        )
    ).scalar_one_or_none()
    if page is None:
        raise ContentPageNotFound
    return page


def published(
    session: Session, *, kind: ContentKind | None = None, limit: int = 200
) -> list[ContentPage]:
    """Published pages, newest first (one query)."""
    query = select(ContentPage).where(ContentPage.published_at.is_not(None))
    if kind is not None:
        query = query.where(ContentPage.kind == kind.value)
    query = query.order_by(ContentPage.published_at.desc(), ContentPage.slug).limit(limit)
    return list(session.execute(query).scalars())


def all_pages(session: Session) -> list[ContentPage]:
    """Every page, published or not, by kind and title (operators)."""
    query = select(ContentPage).order_by(ContentPage.kind, ContentPage.title)
    return list(session.execute(query).scalars())


def count_published(session: Session) -> int:
    """How many pages the public can read (one query)."""
    query = (
        select(func.count()).select_from(ContentPage).where(ContentPage.published_at.is_not(None))
    )
    return int(session.execute(query).scalar_one())


def revisions(session: Session, page_id: uuid.UUID) -> list[ContentRevision]:
    """The page's changes, newest first."""
    query = (
        select(ContentRevision)
        .where(ContentRevision.page_id == page_id)
        .order_by(ContentRevision.seq.desc())
    )
    return list(session.execute(query).scalars())


def changes(session: Session, *, after_seq: int = 0, limit: int = 100) -> list[ContentRevision]:
    """Revisions in order after a sequence number: what a change feed reads."""
    query = (
        select(ContentRevision)
        .where(ContentRevision.seq > after_seq)
        .order_by(ContentRevision.seq)
        .limit(limit)
    )
    return list(session.execute(query).scalars())
