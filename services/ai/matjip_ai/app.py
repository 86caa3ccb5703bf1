"""Wiring of the ai service."""

from collections.abc import Callable
from pathlib import Path

from matjip_ai.api.routes import EMBEDDER, router
from matjip_ai.domain.embedding import Embedder
from matjip_ai.embedding.holder import EmbedderHolder
from matjip_ai.embedding.minilm import load_minilm
from matjip_ai.events.handlers import build_handlers
from matjip_platform.service import Runtime, ServiceDefinition

DESCRIPTION = (
    "Review-based menu Q&A and dish recommendations. Answers are extractive (retrieved and quoted from "
    "reviews with a local all-MiniLM-L6-v2 embedding model), not generated."
)


def build_definition(load_embedder: Callable[[], Embedder] = load_minilm) -> ServiceDefinition:
    models = EmbedderHolder(load_embedder)

    async def on_startup(runtime: Runtime) -> None:
        # Before the consumer and the HTTP server start: neither ever waits for the model.
        await models.load()
        runtime.extras[EMBEDDER] = models.embedder
        runtime.extras["embedder_load"] = models.report

    return ServiceDefinition(
        name="ai",
        title="Matjip ai",
        description=DESCRIPTION,
        migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
        schema="ai",
        routers=[router],
        handlers=build_handlers(models),
        on_startup=on_startup,
    )


definition = build_definition()
