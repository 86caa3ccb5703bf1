"""The ai service's collaborators, built at start from what the platform provides."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from matjip_ai.review_indexes import ReviewIndexes
from matjip_ai.text.holder import LoadReport, ModelsHolder
from matjip_ai.text.models import TextModels
from matjip_platform.service import Platform
from matjip_platform.settings import ServiceSettings
from matjip_platform.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class AiComponents:
    unit_of_work: UnitOfWorkFactory
    models: TextModels  # loaded before the consumer and the HTTP server start: neither waits for them
    models_load: LoadReport
    review_indexes: ReviewIndexes  # per-store retrieval indexes kept between questions


def components_with(
    load_models: Callable[[], TextModels],
) -> Callable[[Platform[ServiceSettings]], Awaitable[AiComponents]]:
    async def build_components(platform: Platform[ServiceSettings]) -> AiComponents:
        holder = ModelsHolder(load_models)
        report = await holder.load()
        return AiComponents(platform.unit_of_work, holder.models, report, ReviewIndexes())

    return build_components
