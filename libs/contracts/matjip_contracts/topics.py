"""Topic names. Every topic is keyed by its aggregate id (the order id on the order path)."""

from typing import Final

AUTH_EVENTS: Final = "auth.events"
USER_EVENTS: Final = "user.events"
STORE_EVENTS: Final = "store.events"
STORE_COMMANDS: Final = "store.commands"
ORDER_EVENTS: Final = "order.events"
PAYMENT_COMMANDS: Final = "payment.commands"
PAYMENT_EVENTS: Final = "payment.events"

ALL_TOPICS: Final = (
    AUTH_EVENTS,
    USER_EVENTS,
    STORE_EVENTS,
    STORE_COMMANDS,
    ORDER_EVENTS,
    PAYMENT_COMMANDS,
    PAYMENT_EVENTS,
)

DLQ_SUFFIX: Final = ".dlq"


def dead_letter_topic(topic: str) -> str:
    """The dead-letter topic that receives the messages of `topic` no consumer could process."""
    return topic + DLQ_SUFFIX
