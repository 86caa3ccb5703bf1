"""Wiring of the ai service."""

from collections.abc import Callable
from pathlib import Path

from matjip_ai.api.routes import router
from matjip_ai.components import AiComponents, components_with
from matjip_ai.domain.embedding import Embedder
from matjip_ai.embedding.minilm import load_minilm
from matjip_ai.events.handlers import handlers
from matjip_platform.service import ServiceDefinition
from matjip_platform.settings import ServiceSettings

DESCRIPTION = (
    "Review-based menu Q&A and dish recommendations. Answers are extractive (retrieved and quoted from "
    "reviews with a local all-MiniLM-L6-v2 embedding model), not generated."
)


def build_definition(
    load_embedder: Callable[[], Embedder] = load_minilm,
) -> ServiceDefinition[ServiceSettings, AiComponents]:
    return ServiceDefinition(
        name="ai",
        title="Matjip ai",
        description=DESCRIPTION,
        migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
        schema="ai",
        settings_class=ServiceSettings,
        components=components_with(load_embedder),
        routers=[router],
        handlers=handlers,
    )


definition = build_definition()
