"""Answering a question about a store from its reviews, by retrieval and extraction.

There is no generative language model here. The answer is built in three steps:
1. rank the store's reviews by cosine similarity between the question's embedding and each review's
   (the whole text's or its closest sentence's, whichever is higher; both embedded when it arrived);
2. take each of the top-k reviews' closest sentence as its snippet;
3. compose a short answer from those: how many reviews speak to the question, their average rating,
   the best snippet quoted verbatim, and the menu items (with prices) the matching reviews are about.
Every word of the answer is either a fixed phrase or quoted from a review or the menu.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import numpy as np

from matjip_ai.domain.embedding import Embedder, Vectors, cosine_similarities
from matjip_ai.domain.menu import Availability, MenuItem, won

# Below this cosine similarity (all-MiniLM-L6-v2) a review is taken to be about something else. Measured
# on sample questions: a review that addresses the question scores 0.4-0.8 ("Is the tteokbokki spicy?" vs
# "The tteokbokki was very spicy..." 0.80), an unrelated one up to ~0.31.
RELEVANCE_THRESHOLD = 0.35
MAX_SNIPPET_CHARS = 240
MAX_SENTENCES_PER_REVIEW = 12
DEFAULT_TOP_K = 3

# Sentence ends: ".", "!" or "?" before a space; the ideographic full stop and fullwidth "!" and "?"
# (written as escapes), which need no space after them; line breaks.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[\u3002\uff01\uff1f])\s*|\n+")


@dataclass(frozen=True)
class StoredReview:
    review_id: UUID
    rating: int
    text: str
    menu_item_ids: tuple[UUID, ...]
    posted_at: datetime
    embedding: Vectors  # of the whole text
    sentence_embeddings: Vectors  # one row per sentence of split_sentences(text), in order


@dataclass(frozen=True)
class ReviewMatch:
    review: StoredReview
    similarity: float
    snippet: str
    menu_items: tuple[MenuItem, ...]

    @property
    def relevant(self) -> bool:
        return self.similarity >= RELEVANCE_THRESHOLD


@dataclass(frozen=True)
class Answer:
    text: str
    matches: tuple[ReviewMatch, ...]
    menu_items_mentioned: tuple[MenuItem, ...]
    reviews_considered: int

    @property
    def grounded(self) -> bool:
        """True when at least one review actually addresses the question."""
        return any(m.relevant for m in self.matches)


def answer_question(
    question: str,
    reviews: Sequence[StoredReview],
    menu: Mapping[UUID, MenuItem],
    embedder: Embedder,
    top_k: int = DEFAULT_TOP_K,
) -> Answer:
    """Answer `question` from `reviews` (one store's) and `menu` (that store's items, removed ones too).

    Only the question is embedded here; the reviews' vectors were computed when they arrived."""
    reviews = [r for r in reviews if r.text.strip()]  # a rating without words cannot answer anything
    if not reviews:
        return Answer(
            text="This store has no written reviews yet, so there is nothing to answer from.",
            matches=(),
            menu_items_mentioned=_items_named_in(question, menu),
            reviews_considered=0,
        )
    matches = tuple(rank_reviews(embedder.embed([question])[0], reviews, menu)[:top_k])
    relevant = [m for m in matches if m.relevant]
    mentioned = _mentioned_items(question, relevant, menu)
    return Answer(
        text=compose_answer(relevant, mentioned),
        matches=matches,
        menu_items_mentioned=mentioned,
        reviews_considered=len(reviews),
    )


def passages(text: str) -> list[str]:
    """What is embedded for a review when it arrives: the whole text, then each of its sentences."""
    return [text, *split_sentences(text)]


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()][:MAX_SENTENCES_PER_REVIEW]


def rank_reviews(
    question_vector: Vectors, reviews: Sequence[StoredReview], menu: Mapping[UUID, MenuItem]
) -> list[ReviewMatch]:
    """Every review scored against the question, most similar first (ties: the newer first).

    A review's similarity is the higher of its whole text's and its closest sentence's, so a long review
    with one sentence on the question is not drowned by the rest; that sentence is its snippet."""
    matches = [_match(question_vector, review, menu) for review in reviews]
    return sorted(matches, key=lambda m: (-round(m.similarity, 6), -m.review.posted_at.timestamp()))


