"""The envelope: what a valid message looks like, and every way a poison message is recognised."""

import json
import uuid
from datetime import UTC, datetime

import pytest

from matjip_contracts.events import PaymentAuthorized
from matjip_platform.envelope import Envelope, InvalidMessage


def authorized() -> PaymentAuthorized:
    return PaymentAuthorized(order_id=uuid.uuid4(), payment_id=uuid.uuid4(), amount=12000)


def test_a_wrapped_event_survives_the_trip_through_kafka_fields() -> None:
    event = authorized()
    traceparent = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    sent = Envelope.wrap(event, source="payment", trace_headers={"traceparent": traceparent})

    received = Envelope.from_kafka(sent.key.encode(), sent.kafka_value(), sent.kafka_headers())

    assert received == sent
    assert received.parse() == event
    assert received.key == str(event.order_id)
    assert dict(sent.kafka_headers())["event_type"] == b"payment.authorized"


@pytest.mark.parametrize("missing", ["event_id", "event_type", "event_version", "source", "occurred_at"])
def test_a_message_without_a_required_header_is_invalid(missing: str) -> None:
    sent = Envelope.wrap(authorized(), source="payment")
    headers = [(k, v) for k, v in sent.kafka_headers() if k != missing]

    with pytest.raises(InvalidMessage, match=missing):
        Envelope.from_kafka(sent.key.encode(), sent.kafka_value(), headers)


@pytest.mark.parametrize(
    ("value", "reason"),
    [(b"not json", "not JSON"), (b"[1, 2]", "not a JSON object"), (b"\xff\xfe", "not JSON"), (None, "not JSON")],
)
def test_a_value_that_is_not_a_json_object_is_invalid(value: bytes | None, reason: str) -> None:
    sent = Envelope.wrap(authorized(), source="payment")
    with pytest.raises(InvalidMessage, match=reason):
        Envelope.from_kafka(sent.key.encode(), value, sent.kafka_headers())


def test_malformed_headers_are_invalid() -> None:
    sent = Envelope.wrap(authorized(), source="payment")
    headers = dict(sent.kafka_headers())
    headers["event_version"] = b"one"
    with pytest.raises(InvalidMessage, match="malformed header"):
        Envelope.from_kafka(sent.key.encode(), sent.kafka_value(), list(headers.items()))


def test_a_message_without_a_key_is_invalid() -> None:
    sent = Envelope.wrap(authorized(), source="payment")
    with pytest.raises(InvalidMessage, match="no key"):
        Envelope.from_kafka(None, sent.kafka_value(), sent.kafka_headers())


def test_an_unknown_type_or_version_cannot_be_parsed() -> None:
    sent = Envelope.wrap(authorized(), source="payment")
    newer = Envelope(**{**sent.__dict__, "event_version": 99})
    with pytest.raises(InvalidMessage, match=r"unknown event type payment\.authorized v99"):
        newer.parse()


def test_a_payload_that_breaks_the_contract_is_invalid() -> None:
    sent = Envelope.wrap(authorized(), source="payment")
    broken = Envelope(**{**sent.__dict__, "payload": {**sent.payload, "amount": "lots"}})
    with pytest.raises(InvalidMessage, match="amount"):
        broken.parse()
    extra = Envelope(**{**sent.__dict__, "payload": {**sent.payload, "surprise": 1}})
    with pytest.raises(InvalidMessage, match="surprise"):
        extra.parse()


def test_the_key_must_be_the_aggregate_of_the_payload() -> None:
    sent = Envelope.wrap(authorized(), source="payment")
    moved = Envelope(**{**sent.__dict__, "key": str(uuid.uuid4())})
    with pytest.raises(InvalidMessage, match="does not match"):
        moved.parse()


def test_the_value_is_compact_json_of_the_payload() -> None:
    event = authorized()
    sent = Envelope.wrap(event, source="payment")
    assert json.loads(sent.kafka_value()) == event.model_dump(mode="json")
    assert sent.occurred_at <= datetime.now(UTC)
