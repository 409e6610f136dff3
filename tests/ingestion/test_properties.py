"""Whatever mix of rows a provider sends, the receipt balances and only valid rows land."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from chengxin.ingestion.service import Options
from chengxin.records.models import CreditRecord
from tests.ingestion.fixtures import World, csv_data, ingest_bytes, tax_row

# One mutation per row: most are faults, some repeat or correct earlier rows.
MUTATIONS = {
    "good": {},
    "bad-name": {"姓名": "不存在"},
    "bad-date": {"认定日期": "2026-13-40"},
    "future": {"行为日期": "2031-01-01"},
    "bad-kind": {"信息事项代码": "x"},
    "bad-amount": {"amount": "1e999999"},
    "injection": {"note": "<script>alert(1)</script>' OR 1=1 --"},
    "formula": {"tax_type": "@SUM(A1)"},
    "control": {"note": "a\x07b"},
    "empty": {"身份证号码": ""},
    "long": {"决定文书号": "号" * 500},
}
VALID = {"good", "injection"}


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(MUTATIONS)), st.integers(0, 5), st.integers(1, 3)),
        min_size=1,
        max_size=25,
    ),
    st.integers(1, 9),
)
def test_receipts_balance_for_any_mix_of_rows(
    world: World, tmp_path_factory, rows: list[tuple[str, int, int]], chunk: int
) -> None:  # type: ignore[no-untyped-def]
    # The world (catalog, people, providers) is shared by the examples; records accumulate.
    with world.runtime.scope() as session:
        before = session.execute(select(func.count()).select_from(CreditRecord)).scalar_one()
    data = [
        tax_row(
            world.people[person], f"S-{person}", **{"amount": str(amount * 100), **MUTATIONS[kind]}
        )
        for kind, person, amount in rows
    ]
    tmp = tmp_path_factory.mktemp("mix")
    batch = ingest_bytes(world, csv_data(data), tmp, options=Options(chunk_rows=chunk))
    assert batch.status == "completed"
    assert batch.balanced
    assert batch.submitted == len(rows)
    valid = sum(1 for kind, _, _ in rows if kind in VALID)
    assert batch.rejected == len(rows) - valid
    with world.runtime.scope() as session:
        after = session.execute(select(func.count()).select_from(CreditRecord)).scalar_one()
    assert after - before == batch.created + batch.corrected
    assert batch.created + batch.corrected + batch.duplicates == valid
