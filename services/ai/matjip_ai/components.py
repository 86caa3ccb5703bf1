"""The ai service's collaborators, built at start from what the platform provides."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from matjip_ai.domain.embedding import Embedder
from matjip_ai.embedding.holder import EmbedderHolder, LoadReport
from matjip_platform.service import Platform
from matjip_platform.settings import ServiceSettings
from matjip_platform.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class AiComponents:
    unit_of_work: UnitOfWorkFactory
    embedder: Embedder  # loaded before the consumer and the HTTP server start: neither waits for it
    embedder_load: LoadReport


def components_with(
    load_embedder: Callable[[], Embedder],
) -> Callable[[Platform[ServiceSettings]], Awaitable[AiComponents]]:
    async def build_components(platform: Platform[ServiceSettings]) -> AiComponents:
        models = EmbedderHolder(load_embedder)
        report = await models.load()
        return AiComponents(platform.unit_of_work, models.embedder, report)

    return build_components
