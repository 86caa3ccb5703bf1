"""Request and response bodies of the ai API."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from matjip_ai.domain.language import Language
from matjip_ai.domain.menu import Availability, MenuItem
from matjip_ai.domain.questions import DEFAULT_TOP_K, Answer, ReviewMatch
from matjip_ai.domain.recommendations import Basis, Recommendation


class QuestionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Two characters: a Korean question can be that short ("매워?").
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)] = Field(
        description="A question about the store's food or service, e.g. '떡볶이 많이 매워요?' or 'Is it spicy?'"
    )
    top_k: int = Field(default=DEFAULT_TOP_K, ge=1, le=10, description="How many reviews to return.")
    language: Language | None = Field(
        default=None,
        description="The language to answer in (ko or en); by default the question's own language.",
    )


class MenuItemOut(BaseModel):
    menu_item_id: UUID
    name: str
    price: int = Field(description="KRW (won)")
    availability: Availability

    @classmethod
    def of(cls, item: MenuItem) -> "MenuItemOut":
        return cls(menu_item_id=item.menu_item_id, name=item.name, price=item.price, availability=item.availability)


class ReviewMatchOut(BaseModel):
    review_id: UUID
    rating: int
    similarity: float = Field(description="cosine similarity of the review (or its closest sentence) to the question")
    score: float = Field(description="the fused ranking score: similarity plus the weighted, normalised BM25 score")
    relevant: bool = Field(description="whether the review is taken to address the question")
    snippet: str = Field(description="the review's sentence closest to the question, verbatim")
    text: str
    posted_at: datetime
    menu_items: list[MenuItemOut]

    @classmethod
    def of(cls, match: ReviewMatch) -> "ReviewMatchOut":
        return cls(
            review_id=match.review.review_id,
            rating=match.review.rating,
            similarity=round(match.similarity, 4),
            score=round(match.score, 4),
            relevant=match.relevant,
            snippet=match.snippet,
            text=match.review.text,
            posted_at=match.review.posted_at,
            menu_items=[MenuItemOut.of(i) for i in match.menu_items],
        )


class AnswerOut(BaseModel):
    store_id: UUID
    question: str
    answer: str = Field(description="extractive: fixed phrases plus sentences quoted from reviews and menu facts")
    language: Language = Field(description="the language of the answer's own phrases")
    grounded: bool = Field(description="whether at least one review addresses the question")
    method: str
    model: str
    reviews_considered: int
    matches: list[ReviewMatchOut]
    menu_items_mentioned: list[MenuItemOut]

    @classmethod
    def of(cls, store_id: UUID, question: str, answer: Answer, model: str) -> "AnswerOut":
        return cls(
            store_id=store_id,
            question=question,
            answer=answer.text,
            language=answer.language,
            grounded=answer.grounded,
            method=(
                "extractive (reviews ranked by BM25 over morphemes fused with sentence-embedding similarity; "
                "no generative model)"
            ),
            model=model,
            reviews_considered=answer.reviews_considered,
            matches=[ReviewMatchOut.of(m) for m in answer.matches],
            menu_items_mentioned=[MenuItemOut.of(i) for i in answer.menu_items_mentioned],
        )


class RecommendationOut(BaseModel):
    menu_item_id: UUID
    store_id: UUID
    store_name: str | None
    name: str
    price: int = Field(description="KRW (won)")
    score: float
    basis: Basis
    reason: str

    @classmethod
    def of(cls, recommendation: Recommendation) -> "RecommendationOut":
        item = recommendation.dish.item
        return cls(
            menu_item_id=item.menu_item_id,
            store_id=item.store_id,
            store_name=recommendation.dish.store_name,
            name=item.name,
            price=item.price,
            score=recommendation.score,
            basis=recommendation.basis,
            reason=recommendation.reason,
        )


class RecommendationsOut(BaseModel):
    customer_id: UUID
    language: Language = Field(description="the language of the reasons")
    completed_orders_considered: int
    recommendations: list[RecommendationOut]
