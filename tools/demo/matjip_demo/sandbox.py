"""The one place the demo reaches the payment sandbox: how a simulated customer's card behaves.

The local stack's payment service runs a sandbox PG (MATJIP_PAYMENT_GATEWAY=sandbox) that answers each
customer's payments by a scenario set per customer id. A card that is declined is a property of a
person, as in life: the rush gives a few of its customers such a card. If the sandbox moves or changes
how scenarios are set, this module is all that changes.
"""

from __future__ import annotations

from enum import StrEnum

from matjip_demo.client import Person

SCENARIOS = "/api/payment/sandbox-pg/scenarios"


class Card(StrEnum):
    GOOD = "approve"
    DECLINED = "decline"


async def give_card(customer: Person, card: Card) -> None:
    """From now on the sandbox PG answers `customer`'s payments as `card` does (unauthenticated: sandbox only)."""
    await customer.call("PUT", f"{SCENARIOS}/{customer.user_id}", json={"behaviour": card.value}, auth=False)
