"""Faults of the whole gateway, for drills of a PG in trouble: slow (the work is done, late), failing
(500 at once, nothing done), down (no answer at all, nothing done), each until cleared or for a while;
the control API keeps answering throughout."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from matjip_platform.testing import poll
from matjip_sandbox_pg.client import FaultKind, SandboxPgClient
from matjip_sandbox_pg.testing import RunningSandboxPg

from .pg_support import confirm_body, key_of

pytestmark = pytest.mark.integration


@pytest.fixture
async def drill(control: SandboxPgClient) -> AsyncIterator[SandboxPgClient]:
    """The control client, with the gateway healthy again after the test whatever happened in it."""
    try:
        yield control
    finally:
        await control.clear_fault()


@pytest.fixture
async def impatient(sandbox: RunningSandboxPg, pg: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A merchant that gives up after half a second, as payment's adapter gives up after its timeout."""
    async with httpx.AsyncClient(base_url=sandbox.pg_url, auth=pg.auth, timeout=0.5) as client:
        yield client


async def test_a_failing_gateway_answers_500_and_does_nothing(pg: httpx.AsyncClient, drill: SandboxPgClient) -> None:
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    fault = await drill.set_fault(FaultKind.ERROR)
    assert (fault.kind, fault.delay_seconds, fault.until) == (FaultKind.ERROR, None, None)

    confirm = await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))
    lookup = await pg.get(f"/v1/payments/orders/{order_id}")
    for response in (confirm, lookup):
        assert response.status_code == 500 and response.json()["code"] == "FAILED_INTERNAL_SYSTEM_PROCESSING"
    assert await drill.charges(order_id) == []  # the control API answers through the fault

    await drill.clear_fault()
    assert await drill.fault() is None
    again = await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))
    assert again.status_code == 200 and len(await drill.charges(order_id)) == 1  # no answer was stored meanwhile


async def test_a_gateway_that_is_down_answers_nobody_and_does_nothing(
    sandbox: RunningSandboxPg, impatient: httpx.AsyncClient, drill: SandboxPgClient
) -> None:
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    await drill.set_fault(FaultKind.DOWN)
    with pytest.raises(httpx.ReadTimeout):
        await impatient.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))
    async with httpx.AsyncClient(base_url=sandbox.pg_url, timeout=0.5) as keyless:
        with pytest.raises(httpx.ReadTimeout):
            await keyless.get(f"/v1/payments/orders/{order_id}")  # down before any key is checked
    assert await drill.charges(order_id) == []
    assert (await drill.fault()) is not None
    async with httpx.AsyncClient(base_url=sandbox.root_url) as http:
        assert (await http.get("/health/ready")).status_code == 200  # the process is fine; the PG is not


async def test_a_slow_gateway_still_charges_when_the_caller_has_given_up(
    pg: httpx.AsyncClient, impatient: httpx.AsyncClient, drill: SandboxPgClient
) -> None:
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    await drill.set_fault(FaultKind.SLOW, delay_seconds=1.5)
    with pytest.raises(httpx.ReadTimeout):
        await impatient.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))

    async def charged() -> bool:
        return len(await drill.charges(order_id)) == 1

    await poll(charged, "the slow PG did not make the charge its caller stopped waiting for")
    patient = await pg.get(f"/v1/payments/orders/{order_id}")  # a caller that waits long enough is answered
    assert patient.status_code == 200 and patient.json()["status"] == "DONE"


async def test_a_fault_for_a_while_clears_itself(pg: httpx.AsyncClient, drill: SandboxPgClient) -> None:
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    fault = await drill.set_fault(FaultKind.ERROR, for_seconds=0.5)
    assert fault.until is not None
    assert (await pg.get(f"/v1/payments/orders/{order_id}")).status_code == 500

    async def healthy() -> bool:
        return await drill.fault() is None

    await poll(healthy, "the fault did not end by itself")
    again = await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))
    assert again.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "slow"}, "body"),  # a slow gateway needs its delay
        ({"kind": "down", "delaySeconds": 3}, "body"),  # and only a slow one has one
        ({"kind": "flaky"}, "kind"),
        ({"kind": "error", "forSeconds": 0}, "forSeconds"),
    ],
)
async def test_a_fault_is_validated(sandbox: RunningSandboxPg, body: dict[str, object], field: str) -> None:
    async with httpx.AsyncClient(base_url=sandbox.root_url) as http:
        response = await http.put("/api/sandbox-pg/fault", json=body)
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == field
        missing = await http.get("/api/sandbox-pg/fault")
    assert missing.status_code == 404 and missing.json()["code"] == "no_fault"
