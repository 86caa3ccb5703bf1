"""Wiring of the ai service."""

from collections.abc import Callable
from pathlib import Path

from matjip_ai.api.routes import router
from matjip_ai.components import AiComponents, components_with
from matjip_ai.events.handlers import handlers
from matjip_ai.tasks.reindex import reindex_rows_of_other_models
from matjip_ai.text.models import TextModels, load_text_models
from matjip_platform.service import ServiceDefinition
from matjip_platform.settings import ServiceSettings

DESCRIPTION = (
    "Review-based menu Q&A and dish recommendations, in Korean and English. Answers are extractive "
    "(reviews retrieved with BM25 over Korean morphemes fused with local multilingual-e5-small embeddings, "
    "and quoted), not generated."
)


def build_definition(
    load_models: Callable[[], TextModels] = load_text_models,
) -> ServiceDefinition[ServiceSettings, AiComponents]:
    return ServiceDefinition(
        name="ai",
        title="Matjip ai",
        description=DESCRIPTION,
        migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
        schema="ai",
        settings_class=ServiceSettings,
        components=components_with(load_models),
        routers=[router],
        handlers=handlers,
        background=[reindex_rows_of_other_models],
    )


definition = build_definition()
