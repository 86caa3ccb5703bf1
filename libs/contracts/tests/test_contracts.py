"""The contracts stay coherent: every event travels on a known topic, and the AsyncAPI copy is current."""

import json
from pathlib import Path
from typing import Any

from matjip_contracts import events, topics
from matjip_contracts.asyncapi import document
from matjip_contracts.registry import EVENT_MODELS

ASYNCAPI_COPY = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.json"


def test_every_exported_event_is_registered_once_on_a_known_topic() -> None:
    exported = [getattr(events, name) for name in events.__all__]
    models = [m for m in exported if isinstance(m, type) and issubclass(m, events.Event) and m is not events.Event]
    assert len(models) == len(EVENT_MODELS)
    for model in models:
        assert model.topic in topics.ALL_TOPICS, model
        assert model.model_config.get("extra") == "forbid", model


def test_dead_letter_topics_are_named_after_their_source() -> None:
    assert topics.dead_letter_topic(topics.ORDER_EVENTS) == "order.events.dlq"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/")]
    return node


def test_the_asyncapi_document_resolves_and_covers_every_event() -> None:
    doc = document()
    for ref in _refs(doc):
        assert _resolve(doc, ref) is not None, ref
    names = {message["name"] for message in doc["components"]["messages"].values()}
    assert names == {event_type for event_type, _ in EVENT_MODELS}


def test_the_committed_asyncapi_copy_is_current() -> None:
    # Refresh with: uv run python -m matjip_contracts.asyncapi > docs/asyncapi.json
    assert json.loads(ASYNCAPI_COPY.read_text()) == json.loads(json.dumps(document()))
