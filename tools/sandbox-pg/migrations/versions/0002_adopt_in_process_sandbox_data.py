"""Take over what the sandbox PG held when it ran inside the payment process (payment's `sandbox_*` tables,
migration 0002 of payment): charges, stored answers, scenarios and confirm attempts, as they are.

Without them, a local stack upgraded with orders in flight would lose its charges: a refund of an order
authorized before the upgrade would find no payment to cancel, and a customer's declined card would
approve again. Copied, not moved: the tables stay in payment's schema until a later release of payment
drops them (expand/contract - an older payment image, rolled back, still runs its in-process sandbox on
them), and rows already here win, so running this on a schema that has them is harmless.

A database with no such tables (a new stack, a test's throwaway database, any cluster) copies nothing.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

from matjip_contracts.services import service

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
backward_compatible = True

# Where the in-process sandbox kept them: payment's schema.
OLD_SCHEMA = service("payment").schema

# (old table, new table, columns): the columns are the same on both sides.
ADOPTED = (
    (
        "sandbox_charges",
        "charges",
        (
            "payment_key",
            "order_id",
            "customer_id",
            "amount",
            "status",
            "confirm_idempotency_key",
            "requested_at",
            "approved_at",
            "canceled_at",
            "cancel_reason",
        ),
    ),
    ("sandbox_idempotency", "idempotency_keys", ("idempotency_key", "operation", "status_code", "body", "created_at")),
    ("sandbox_scenarios", "scenarios", ("customer_id", "behaviour", "updated_at")),
    ("sandbox_confirm_attempts", "confirm_attempts", ("order_id", "attempts")),
)


def upgrade() -> None:
    bind = op.get_bind()
    for old, new, columns in ADOPTED:
        source = f'"{OLD_SCHEMA}"."{old}"'
        if not bind.scalar(sa.text("SELECT to_regclass(:t) IS NOT NULL"), {"t": source}):
            continue
        names = ", ".join(columns)
        # Unqualified target: the migration runs with search_path set to the sandbox's own schema.
        op.execute(f"INSERT INTO {new} ({names}) SELECT {names} FROM {source} ON CONFLICT DO NOTHING")


def downgrade() -> None:
    pass  # the originals were never touched
