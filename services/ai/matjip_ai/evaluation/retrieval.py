"""Runs the question-answering pipeline over the labelled set with the real models.

The expensive part (embedding 312 reviews and 286 questions) is done once in `prepare`; ranking with other
fusion weights or relevance thresholds then takes milliseconds, which is what tuning on the dev half needs.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from matjip_ai.domain.embedding import Embedder, TermAnalyzer, Vectors
from matjip_ai.domain.language import DEFAULT_LANGUAGE, Language, detect_language
from matjip_ai.domain.questions import StoredReview, StoreReviews, passages, question_terms, with_menu_names
from matjip_ai.domain.retrieval import FusionWeights, Relevance
from matjip_ai.evaluation.dataset import LabelledQuestion, LabelledStore
from matjip_ai.evaluation.metrics import Outcome


@dataclass(frozen=True)
class PreparedQuestion:
    question: LabelledQuestion
    vector: Vectors
    terms: tuple[str, ...]
    written_in: Language  # as detected: the relevance decision depends on it


@dataclass(frozen=True)
class PreparedStore:
    store: LabelledStore
    reviews: StoreReviews
    questions: tuple[PreparedQuestion, ...]


def stored_reviews(store: LabelledStore, embedder: Embedder, analyzer: TermAnalyzer) -> list[StoredReview]:
    """The store's reviews as the service stores them when ReviewPosted arrives."""
    found = []
    for review in store.reviews:
        vectors = embedder.embed_passages(passages(review.text))
        found.append(
            StoredReview(
                review_id=review.review_id,
                rating=review.rating,
                text=review.text,
                menu_item_ids=review.menu_item_ids,
                posted_at=review.posted_at,
                embedding=vectors[0],
                sentence_embeddings=vectors[1:],
                terms=tuple(analyzer.terms(review.text)),
            )
        )
    return found


def prepare(stores: Sequence[LabelledStore], embedder: Embedder, analyzer: TermAnalyzer) -> list[PreparedStore]:
    prepared = []
    for store in stores:
        questions = [with_menu_names(q.text, store.menu) for q in store.questions]
        vectors = embedder.embed_queries(questions)
        prepared.append(
            PreparedStore(
                store=store,
                reviews=StoreReviews(stored_reviews(store, embedder, analyzer), embedder.dimension),
                questions=tuple(
                    PreparedQuestion(
                        q,
                        vectors[i],
                        tuple(question_terms(questions[i], store.menu, analyzer)),
                        detect_language(q.text) or DEFAULT_LANGUAGE,
                    )
                    for i, q in enumerate(store.questions)
                ),
            )
        )
    return prepared


def outcomes(
    prepared: Sequence[PreparedStore], fusion: FusionWeights, relevance: Relevance, top_k: int = 3
) -> list[Outcome]:
    """What the service would answer to each question: the ranking, and whether any of the top_k reviews
    it returns is relevant (what the API calls `grounded`)."""
    found = []
    for store in prepared:
        for question in store.questions:
            ranked = store.reviews.index.rank(question.vector, list(question.terms), fusion)
            grounded = any(relevance.relevant(r.dense, r.coverage, question.written_in) for r in ranked[:top_k])
            ranking = tuple(store.reviews.reviews[r.position].review_id for r in ranked)
            found.append(Outcome(question.question, ranking, grounded))
    return found
