"""The exchange over HTTP: push, upload, revoke, receipts, rejected rows, status, quality."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from litestar.testing import TestClient
from openpyxl import Workbook, load_workbook

from chengxin.ingestion import service as ingestion_service
from chengxin.organizations import service as organization_service
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from tests.helpers import auth
from tests.ingestion.fixtures import HEADER, World, csv_data, tax_row

PROVIDER_PERMISSIONS = [
    Permission.INGESTION_BATCH_SUBMIT,
    Permission.INGESTION_BATCH_READ,
    Permission.INGESTION_QUALITY_READ,
    Permission.RECORDS_RECORD_READ,
]


def tax_token(world: World) -> str:
    with world.runtime.scope() as session:
        return organization_service.issue_token(
            session,
            world.tax_org_id,
            name="tax system",
            permissions=PROVIDER_PERMISSIONS,
            valid_days=1,
            actor=system_actor("test"),
        ).secret


def as_object(row: dict[str, str]) -> dict[str, object]:
    return {
        "source_id": row["源记录编号"],
        "kind": row["信息事项代码"],
        "id_number": row["身份证号码"],
        "name": row["姓名"],
        "document_no": row["决定文书号"],
        "finding_date": row["认定日期"],
        "act_date": row["行为日期"],
        "notified_date": row["告知日期"],
        "fields": {"amount": row["amount"], "tax_type": row["tax_type"]},
    }


def test_push_gives_a_receipt_and_a_resend_is_all_duplicates(
    client: TestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    token = tax_token(world)
    records = [as_object(tax_row(p, f"P-{i}")) for i, p in enumerate(world.people[:5])]
    records.append({**records[0], "source_id": "P-X", "name": "冒名者"})
    body = {"records": records}
    response = client.post("/api/v1/ingestion/batches", json=body, headers=auth(token))
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert (receipt["submitted"], receipt["created"], receipt["rejected"]) == (6, 5, 1)
    assert receipt["balanced"] is True
    (error,) = receipt["errors"]
    assert (error["row_no"], error["source_id"]) == (6, "P-X")
    assert error["errors"][0]["code"] == "name-mismatch"
    assert "姓名" in error["errors"][0]["zh"]
    assert receipt["errors_url"].endswith("/errors")
    again = client.post("/api/v1/ingestion/batches", json=body, headers=auth(token)).json()
    assert (again["duplicates"], again["created"], again["rejected"]) == (5, 0, 1)
    versions = client.get(
        "/api/v1/records/versions", params={"source_id": "P-0"}, headers=auth(token)
    ).json()
    assert [v["version"] for v in versions] == [1]
    assert versions[0]["display_until_on"] == "2029-03-01"


def test_push_refuses_oversized_and_malformed_batches(
    client: TestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    token = tax_token(world)
    big = {"records": [{}] * (ingestion_service.MAX_PUSH_RECORDS + 1)}
    response = client.post("/api/v1/ingestion/batches", json=big, headers=auth(token))
    assert response.status_code == 413
    assert response.json()["type"].endswith("/batch-too-large")
    for body in (b"[1,2]", b"{not json", b'{"records": 5}'):
        response = client.post("/api/v1/ingestion/batches", content=body, headers=auth(token))
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("/batch-malformed")


def test_upload_csv_then_download_rejected_rows(
    client: TestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    token = tax_token(world)
    rows = [tax_row(world.people[0], "U-1"), tax_row(world.people[1], "U-2", amount="abc")]
    response = client.post(
        "/api/v1/ingestion/uploads",
        params={"filename": "march.csv"},
        content=csv_data(rows),
        headers={**auth(token), "Content-Type": "text/csv"},
    )
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert (receipt["created"], receipt["rejected"], receipt["filename"]) == (1, 1, "march.csv")
    status = client.get(f"/api/v1/ingestion/batches/{receipt['id']}", headers=auth(token)).json()
    assert (status["status"], status["rows_done"]) == ("completed", 3)
    page = client.get(receipt["errors_url"], headers=auth(token)).json()
    assert page["total"] == 1
    assert page["items"][0]["errors"][0] == {
        "field": "amount",
        "code": "field-invalid",
        "zh": "内容格式不正确：number",
        "en": "value does not have the required form: number",
    }
    download = client.get(receipt["rejected_rows_url"], headers=auth(token))
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert table[0][: len(HEADER)] == list(HEADER)
    assert table[1][0] == "U-2"
    assert "field-invalid" in table[1][-1]


def test_upload_xlsx_and_rejected_rows_come_back_as_xlsx(
    client: TestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    token = tax_token(world)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(HEADER))
    for row in (tax_row(world.people[0], "X-1"), tax_row(world.people[1], "X-2", 认定日期="昨天")):
        sheet.append([row.get(h, "") for h in HEADER])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(
        "/api/v1/ingestion/uploads",
        params={"filename": "march.xlsx"},
        content=buffer.getvalue(),
        headers=auth(token),
    )
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert (receipt["created"], receipt["rejected"]) == (1, 1)
    download = client.get(receipt["rejected_rows_url"], headers=auth(token))
    sheet_back = load_workbook(io.BytesIO(download.content)).worksheets[0]
    values = list(sheet_back.iter_rows(values_only=True))
    assert values[1][0] == "X-2"
    assert "date-invalid" in str(values[1][-1])


def test_an_unreadable_upload_is_a_problem_with_the_batch_id(
    client: TestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    token = tax_token(world)
    response = client.post(
        "/api/v1/ingestion/uploads",
        params={"filename": "bad.csv"},
        content="源记录编号,x".encode("utf-16"),
        headers=auth(token),
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/file-rejected")
    assert problem["failure_code"] == "encoding-unsupported"
    assert problem["batch_id"]
    response = client.post(
        "/api/v1/ingestion/uploads",
        params={"filename": "notes.docx"},
        content=b"PK",
        headers=auth(token),
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/file-format-unsupported")


def test_revocations_endpoint(client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    token = tax_token(world)
    client.post(
        "/api/v1/ingestion/batches",
        json={"records": [as_object(tax_row(world.people[0], "R-1"))]},
        headers=auth(token),
    )
    body = {"records": [{"source_id": "R-1", "reason": "决定已撤销"}]}
    receipt = client.post("/api/v1/ingestion/revocations", json=body, headers=auth(token)).json()
    assert (receipt["revoked"], receipt["balanced"]) == (1, True)
    versions = client.get(
        "/api/v1/records/versions", params={"source_id": "R-1"}, headers=auth(token)
    ).json()
    assert [(v["status"], v["revoke_reason"]) for v in versions] == [("revoked", "决定已撤销")]


def test_providers_see_only_their_own_batches_and_quality(
    client: TestClient,
    world: World,
    token_for: Callable[..., str],  # type: ignore[type-arg]
) -> None:
    token = tax_token(world)
    rows = [tax_row(world.people[0], "Q-1"), tax_row(world.people[1], "Q-2", 姓名="错名字")]
    receipt = client.post(
        "/api/v1/ingestion/uploads",
        params={"filename": "q.csv"},
        content=csv_data(rows),
        headers=auth(token),
    ).json()
    from chengxin.organizations.models import OrganizationKind

    other = token_for(*PROVIDER_PERMISSIONS, kind=OrganizationKind.GOVERNMENT)
    assert (
        client.get(f"/api/v1/ingestion/batches/{receipt['id']}", headers=auth(other)).status_code
        == 404
    )
    assert client.get("/api/v1/ingestion/batches", headers=auth(other)).json() == []
    assert client.get("/api/v1/ingestion/quality", headers=auth(other)).json() == []
    operator = token_for(Permission.INGESTION_QUALITY_READ, Permission.INGESTION_BATCH_READ)
    assert len(client.get("/api/v1/ingestion/batches", headers=auth(operator)).json()) == 1
    (day,) = client.get("/api/v1/ingestion/quality", headers=auth(operator)).json()
    assert (day["submitted"], day["accepted"], day["rejected"]) == (2, 1, 1)
    assert day["rejected_by_code"] == {"name-mismatch": 1}
    assert day["lag_days_mean"] is not None
    own = client.get("/api/v1/ingestion/quality", headers=auth(token)).json()
    assert own == [day]


def test_catalog_is_readable_over_the_api(
    client: TestClient,
    world: World,
    token_for: Callable[..., str],  # type: ignore[type-arg]
) -> None:
    token = token_for(Permission.CATALOG_CATALOG_READ)
    active = client.get("/api/v1/catalog", headers=auth(token)).json()
    assert (active["version"], active["status"]) == ("2026.1", "active")
    assert {k["code"] for k in active["content"]["kinds"]} >= {"tax-arrears"}
    kind = client.get("/api/v1/catalog/kinds/tax-arrears", headers=auth(token)).json()
    assert kind["display_period"] == {
        "min_months": 12,
        "max_months": 36,
        "default_months": None,
        "anchor": "finding_date",
    }
    assert client.get("/api/v1/catalog/kinds/nope", headers=auth(token)).status_code == 404
    versions = client.get("/api/v1/catalog/versions", headers=auth(token)).json()
    assert [v["version"] for v in versions] == ["2026.1"]
    one = client.get("/api/v1/catalog/versions/2026.1", headers=auth(token)).json()
    assert one["digest"] == active["digest"]
    assert json.dumps(one["content"], sort_keys=True) == json.dumps(
        active["content"], sort_keys=True
    )
