"""The list types (R7, R8; RULES.md §5): each with its legal basis, standard, term, exit
conditions and remedies, loaded from ``data/list_types.json`` and published as they are.

A type without a legal basis is refused at load (国办发〔2020〕49号: a serious-dishonesty list
exists only with a basis in law, regulation or a Central Committee / State Council document).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chengxin.lists.errors import ListTypeInvalid, ListTypeUnknown
from chengxin.lists.models import ListKind

if TYPE_CHECKING:
    from chengxin.catalog.schema import CatalogDocument

DATA = Path(__file__).parent / "data" / "list_types.json"


@dataclass(frozen=True)
class Basis:
    law: str
    article: str

    def __str__(self) -> str:
        return f"{self.law}{self.article}"


@dataclass(frozen=True)
class Proposers:
    organization_kinds: tuple[str, ...]
    departments: tuple[str, ...]  # empty: any department of those kinds


@dataclass(frozen=True)
class ListType:
    """One red or black list."""

    code: str
    kind: ListKind
    name_zh: str
    name_en: str
    domain: str
    basis: tuple[Basis, ...]
    standard: str
    term_years: int | None  # None: open-ended (ends by exit only)
    term_note: str | None
    exit_conditions: tuple[str, ...]
    remedies: str
    auto_kinds: tuple[str, ...]  # record kinds that propose an entry automatically
    proposers: Proposers
    verified: bool  # False: the basis was read only in part (DOMAIN-DATA.md [?]/[P])
    adults_only: bool = False  # minors are never listed (法释〔2017〕7号 Art. 4 for the court list)

    @property
    def basis_text(self) -> str:
        """The basis as one line: law and article, joined."""
        return "；".join(str(b) for b in self.basis)


def _text(raw: dict[str, Any], name: str, code: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ListTypeInvalid(f"list type {code}: {name} is missing", field=name)
    return value.strip()


def parse(raw: dict[str, Any], *, remedies_default: str = "") -> ListType:
    """One type from its JSON; ListTypeInvalid when a required part (above all the basis) is
    missing."""
    code = raw.get("code")
    if not isinstance(code, str) or not code:
        raise ListTypeInvalid("a list type has no code", field="code")
    bases = tuple(
        Basis(str(b.get("law", "")).strip(), str(b.get("article", "")).strip())
        for b in raw.get("basis") or []
    )
    if not bases or any(not b.law or not b.article for b in bases):
        raise ListTypeInvalid(
            f"list type {code} has no legal basis (law and article)", field="basis"
        )
    try:
        kind = ListKind(str(raw.get("kind")))
    except ValueError:
        raise ListTypeInvalid(
            f"list type {code}: kind must be red or black", field="kind"
        ) from None
    term = raw.get("term_years")
    if term is not None and (not isinstance(term, int) or term < 1):
        raise ListTypeInvalid(
            f"list type {code}: term_years must be a positive integer or null", field="term_years"
        )
    exits = tuple(str(x) for x in raw.get("exit_conditions") or [])
    if not exits:
        raise ListTypeInvalid(
            f"list type {code} publishes no exit conditions", field="exit_conditions"
        )
    proposers = raw.get("proposers") or {}
    return ListType(
        code=code,
        kind=kind,
        name_zh=_text(raw, "name_zh", code),
        name_en=_text(raw, "name_en", code),
        domain=_text(raw, "domain", code),
        basis=bases,
        standard=_text(raw, "standard", code),
        term_years=term,
        term_note=raw.get("term_note"),
        exit_conditions=exits,
        remedies=(raw.get("remedies") or remedies_default).strip(),
        auto_kinds=tuple(raw.get("auto_kinds") or ()),
        proposers=Proposers(
            tuple(proposers.get("organization_kinds") or ()),
            tuple(proposers.get("departments") or ()),
        ),
        verified=bool(raw.get("verified", False)),
        adults_only=bool(raw.get("adults_only", False)),
    )


def load(document: dict[str, Any]) -> dict[str, ListType]:
    """Every type of a document by code; duplicate codes are refused."""
    default = str(document.get("remedies_default") or "")
    found: dict[str, ListType] = {}
    for raw in document.get("types") or []:
        parsed = parse(raw, remedies_default=default)
        if parsed.code in found:
            raise ListTypeInvalid(f"list type {parsed.code} appears twice", field="code")
        if not parsed.remedies:
            raise ListTypeInvalid(
                f"list type {parsed.code} publishes no remedies", field="remedies"
            )
        found[parsed.code] = parsed
    return found


@cache
def registry() -> dict[str, ListType]:
    """The shipped types (read once)."""
    return load(json.loads(DATA.read_text(encoding="utf-8")))


def all_types() -> list[ListType]:
    """Every type, black lists first, then by code."""
    return sorted(registry().values(), key=lambda t: (t.kind is ListKind.RED, t.code))


def get(code: str) -> ListType | None:
    return registry().get(code)


def get_or_raise(code: str) -> ListType:
    found = registry().get(code)
    if found is None:
        raise ListTypeUnknown(f"no list type {code!r}", field="list_type")
    return found


def proposed_by_kind(document: CatalogDocument | None = None) -> dict[str, list[ListType]]:
    """Record kind code → the types it proposes automatically: each type's ``auto_kinds`` and,
    given a catalog version, each kind's ``proposes_list`` (what the catalog tells providers is
    what happens; a catalog naming no list type is refused at load, ``catalog-list-type-unknown``,
    and the shipped catalog and types agree both ways)."""
    found: dict[str, list[ListType]] = {}
    for list_type in registry().values():
        for kind_code in list_type.auto_kinds:
            found.setdefault(kind_code, []).append(list_type)
    for kind in document.kinds if document is not None else ():
        named = get(kind.proposes_list) if kind.proposes_list else None
        if named is not None and named not in found.get(kind.code, []):
            found.setdefault(kind.code, []).append(named)
    return found
