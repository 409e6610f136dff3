"""The chengxin command: exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chengxin.cli import main
from chengxin.keys.keyring import Keyring
from chengxin.runtime import is_loopback_url
from tests.helpers import csv_bytes, people, person_rows


def test_id_check_valid_exits_0_with_parsed_fields() -> None:
    result = CliRunner().invoke(main, ["id", "check", "11010519491231002X"])
    assert result.exit_code == 0
    body = json.loads(result.output)
    assert (body["birth_on"], body["sex"], body["address_code"]) == ("1949-12-31", "F", "110105")
    assert "11010519491231002X" not in result.output


def test_id_check_invalid_exits_1_with_the_code() -> None:
    result = CliRunner().invoke(main, ["id", "check", "110105194912310021"])
    assert result.exit_code == 1
    assert "id-number-checksum" in result.output


def test_id_check_describes_hubei_regions() -> None:
    from datetime import date

    from chengxin.identity import idnumber

    result = CliRunner().invoke(
        main, ["id", "check", idnumber.make("420102", date(1990, 3, 4), 11)]
    )
    assert json.loads(result.output)["region"] == "湖北省武汉市江岸区"


def test_population_import_reports_and_writes_errors(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    rows = [*person_rows(people(5)), ["110105194912310021", "张三", "", ""]]
    source = tmp_path / "pop.csv"
    source.write_bytes(csv_bytes(rows))
    errors = tmp_path / "errors.csv"
    result = CliRunner().invoke(
        main, ["population", "import", str(source), "--errors", str(errors)], env=cli_env
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.splitlines()[0])
    assert (report["rows_read"], report["inserted"], report["rejected"], report["balanced"]) == (
        6,
        5,
        1,
        True,
    )
    assert errors.read_text(encoding="utf-8").splitlines()[1].startswith("7,id-number-checksum")


def test_population_import_of_unsupported_file_exits_1(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "pop.pdf"
    source.write_bytes(b"%PDF")
    result = CliRunner().invoke(main, ["population", "import", str(source)], env=cli_env)
    assert result.exit_code == 1
    assert "file-format-unsupported" in result.output


def test_audit_verify_and_org_token(cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    created = runner.invoke(
        main,
        [
            "org",
            "create",
            "--credit-code",
            "91350200776049653A",
            "--name",
            "丙公司",
            "--kind",
            "enterprise",
        ],
        env=cli_env,
    )
    assert created.exit_code == 0, created.output
    token = runner.invoke(
        main,
        [
            "org",
            "token",
            "91350200776049653A",
            "--name",
            "s",
            "--permission",
            "identity:person:verify",
        ],
        env=cli_env,
    )
    assert token.exit_code == 0, token.output
    assert token.stdout.startswith("cxt_")
    bad = runner.invoke(
        main,
        ["org", "token", "91350200776049653A", "--name", "s", "--permission", "nope"],
        env=cli_env,
    )
    assert bad.exit_code == 1
    assert "permission-unknown" in bad.output
    verified = runner.invoke(main, ["audit", "verify"], env=cli_env)
    assert verified.exit_code == 0
    assert json.loads(verified.stdout)["ok"] is True


def test_keys_rotate_then_resume(cli_env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    source = tmp_path / "pop.csv"
    source.write_bytes(csv_bytes(person_rows(people(7))))
    assert runner.invoke(main, ["population", "import", str(source)], env=cli_env).exit_code == 0
    rotated = runner.invoke(main, ["keys", "rotate", "--batch", "3"], env=cli_env)
    assert rotated.exit_code == 0, rotated.output
    assert "re-encrypted 7 sealed rows; all under k2" in rotated.output
    resumed = runner.invoke(main, ["keys", "rotate", "--resume"], env=cli_env)
    assert "re-encrypted 0 sealed rows; all under k2" in resumed.output
    ring = Keyring.from_json((Path(cli_env["CHENGXIN_DATA_DIR"]) / "keys.json").read_text())
    assert set(ring.data_keys) == {"k1", "k2"}


def test_keys_init_refuses_to_overwrite(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["keys", "init"], env=cli_env)
    assert result.exit_code == 1
    assert "keys-exist" in result.output


def test_production_refuses_demo_keys_and_the_demo(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "CHENGXIN_ENV": "production"}
    serve = CliRunner().invoke(main, ["serve", "--port", "1"], env=env)
    assert serve.exit_code == 2
    assert "keyring-error" in serve.output
    assert "demo keys in production" in serve.output
    demo = CliRunner().invoke(main, ["demo", "--no-serve"], env=env)
    assert demo.exit_code == 1
    assert "demo-in-production" in demo.output


def test_production_refuses_a_loopback_public_address(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Every report prints and encodes public_base_url: production must name a reachable one."""
    env = {**cli_env, "CHENGXIN_ENV": "production", "CHENGXIN_DATA_DIR": str(tmp_path / "prod")}
    made = CliRunner().invoke(main, ["keys", "init"], env=env)  # production keys, not a demo's
    assert made.exit_code == 0, made.output
    for loopback in ("http://127.0.0.1:8000", "http://localhost", "https://[::1]:8443"):
        serve = CliRunner().invoke(
            main, ["serve", "--port", "1"], env={**env, "CHENGXIN_PUBLIC_BASE_URL": loopback}
        )
        assert serve.exit_code == 2, (loopback, serve.output)
        assert "unsafe-configuration" in serve.output
        assert "CHENGXIN_PUBLIC_BASE_URL" in serve.output


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.8.0.1", True),
        ("http://localhost:80", True),
        ("http://app.localhost", True),
        ("http://[::1]", True),
        ("https://xinyong.example.gov.cn", False),
        ("http://10.0.0.5:8000", False),
        ("https://[2001:db8::1]", False),
    ],
)
def test_which_public_addresses_are_loopback(url: str, *, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_production_needs_a_database_url(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "CHENGXIN_ENV": "production", "CHENGXIN_DATABASE_URL": ""}
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 2
    assert "settings-invalid" in result.output


def test_schema_not_current_is_reported(cli_env: dict[str, str], tmp_path: Path) -> None:
    env = {**cli_env, "CHENGXIN_DATABASE_URL": f"sqlite:///{tmp_path / 'blank.db'}"}
    result = CliRunner().invoke(main, ["audit", "verify"], env=env)
    assert result.exit_code == 2
    assert "schema-not-current" in result.output


def test_ingest_shows_the_receipt_and_writes_rejected_rows(
    cli_env: dict[str, str], runtime, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from tests.ingestion.fixtures import build_world, csv_data, tax_row

    world = build_world(runtime, n_people=5)
    with runtime.scope() as session:
        from chengxin.organizations.models import Organization

        code = session.get_one(Organization, world.tax_org_id).credit_code
    rows = [tax_row(world.people[0], "C-1"), tax_row(world.people[1], "C-2", 姓名="错名字")]
    path = tmp_path / "records.csv"
    path.write_bytes(csv_data(rows))
    out = tmp_path / "rejected.csv"
    result = CliRunner().invoke(
        main, ["ingest", str(path), "--as", code, "--rejected-out", str(out)], env=cli_env
    )
    assert result.exit_code == 0, result.output
    assert (
        "submitted 2 = accepted 1 (created 1, corrected 0, revoked 0) + rejected 1" in result.output
    )
    assert "name-mismatch: 1" in result.output
    assert "name-mismatch" in out.read_text(encoding="utf-8-sig")
    for credit_code, problem in (
        ("X", "credit-code-invalid"),
        ("91350200776049653A", "organization-not-found"),
    ):
        unknown = CliRunner().invoke(main, ["ingest", str(path), "--as", credit_code], env=cli_env)
        assert unknown.exit_code == 1
        assert problem in unknown.output
    broken = tmp_path / "broken.csv"
    broken.write_bytes("源记录编号".encode("utf-16"))
    failed = CliRunner().invoke(main, ["ingest", str(broken), "--as", code], env=cli_env)
    assert failed.exit_code == 1
    assert "encoding-unsupported" in failed.output
