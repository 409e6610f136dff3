"""Names of the per-request dependencies handlers declare (provided in app.py)."""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency
from sqlalchemy.orm import Session

from chengxin.security.actor import Actor
from chengxin.settings import Settings

SessionDep: TypeAlias = NamedDependency[Session]
ActorDep: TypeAlias = NamedDependency[Actor]
SettingsDep: TypeAlias = NamedDependency[Settings]
