"""The AsyncAPI 3.0 document of every topic and event, generated from the contracts themselves.

`python -m matjip_contracts.asyncapi > docs/asyncapi.json` refreshes the committed copy; a test keeps it
in step with the code."""

import json
from typing import Any

from pydantic.json_schema import models_json_schema

from matjip_contracts import topics
from matjip_contracts.registry import EVENT_MODELS

HEADERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event_id", "event_type", "event_version", "source", "occurred_at"],
    "properties": {
        "event_id": {"type": "string", "format": "uuid"},
        "event_type": {"type": "string"},
        "event_version": {"type": "string", "pattern": "^[0-9]+$"},
        "source": {"type": "string", "description": "the service that published the event"},
        "occurred_at": {"type": "string", "format": "date-time"},
        "traceparent": {"type": "string", "description": "W3C trace context"},
        "tracestate": {"type": "string"},
    },
}


def _message_name(event_type: str, version: int) -> str:
    return f"{event_type.replace('.', '_').replace('-', '_')}_v{version}"


def document() -> dict[str, Any]:
    models = sorted(EVENT_MODELS.items())
    _, schemas = models_json_schema(
        [(model, "validation") for _, model in models], ref_template="#/components/schemas/{model}"
    )
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for (event_type, version), model in models:
        name = _message_name(event_type, version)
        messages[name] = {
            "name": event_type,
            "title": f"{event_type} v{version}",
            "summary": (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else event_type,
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/EnvelopeHeaders"},
            "payload": {"$ref": f"#/components/schemas/{model.__name__}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": "the aggregate id"}}},
        }
        channel = channels.setdefault(
            model.topic,
            {
                "address": model.topic,
                "description": f"Keyed by aggregate id; poison messages go to {topics.dead_letter_topic(model.topic)}.",
                "messages": {},
            },
        )
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for topic, channel in channels.items():
        operations[f"publish_{topic.replace('.', '_')}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{topic}"},
            "messages": [{"$ref": f"#/channels/{topic}/messages/{m}"} for m in channel["messages"]],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Matjip events",
            "version": "1.0.0",
            "description": "Every topic and event of Matjip. Payloads are JSON; metadata travels in headers.",
        },
        "defaultContentType": "application/json",
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {
            "messages": messages,
            "schemas": {"EnvelopeHeaders": HEADERS_SCHEMA, **schemas.get("$defs", {})},
        },
    }


def main() -> None:
    print(json.dumps(document(), indent=2, sort_keys=False))


if __name__ == "__main__":
    main()
