"""HTTP routes of ai, under /api/ai."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query

from matjip_ai import application
from matjip_ai.api.language import accepted_language
from matjip_ai.api.schemas import AnswerOut, QuestionRequest, RecommendationOut, RecommendationsOut
from matjip_ai.components import AiComponents
from matjip_ai.domain.language import DEFAULT_LANGUAGE, Language, choose_language
from matjip_ai.domain.recommendations import MAX_LIMIT
from matjip_contracts.events.common import Role
from matjip_platform.auth import Principal
from matjip_platform.http import CurrentPrincipal, components_of, require_role

router = APIRouter(prefix="/api/ai", tags=["ai"])

Components = Annotated[AiComponents, Depends(components_of(AiComponents))]


AcceptLanguage = Annotated[
    str | None,
    Header(
        alias="Accept-Language",
        description="Used when neither the body nor the question itself settles the language (ko or en).",
    ),
]


@router.post(
    "/stores/{store_id}/questions",
    response_model=AnswerOut,
    summary="Ask a question about a store, answered from its reviews",
    description=(
        "Ranks the store's reviews for the question by BM25 over Korean morphemes and stemmed English words "
        "(MeCab-ko), fused with the cosine similarity of multilingual-e5-small sentence embeddings (computed "
        "locally), and returns the closest ones with their ratings and menu items, plus a short **extractive** "
        "answer in the asker's language (Korean or English: the body's `language`, else the question's own "
        "language, else `Accept-Language`): how many reviews address the question, their average rating, the "
        "closest review sentence quoted verbatim, and the menu items (with prices in won) they are about. When "
        "no review addresses the question the answer says so (`grounded: false`). No generative language model "
        "is involved, so the answer never says anything the reviews and the menu do not. A store without "
        "reviews gets a 200 saying so; an unknown store, 404."
    ),
    responses={404: {"description": "unknown store"}, 401: {"description": "no valid access token"}},
)
async def ask_question(
    store_id: UUID,
    body: QuestionRequest,
    components: Components,
    principal: CurrentPrincipal,
    accept_language: AcceptLanguage = None,
) -> AnswerOut:
    language = choose_language(body.question, body.language, accepted_language(accept_language))
    answer = await application.ask_about_store(components, store_id, body.question, body.top_k, language)
    return AnswerOut.of(store_id, body.question, answer, components.models.embedder.name)


@router.get(
    "/recommendations",
    response_model=RecommendationsOut,
    summary="Dishes recommended to the calling customer",
    description=(
        "Orderable dishes (not sold out, not removed) the customer has not ordered yet, ranked by how often "
        "they were in the same completed order as the customer's own dishes (across all customers), by what "
        "reviews say about them compared with what the customer's dishes are praised for (spicy, crispy, "
        "generous...), and by how close their names are to those dishes' names; well-rated dishes rank "
        "higher. The remaining places, or all of them for a customer without completed orders, go to the "
        "most ordered dishes. Each comes with the reason it was chosen, in Korean or English (`language`, "
        "else `Accept-Language`, else Korean)."
    ),
    responses={401: {"description": "no valid access token"}, 403: {"description": "not a customer"}},
)
async def recommendations(
    components: Components,
    principal: Annotated[Principal, Depends(require_role(Role.CUSTOMER))],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    language: Annotated[Language | None, Query(description="ko or en")] = None,
    accept_language: AcceptLanguage = None,
) -> RecommendationsOut:
    chosen = language or accepted_language(accept_language) or DEFAULT_LANGUAGE
    found = await application.recommend_dishes(components, principal.user_id, limit, chosen)
    return RecommendationsOut(
        customer_id=principal.user_id,
        language=chosen,
        completed_orders_considered=found.completed_orders_considered,
        recommendations=[RecommendationOut.of(r) for r in found.recommendations],
    )
