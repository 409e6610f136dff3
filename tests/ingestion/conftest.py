from __future__ import annotations

import pytest

from chengxin.runtime import Runtime
from tests.ingestion.fixtures import World, build_world


@pytest.fixture
def world(runtime: Runtime) -> World:
    return build_world(runtime)
