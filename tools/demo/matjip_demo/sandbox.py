"""The one place the demo reaches the payment sandbox: how a simulated customer's card behaves.

The local stack runs the sandbox payment gateway (tools/sandbox-pg) as a process of its own beside
payment, behind the edge at /api/sandbox-pg; payment pays through it as through a real PG, and it answers
each customer's payments by a scenario set per customer id. A card that is declined is a property of a
person, as in life: the rush gives a few of its customers such a card. If the sandbox moves or changes
how scenarios are set, this module is all that changes.
"""

from __future__ import annotations

from enum import StrEnum

from matjip_demo.client import Person

# The sandbox PG's control API behind the edge (matjip_contracts.services.SANDBOX_PG.base_path).
SCENARIOS = "/api/sandbox-pg/scenarios"


class Card(StrEnum):
    GOOD = "approve"
    DECLINED = "decline"


async def give_card(customer: Person, card: Card) -> None:
    """From now on the sandbox PG answers `customer`'s payments as `card` does (unauthenticated: it runs in
    the local stack only)."""
    await customer.call("PUT", f"{SCENARIOS}/{customer.user_id}", json={"behaviour": card.value}, auth=False)
