"""How the local stack wires payment to the sandbox PG: both started by `./matjip up` (and by the isolated
platforms), payment pointed at the sandbox's URL, both holding one merchant key made at start and kept in
.data so that either can be restarted alone. No process is started here (tools/sandbox-pg/tests starts
the sandbox through the same ServiceStack; tests/e2e runs the whole platform)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from matjip_contracts.services import SANDBOX_PG
from matjip_devstack import secrets
from matjip_devstack.edge import default_upstreams
from matjip_devstack.services import PROCESSES, SERVICES
from matjip_devstack.stack import ServiceStack


def test_the_stack_runs_the_sandbox_pg_beside_the_services_and_routes_it() -> None:
    assert [p.name for p in PROCESSES] == [*(s.name for s in SERVICES), SANDBOX_PG.name]
    assert SANDBOX_PG.name in default_upstreams()


def test_payment_pays_through_the_sandbox_with_the_key_both_hold(tmp_path: Path) -> None:
    stack = ServiceStack(log_dir=tmp_path, ports={"sandbox-pg": 18190}, sandbox_pg_key="test_sk_made_at_start")
    payment, sandbox, order = stack.env_for("payment"), stack.env_for("sandbox-pg"), stack.env_for("order")
    assert payment["MATJIP_PAYMENT_GATEWAY"] == "sandbox"
    assert payment["MATJIP_PAYMENT_GATEWAY_BASE_URL"] == "http://127.0.0.1:18190/api/sandbox-pg"
    assert payment["MATJIP_PAYMENT_GATEWAY_SECRET_KEY"] == "test_sk_made_at_start"
    assert sandbox["MATJIP_SANDBOX_PG_SECRET_KEY"] == "test_sk_made_at_start"
    assert (sandbox["MATJIP_HTTP_PORT"], sandbox["MATJIP_DB_SCHEMA"]) == ("18190", SANDBOX_PG.schema)
    assert not {k for k in order if "PAYMENT_GATEWAY" in k or "SANDBOX_PG" in k}

    other = ServiceStack(log_dir=tmp_path)  # an isolated platform: a key of its own
    assert other.env_for("payment")["MATJIP_PAYMENT_GATEWAY_SECRET_KEY"].startswith("test_sk_")
    assert other.env_for("payment")["MATJIP_PAYMENT_GATEWAY_SECRET_KEY"] != "test_sk_made_at_start"


def test_the_local_stack_s_key_is_made_once_and_kept_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data" / "sandbox-pg.key"
    monkeypatch.setattr(secrets, "SANDBOX_PG_KEY", path)
    first = secrets.sandbox_pg_key()
    assert first.startswith("test_sk_") and len(first) > 30
    assert secrets.sandbox_pg_key() == first  # a later `./matjip up` gives both the same key again
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
