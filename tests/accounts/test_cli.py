"""``chengxin user create``: the initial password is printed once and signs in."""

from __future__ import annotations

import json

from click.testing import CliRunner

from chengxin.accounts import service as accounts_service
from chengxin.cli import main
from chengxin.runtime import Runtime


def test_user_create_prints_the_initial_password_once(
    cli_env: dict[str, str],
    runtime: Runtime,
) -> None:
    env = {**cli_env, "CHENGXIN_PASSWORD_HASH_MEMORY_KIB": "1024"}
    runner = CliRunner()
    code = "91350200776049653A"
    args = ["org", "create", "--credit-code", code, "--name", "丁单位", "--kind", "operator"]
    assert runner.invoke(main, args, env=env).exit_code == 0
    created = runner.invoke(
        main,
        ["user", "create", "Li.Si", "--org", code, "--role", "auditor", "--region", "420100"],
        env=env,
    )
    assert created.exit_code == 0, created.output
    first, second = created.stdout.strip().splitlines()
    assert json.loads(first)["login"] == "li.si"
    password = second.rsplit(": ", 1)[1]
    issued = accounts_service.login(
        runtime.scope,
        login="li.si",
        password=password,
        client_ip=None,
        policy=accounts_service.Policy.from_settings(runtime.settings),
    )
    assert issued.actor.region_code == "420100"
    bad = runner.invoke(main, ["user", "create", "x.y", "--org", code, "--role", "king"], env=env)
    assert bad.exit_code == 1
    assert "role-unknown" in bad.output
