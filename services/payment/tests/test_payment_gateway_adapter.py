"""The Toss-style adapter's rules against a scripted PG (httpx.MockTransport): what is retried (timeouts
and network errors, with the same Idempotency-Key), what never is (a 4xx decline), and how answers map
to domain outcomes."""

import base64
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from matjip_payment.domain import gateway as gw
from matjip_payment.gateway.toss import TossPaymentsGateway

ORDER = uuid.uuid4()
CUSTOMER = uuid.uuid4()
PAYMENT_KEY = gw.checkout_payment_key(ORDER, CUSTOMER)
SECRET = "test_sk_unit"

Step = Callable[[httpx.Request], httpx.Response]


def done(status: str = "DONE", **extra: Any) -> dict[str, Any]:
    return {
        "paymentKey": PAYMENT_KEY,
        "orderId": str(ORDER),
        "status": status,
        "totalAmount": 18000,
        "approvedAt": "2025-01-01T12:00:00+09:00",
        **extra,
    }


def answer(status: int, body: Any) -> Step:
    return lambda request: httpx.Response(status, json=body)


def error(status: int, code: str) -> Step:
    return answer(status, {"code": code, "message": f"{code} message"})


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


class ScriptedPG:
    """Answers each request with the next step of a script; records every request."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert self.steps, f"unexpected extra request {request.method} {request.url}"
        return self.steps.pop(0)(request)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def gateway(self, max_attempts: int = 3) -> TossPaymentsGateway:
        client = httpx.AsyncClient(
            base_url="http://pg.test", transport=httpx.MockTransport(self.handle), auth=httpx.BasicAuth(SECRET, "")
        )
        return TossPaymentsGateway(client, max_attempts=max_attempts, backoff_seconds=0.1, sleep=self.sleep)

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


CONFIRM = "POST /v1/payments/confirm"
LOOKUP = f"GET /v1/payments/orders/{ORDER}"


async def confirm(pg: ScriptedPG, max_attempts: int = 3) -> gw.ConfirmOutcome:
    return await pg.gateway(max_attempts).confirm(order_id=ORDER, customer_id=CUSTOMER, amount=18000)


async def test_confirm_sends_the_pg_contract_with_basic_auth_and_an_idempotency_key() -> None:
    pg = ScriptedPG(answer(200, done()))
    outcome = await confirm(pg)
    assert isinstance(outcome, gw.Approved)
    assert outcome.payment.state is gw.ChargeState.CHARGED and outcome.payment.amount == 18000
    [request] = pg.requests
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{SECRET}:".encode()).decode()
    assert request.headers["Idempotency-Key"] == gw.idempotency_key(ORDER, "confirm")
    assert httpx.Response(200, content=request.content).json() == {
        "paymentKey": PAYMENT_KEY,
        "orderId": str(ORDER),
        "amount": 18000,
    }


@pytest.mark.parametrize("failure", [timeout, refused], ids=["timeout", "connection_error"])
async def test_timeouts_and_network_errors_are_retried_with_the_same_idempotency_key(failure: Step) -> None:
    pg = ScriptedPG(failure, failure, answer(200, done()))
    outcome = await confirm(pg)
    assert isinstance(outcome, gw.Approved)
    assert pg.paths() == [CONFIRM] * 3
    assert {r.headers["Idempotency-Key"] for r in pg.requests} == {gw.idempotency_key(ORDER, "confirm")}
    assert len(pg.sleeps) == 2 and pg.sleeps[1] > pg.sleeps[0] * 0.9  # backs off between attempts


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (403, "REJECT_CARD_PAYMENT", gw.CARD_DECLINED),
        (400, "INVALID_CARD_EXPIRATION", gw.INVALID_CARD),
        (400, "EXCEED_MAX_DAILY_PAYMENT_COUNT", gw.LIMIT_EXCEEDED),
    ],
)
async def test_a_decline_is_final_and_never_retried(status: int, code: str, reason: str) -> None:
    pg = ScriptedPG(error(status, code))
    outcome = await confirm(pg)
    assert outcome == gw.Declined(code, f"{code} message")
    assert isinstance(outcome, gw.Declined) and outcome.reason == reason
    assert pg.paths() == [CONFIRM]
    assert pg.sleeps == []


async def test_after_a_5xx_the_adapter_asks_the_pg_instead_of_repeating_the_charge() -> None:
    pg = ScriptedPG(error(500, "FAILED_INTERNAL_SYSTEM_PROCESSING"), answer(200, done()))
    outcome = await confirm(pg)
    assert isinstance(outcome, gw.Approved) and outcome.payment.payment_key == PAYMENT_KEY
    assert pg.paths() == [CONFIRM, LOOKUP]


async def test_a_5xx_with_nothing_charged_is_unavailable() -> None:
    pg = ScriptedPG(error(500, "FAILED_INTERNAL_SYSTEM_PROCESSING"), error(404, "NOT_FOUND_PAYMENT"))
    outcome = await confirm(pg)
    assert isinstance(outcome, gw.Unavailable) and "FAILED_INTERNAL_SYSTEM_PROCESSING" in outcome.detail


async def test_already_processed_means_looking_up_the_charge() -> None:
    pg = ScriptedPG(error(400, "ALREADY_PROCESSED_PAYMENT"), answer(200, done()))
    assert isinstance(await confirm(pg), gw.Approved)
    assert pg.paths() == [CONFIRM, LOOKUP]


async def test_exhausted_retries_end_in_a_lookup_then_unavailable() -> None:
    pg = ScriptedPG(timeout, timeout, refused, refused)
    outcome = await confirm(pg, max_attempts=2)
    assert isinstance(outcome, gw.Unavailable)
    assert pg.paths() == [CONFIRM, CONFIRM, LOOKUP, LOOKUP]


async def test_exhausted_retries_find_a_charge_made_meanwhile() -> None:
    pg = ScriptedPG(timeout, timeout, answer(200, done()))
    assert isinstance(await confirm(pg, max_attempts=2), gw.Approved)


async def test_a_refused_key_is_our_misconfiguration_not_a_decline() -> None:
    pg = ScriptedPG(error(401, "UNAUTHORIZED_KEY"))
    assert isinstance(await confirm(pg), gw.Unavailable)
    assert pg.paths() == [CONFIRM]


async def cancel(pg: ScriptedPG) -> gw.CancelOutcome:
    return await pg.gateway().cancel(order_id=ORDER, payment_key=PAYMENT_KEY, reason="store_rejected")


async def test_cancel_sends_the_reason_and_its_own_idempotency_key() -> None:
    pg = ScriptedPG(timeout, answer(200, done("CANCELED")))
    assert await cancel(pg) == gw.Cancelled(PAYMENT_KEY)
    assert pg.paths() == [f"POST /v1/payments/{PAYMENT_KEY}/cancel"] * 2
    assert {r.headers["Idempotency-Key"] for r in pg.requests} == {gw.idempotency_key(ORDER, "cancel")}
    assert httpx.Response(200, content=pg.requests[0].content).json() == {"cancelReason": "store_rejected"}


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (error(400, "ALREADY_CANCELED_PAYMENT"), gw.Cancelled(PAYMENT_KEY)),
        (error(404, "NOT_FOUND_PAYMENT"), gw.NothingToCancel("NOT_FOUND_PAYMENT message")),
        (error(403, "NOT_CANCELABLE"), gw.CancelRefused("NOT_CANCELABLE", "NOT_CANCELABLE message")),
    ],
)
async def test_cancel_answers_map_to_outcomes_without_retry(step: Step, expected: gw.CancelOutcome) -> None:
    pg = ScriptedPG(step)
    assert await cancel(pg) == expected
    assert len(pg.requests) == 1


async def test_cancel_after_a_5xx_checks_whether_it_happened() -> None:
    pg = ScriptedPG(error(500, "FAILED_INTERNAL_SYSTEM_PROCESSING"), answer(200, done("CANCELED")))
    assert await cancel(pg) == gw.Cancelled(PAYMENT_KEY)


async def test_lookups_are_reads_without_idempotency_keys() -> None:
    pg = ScriptedPG(error(404, "NOT_FOUND_PAYMENT"))
    assert await pg.gateway().find_payment(ORDER) is None
    assert "Idempotency-Key" not in pg.requests[0].headers


async def test_listing_follows_the_cursor_across_pages() -> None:
    def page(count: int, start: int) -> Step:
        items = [
            {
                "transactionKey": f"tx{start + i}",
                "paymentKey": f"pk{start + i}",
                "orderId": str(uuid.uuid4()),
                "status": "DONE",
                "amount": 1000,
                "transactionAt": "2025-01-01T12:00:00+09:00",
            }
            for i in range(count)
        ]
        return answer(200, items)

    pg = ScriptedPG(page(100, 0), page(3, 100))
    now = datetime.now(UTC)
    found = await pg.gateway().list_payments(now - timedelta(hours=1), now)
    assert len(found) == 103
    assert pg.requests[1].url.params["startingAfter"] == "tx99"
    assert "startingAfter" not in pg.requests[0].url.params


async def test_listing_fails_loudly_when_the_pg_cannot_answer() -> None:
    pg = ScriptedPG(error(500, "FAILED_INTERNAL_SYSTEM_PROCESSING"))
    now = datetime.now(UTC)
    with pytest.raises(gw.GatewayUnavailable):
        await pg.gateway().list_payments(now - timedelta(hours=1), now)
