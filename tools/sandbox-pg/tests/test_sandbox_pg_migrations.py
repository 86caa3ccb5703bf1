"""A local stack upgraded from the in-process sandbox (payment's `sandbox_*` tables, payment migration 0002)
keeps what its PG held: the sandbox PG's migrations copy it into their own schema, and payment's tables
are left as they were (expand/contract: an older payment image still runs on them)."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import matjip_payment
from matjip_devstack.infra import Infra
from matjip_devstack.testing import create_test_database, drop_test_database
from matjip_payment.domain.gateway import checkout_payment_key, idempotency_key
from matjip_platform.migrations import alembic_config, upgrade_to_head
from matjip_platform.settings import ServiceSettings
from matjip_sandbox_pg.client import Behaviour, SandboxPgClient
from matjip_sandbox_pg.testing import running_sandbox_pg

from .pg_support import confirm_body

pytestmark = pytest.mark.integration

PAYMENT_MIGRATIONS = Path(matjip_payment.__file__).resolve().parent.parent / "migrations"
IN_PROCESS_SANDBOX_REVISION = "0002"  # payment's last revision whose code ran the sandbox in-process


@pytest.fixture
async def upgraded_database(infra: Infra) -> AsyncIterator[str]:
    database_url = create_test_database(infra, "sandbox_pg_upgrade")
    try:
        yield database_url
    finally:
        drop_test_database(infra, database_url)


async def test_an_upgraded_stack_keeps_the_charges_answers_and_scenarios_of_the_in_process_sandbox(
    upgraded_database: str,
) -> None:
    payment = ServiceSettings(database_url=upgraded_database, service_name="payment", db_schema="payment")
    config = alembic_config(payment, PAYMENT_MIGRATIONS)
    await asyncio.to_thread(command.upgrade, config, IN_PROCESS_SANDBOX_REVISION)

    # What the in-process sandbox left: an order charged, one refunded, a customer whose card is declined.
    charged, refunded = uuid.uuid4(), uuid.uuid4()
    payer, declined = uuid.uuid4(), uuid.uuid4()
    charged_key, refunded_key = checkout_payment_key(charged, payer), checkout_payment_key(refunded, payer)
    at = datetime.now(UTC) - timedelta(hours=1)
    stored = {"paymentKey": charged_key, "orderId": str(charged), "status": "DONE", "totalAmount": 12000}
    engine = create_async_engine(upgraded_database)
    try:
        async with engine.begin() as conn:
            insert_charge = text(
                "INSERT INTO payment.sandbox_charges (payment_key, order_id, customer_id, amount, status, "
                "confirm_idempotency_key, requested_at, approved_at, canceled_at, cancel_reason) "
                "VALUES (:key, :order, :customer, :amount, :status, :idem, :at, :at, :canceled, :reason)"
            )
            await conn.execute(
                insert_charge,
                {
                    "key": charged_key,
                    "order": str(charged),
                    "customer": payer,
                    "amount": 12000,
                    "status": "DONE",
                    "idem": idempotency_key(charged, "confirm"),
                    "at": at,
                    "canceled": None,
                    "reason": None,
                },
            )
            await conn.execute(
                insert_charge,
                {
                    "key": refunded_key,
                    "order": str(refunded),
                    "customer": payer,
                    "amount": 8000,
                    "status": "CANCELED",
                    "idem": idempotency_key(refunded, "confirm"),
                    "at": at,
                    "canceled": at,
                    "reason": "store_rejected",
                },
            )
            await conn.execute(
                text(
                    "INSERT INTO payment.sandbox_idempotency (idempotency_key, operation, status_code, body) "
                    "VALUES (:key, 'confirm', 200, CAST(:body AS jsonb))"
                ),
                {"key": idempotency_key(charged, "confirm"), "body": json.dumps(stored)},
            )
            await conn.execute(
                text("INSERT INTO payment.sandbox_scenarios (customer_id, behaviour) VALUES (:c, 'decline')"),
                {"c": declined},
            )
            await conn.execute(
                text("INSERT INTO payment.sandbox_confirm_attempts (order_id, attempts) VALUES (:o, 1)"),
                {"o": str(charged)},
            )

        # The upgrade: payment to its head, the sandbox PG as its own process (its migrations included).
        await asyncio.to_thread(upgrade_to_head, payment, PAYMENT_MIGRATIONS)
        async with (
            running_sandbox_pg(upgraded_database) as sandbox,
            SandboxPgClient.at(sandbox.root_url) as control,
            httpx.AsyncClient(
                base_url=sandbox.pg_url, auth=httpx.BasicAuth(sandbox.secret_key, ""), timeout=10.0
            ) as pg,
        ):
            [charge] = await control.charges(charged)
            assert (charge.payment_key, charge.customer_id, charge.amount, charge.status) == (
                charged_key,
                payer,
                12000,
                "DONE",
            )
            assert charge.approved_at == at
            [old_refund] = await control.charges(refunded)
            assert (old_refund.status, old_refund.cancel_reason) == ("CANCELED", "store_rejected")
            assert await control.scenario(declined) is Behaviour.DECLINE

            # payment's retried confirm gets the first answer, and no second charge.
            retried = await pg.post(
                "/v1/payments/confirm",
                json=confirm_body(charged, payer, amount=12000),
                headers={"Idempotency-Key": idempotency_key(charged, "confirm")},
            )
            assert retried.status_code == 200 and retried.json() == stored
            # An order authorized before the upgrade can still be refunded; its reconciliation still sees it.
            cancel = await pg.post(
                f"/v1/payments/{charged_key}/cancel",
                json={"cancelReason": "customer_cancelled"},
                headers={"Idempotency-Key": idempotency_key(charged, "cancel")},
            )
            assert cancel.status_code == 200 and cancel.json()["status"] == "CANCELED"
            assert [c.status for c in await control.charges(charged)] == ["CANCELED"]
            looked_up = await pg.get(f"/v1/payments/orders/{refunded}")
            assert looked_up.status_code == 200 and looked_up.json()["paymentKey"] == refunded_key
            # The declined customer is still declined.
            other = uuid.uuid4()
            refused = await pg.post("/v1/payments/confirm", json=confirm_body(other, declined))
            assert refused.status_code == 403 and refused.json()["code"] == "REJECT_CARD_PAYMENT"

        # Copied, not moved: payment's own tables are as the older image left them.
        async with engine.connect() as conn:
            statuses = (
                await conn.execute(text("SELECT order_id, status FROM payment.sandbox_charges ORDER BY order_id"))
            ).all()
        assert sorted(statuses) == sorted([(str(charged), "DONE"), (str(refunded), "CANCELED")])
    finally:
        await engine.dispose()


async def test_a_database_without_the_in_process_sandbox_adopts_nothing(upgraded_database: str) -> None:
    async with running_sandbox_pg(upgraded_database) as sandbox, SandboxPgClient.at(sandbox.root_url) as control:
        assert await control.charges() == []
