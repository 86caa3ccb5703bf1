"""The demo's cards are scenarios of the sandbox PG, set where the sandbox serves them (the demo itself only
speaks HTTP to the edge; the end-to-end rush in tests/e2e/test_demo_city.py declines them for real)."""

from matjip_contracts.services import SANDBOX_PG
from matjip_demo.sandbox import SCENARIOS, Card
from matjip_sandbox_pg.scenarios import Behaviour


def test_cards_are_scenarios_of_the_sandbox_pg_at_its_path() -> None:
    assert f"{SANDBOX_PG.base_path}/scenarios" == SCENARIOS
    assert {card.value for card in Card} <= {behaviour.value for behaviour in Behaviour}
    assert Behaviour(Card.DECLINED.value) is Behaviour.DECLINE
