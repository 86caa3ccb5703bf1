"""The sandbox PG as the local stack runs it: `python -m matjip_sandbox_pg migrate|serve` started by the
devstack's ServiceStack, with the key the stack made (and gave payment too), health endpoints, metrics and
JSON logs; it refuses to run where customers pay."""

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from matjip_devstack.infra import Infra
from matjip_devstack.stack import ServiceStack, free_ports
from matjip_devstack.testing import create_test_database, drop_test_database

from .pg_support import confirm_body, key_of

pytestmark = pytest.mark.integration

NAME = "sandbox-pg"


@pytest.fixture(scope="module")
def stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceStack]:
    database_url = create_test_database(infra, "sandbox_pg_process")
    stack = ServiceStack(
        {"MATJIP_DATABASE_URL": database_url},
        log_dir=tmp_path_factory.mktemp("sandbox-pg"),
        ports=free_ports([NAME]),
    )
    try:
        stack.migrate_and_start([NAME], timeout=120)
        yield stack
    finally:
        stack.stop_all()
        drop_test_database(infra, database_url)


def test_payment_is_pointed_at_it_with_the_key_it_accepts(stack: ServiceStack) -> None:
    payment = stack.env_for("payment")
    assert payment["MATJIP_PAYMENT_GATEWAY"] == "sandbox"
    assert payment["MATJIP_PAYMENT_GATEWAY_BASE_URL"] == f"{stack.url(NAME)}/api/sandbox-pg"
    assert payment["MATJIP_PAYMENT_GATEWAY_SECRET_KEY"] == stack.env_for(NAME)["MATJIP_SANDBOX_PG_SECRET_KEY"]

    order_id, customer = uuid.uuid4(), uuid.uuid4()
    auth = httpx.BasicAuth(payment["MATJIP_PAYMENT_GATEWAY_SECRET_KEY"], "")
    with httpx.Client(base_url=payment["MATJIP_PAYMENT_GATEWAY_BASE_URL"], auth=auth, timeout=10) as pg:
        confirmed = pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "DONE"


def test_it_is_operable_like_a_service(stack: ServiceStack) -> None:
    with httpx.Client(base_url=stack.url(NAME), timeout=10) as http:
        assert http.get("/health/live").json() == {"status": "up"}
        ready = http.get("/health/ready").json()
        assert ready["status"] == "ready" and ready["checks"] == {"accepting": True, "database": True}
        http.get(f"/api/sandbox-pg/scenarios/{uuid.uuid4()}")
        assert 'route="/api/sandbox-pg/scenarios/{customer_id}"' in http.get("/metrics").text
        assert "/api/sandbox-pg/fault" in http.get("/api/sandbox-pg/openapi.json").json()["paths"]

    log = stack.log_path(NAME).read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    started = [line for line in lines if line["event"] == "sandbox_pg_started"]
    assert started and started[-1]["service"] == NAME and started[-1]["level"] == "info"
    assert stack.env_for(NAME)["MATJIP_SANDBOX_PG_SECRET_KEY"] not in log


def test_sigterm_stops_it_cleanly(stack: ServiceStack) -> None:
    handle = stack.handle(NAME)
    assert handle is not None and handle.popen is not None
    stack.stop(NAME)
    # Drained and shut down (its lifespan's end is logged), then uvicorn re-raises the SIGTERM it caught,
    # as every service's server does: killed by the signal only after a graceful stop, never SIGKILLed.
    assert handle.popen.returncode in (0, -signal.SIGTERM)
    log = stack.log_path(NAME).read_text()
    assert "sandbox_pg_stopped" in log and "Application shutdown complete." in log


@pytest.mark.parametrize(
    ("settings", "refusal"),
    [
        ({"MATJIP_ENVIRONMENT": "prod", "MATJIP_SANDBOX_PG_SECRET_KEY": "made-at-start"}, "refused in environment"),
        ({"MATJIP_ENVIRONMENT": "local", "MATJIP_SANDBOX_PG_SECRET_KEY": ""}, "MATJIP_SANDBOX_PG_SECRET_KEY"),
    ],
)
def test_it_refuses_to_run_where_customers_pay_or_without_a_key(
    settings: dict[str, str], refusal: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATJIP_")} | settings
    result = subprocess.run(
        [sys.executable, "-m", "matjip_sandbox_pg", "serve"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert refusal in result.stderr
