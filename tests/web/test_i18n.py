"""Every page works in Chinese and English: each message the pages show has an English
translation in ``web/locale/en/*.po``, and no two catalogs translate one message differently."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from babel.messages.pofile import read_po

WEB = Path(str(resources.files("chengxin.web")))
# _("…") in templates and page code; n_("…") marks messages defined in tables.
MESSAGE = re.compile(r"""\bn?_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def _messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        for match in MESSAGE.finditer(path.read_text(encoding="utf-8")):
            text = match.group(1) if match.group(1) is not None else match.group(2)
            if re.search(r"[\u4e00-\u9fff]", text):  # Chinese source text
                found.setdefault(text, str(path.relative_to(WEB)))
    return found


def _catalogs() -> dict[str, dict[str, str]]:
    catalogs = {}
    for po in sorted((WEB / "locale" / "en").glob("*.po")):
        with po.open("rb") as handle:
            catalogs[po.name] = {
                str(m.id): str(m.string) for m in read_po(handle) if m.id and m.string
            }
    return catalogs


def test_every_message_has_an_english_translation() -> None:
    merged: dict[str, str] = {}
    for catalog in _catalogs().values():
        merged.update(catalog)
    missing = {text: where for text, where in _messages().items() if text not in merged}
    assert missing == {}, f"{len(missing)} messages lack English (web/locale/en/*.po): {missing}"


def test_catalogs_agree() -> None:
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for name, catalog in _catalogs().items():
        for msgid, msgstr in catalog.items():
            if msgid in seen and seen[msgid][1] != msgstr:
                clashes.append(f"{msgid!r}: {seen[msgid][0]} and {name} differ")
            seen.setdefault(msgid, (name, msgstr))
    assert clashes == []
