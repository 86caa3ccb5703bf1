"""Look up the payload model of an (event type, version) pair."""

from matjip_contracts import events
from matjip_contracts.events.base import Event

EVENT_MODELS: dict[tuple[str, int], type[Event]] = {
    (model.event_type, model.event_version): model
    for name in events.__all__
    if isinstance(model := getattr(events, name), type) and issubclass(model, Event) and model is not Event
}


def event_model(event_type: str, version: int) -> type[Event] | None:
    return EVENT_MODELS.get((event_type, version))
