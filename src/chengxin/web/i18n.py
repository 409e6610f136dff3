"""The pages' languages: Simplified Chinese (the source language) and English.

Templates and page code write Chinese inside ``_("…")``; English comes from the gettext catalogs
``web/locale/en/*.po`` (one file per console, so each area keeps its own), read with Babel once
per process, as the report does (reports/render.py: no compile step to forget). A message without
an English translation shows in Chinese; ``tests/web/test_i18n.py`` fails on any such message.

The language is the ``chengxin_lang`` cookie (``zh`` or ``en``), set by the switch in the page
header; without it, Chinese.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

from babel.messages.pofile import read_po
from markupsafe import Markup, escape

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
LANG_COOKIE = "chengxin_lang"
HTML_LANG: dict[str, str] = {"zh": "zh-Hans", "en": "en"}


def n_(message: str) -> str:
    """Marks a message for translation where it is defined (a table, an enum's label); it is
    translated where it is shown, with ``_``."""
    return message


@cache
def catalog(lang: Lang) -> Mapping[str, str]:
    """msgid → msgstr of every ``web/locale/<lang>/*.po`` (empty for Chinese, the source)."""
    if lang == "zh":
        return {}
    folder = resources.files("chengxin.web") / "locale" / lang
    merged: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string and isinstance(message.id, str):
                    merged[message.id] = str(message.string)
    return merged


def translator(lang: Lang) -> Callable[..., Markup | str]:
    """``_("共 {n} 条", n=3)``: the translation, with ``{name}`` fields filled in, escaped."""
    messages = catalog(lang)

    def _(message: str, **fields: Any) -> Markup | str:
        text = messages.get(message, message)
        if not fields:
            return text
        return escape(text).format(**fields)  # Markup.format escapes the fields

    return _


def lang_of(cookies: Mapping[str, str]) -> Lang:
    """The language a request asks for (cookie), Chinese by default."""
    value = cookies.get(LANG_COOKIE, "zh")
    return "en" if value == "en" else "zh"