def _match(question_vector: Vectors, review: StoredReview, menu: Mapping[UUID, MenuItem]) -> ReviewMatch:
    whole = float(cosine_similarities(question_vector, review.embedding.reshape(1, -1))[0])
    sentences = split_sentences(review.text)
    if not sentences or len(sentences) != review.sentence_embeddings.shape[0]:
        # No sentence vectors that line up with the text (e.g. stored by an older splitting rule).
        return ReviewMatch(review, whole, _shorten(review.text.strip()), _items_of(review, menu))
    per_sentence = cosine_similarities(question_vector, review.sentence_embeddings)
    best = int(np.argmax(per_sentence))
    similarity = max(whole, float(per_sentence[best]))
    return ReviewMatch(review, similarity, _shorten(sentences[best]), _items_of(review, menu))


def compose_answer(relevant: Sequence[ReviewMatch], mentioned: Sequence[MenuItem]) -> str:
    if not relevant:
        return (
            "No review of this store clearly addresses that question. "
            "The closest reviews are listed below, but they may be about something else."
        )
    count = len(relevant)
    average = sum(m.review.rating for m in relevant) / count
    noun = "review speaks" if count == 1 else "reviews speak"
    parts = [f'{count} {noun} to this (average rating {average:.1f}/5). The closest says: "{relevant[0].snippet}"']
    if mentioned:
        parts.append("Menu items mentioned: " + ", ".join(_describe(item) for item in mentioned) + ".")
    return " ".join(parts)


def _describe(item: MenuItem) -> str:
    match item.availability:
        case Availability.AVAILABLE:
            return f"{item.name} ({won(item.price)})"
        case Availability.SOLD_OUT:
            return f"{item.name} ({won(item.price)}, sold out now)"
        case Availability.REMOVED:
            return f"{item.name} (no longer on the menu)"


def _items_of(review: StoredReview, menu: Mapping[UUID, MenuItem]) -> tuple[MenuItem, ...]:
    """The items the reviewer tagged, plus the ones the text names."""
    tagged = [menu[i] for i in review.menu_item_ids if i in menu]
    return _unique([*tagged, *_items_named_in(review.text, menu)])


def _mentioned_items(
    question: str, relevant: Sequence[ReviewMatch], menu: Mapping[UUID, MenuItem]
) -> tuple[MenuItem, ...]:
    in_question = _items_named_in(question, menu)
    return _unique([*in_question, *(item for m in relevant for item in m.menu_items)])


def _items_named_in(text: str, menu: Mapping[UUID, MenuItem]) -> tuple[MenuItem, ...]:
    """Menu items whose name the text contains, in the order they appear."""
    remaining = text.casefold()
    found: list[tuple[int, MenuItem]] = []
    # Longest names first, and each found name blanked out, so "Cheese Tteokbokki" does not also count
    # as "Tteokbokki"; an orderable item wins over a removed one of the same name.
    for item in sorted(menu.values(), key=lambda i: (-len(i.name), not i.orderable)):
        name = item.name.casefold().strip()
        spans = _occurrences(name, remaining)
        if not spans:
            continue
        found.append((spans[0][0], item))
        for start, end in spans:
            remaining = remaining[:start] + " " * (end - start) + remaining[end:]
    return tuple(item for _, item in sorted(found, key=lambda pair: pair[0]))


def _occurrences(name: str, lowered_text: str) -> list[tuple[int, int]]:
    if not name:
        return []
    # Whole words for Latin names ("rice" must not match "price"); Korean particles attach to the noun
    # ("떡볶이가"), so there a plain substring is the useful match.
    pattern = rf"(?<!\w){re.escape(name)}(?!\w)" if name.isascii() else re.escape(name)
    return [(m.start(), m.end()) for m in re.finditer(pattern, lowered_text)]


def _unique(items: Sequence[MenuItem]) -> tuple[MenuItem, ...]:
    seen: dict[UUID, MenuItem] = {}
    for item in items:
        seen.setdefault(item.menu_item_id, item)
    return tuple(seen.values())


def _shorten(sentence: str) -> str:
    if len(sentence) <= MAX_SNIPPET_CHARS:
        return sentence
    cut = sentence[: MAX_SNIPPET_CHARS - 1].rsplit(" ", 1)[0]
    return cut + "…"
