"""Rules of the reconciliation: what a charge seen at the gateway means for the order's intent."""

from enum import StrEnum

from matjip_payment.domain.gateway import ChargeState
from matjip_payment.domain.intents import IntentStatus


class ChargeFinding(StrEnum):
    IN_AGREEMENT = "IN_AGREEMENT"
    UNKNOWN_CHARGE = "UNKNOWN_CHARGE"  # money taken that the intent does not know: record it as authorized
    REFUNDED_AT_GATEWAY = "REFUNDED_AT_GATEWAY"  # cancelled at the PG while the intent still holds it


def examine_charge(intent: IntentStatus | None, charge: ChargeState) -> ChargeFinding:
    if charge is ChargeState.CHARGED and intent in (None, IntentStatus.PENDING, IntentStatus.FAILED):
        return ChargeFinding.UNKNOWN_CHARGE
    if charge is ChargeState.CANCELLED and intent is IntentStatus.AUTHORIZED:
        return ChargeFinding.REFUNDED_AT_GATEWAY
    return ChargeFinding.IN_AGREEMENT
