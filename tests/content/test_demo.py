"""The demo content: published once, left alone on a second load, names masked."""

from __future__ import annotations

import re
from typing import Any

from chengxin.content import service as content_service
from chengxin.demo import content as demo_content
from chengxin.security.actor import system_actor


def test_demo_pages_are_published_once(runtime: Any) -> None:
    actor = system_actor("demo")
    assert demo_content.seed(runtime, actor=actor) == len(demo_content.PAGES)
    assert demo_content.seed(runtime, actor=actor) == 0
    with runtime.scope() as session:
        pages = content_service.published(session)
        assert {p.kind for p in pages} == {"policy", "exemplar", "warning_case"}
        for page in pages:
            if page.kind != "policy":
                # Every person in a story is masked: a surname and an asterisk.
                assert re.search(r"[\u4e00-\u9fff]\*", page.body_markdown)
