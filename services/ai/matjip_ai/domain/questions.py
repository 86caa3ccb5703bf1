"""Answering a question about a store from its reviews, by retrieval and extraction.

There is no generative language model here. The answer is built in three steps:
1. rank the store's reviews for the question: BM25 over morphemes fused with sentence-embedding
   similarity (domain/retrieval.py); the menu items the question names (through particles and spacing:
   "떡볶이가", "떡 볶이") add their names' terms to the question's;
2. decide which of the top-k reviews actually answer it (`Relevance`), and take each one's closest
   sentence as its snippet;
3. compose a short answer in the asker's language: how many reviews speak to the question, their average
   rating, the best snippet quoted verbatim, and the menu items (with prices) they are about.
Every word of the answer is either a fixed phrase (domain/phrases.py) or quoted from a review or the menu.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from matjip_ai.domain import phrases
from matjip_ai.domain.aspects import Aspect, aspects_of
from matjip_ai.domain.embedding import Embedder, TermAnalyzer, Vectors
from matjip_ai.domain.language import DEFAULT_LANGUAGE, Language, detect_language
from matjip_ai.domain.menu import MenuItem
from matjip_ai.domain.retrieval import FusionWeights, IndexedReview, Ranked, Relevance, ReviewIndex

MAX_SNIPPET_CHARS = 240
MAX_SENTENCES_PER_REVIEW = 12
DEFAULT_TOP_K = 3
# Chosen on the dev half of the labelled set with `bench/ai_quality.py --tune` (figures in the README).
FUSION = FusionWeights(lexical=0.1)
RELEVANCE = Relevance(dense_floor=0.855, dense_alone=0.865, coverage_floor=0.35, english_offset=0.02)

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
    terms: tuple[str, ...]  # TermAnalyzer.terms(text)

    def indexed(self) -> IndexedReview:
        sentences = self.sentence_embeddings
        if sentences.shape[0] != len(split_sentences(self.text)):
            # Stored by an older splitting rule: the rows no longer line up with the sentences.
            sentences = sentences[:0]
        return IndexedReview(self.embedding, sentences, self.terms)


@dataclass(frozen=True)
class ReviewIndexing:
    """What is computed from a review's text when it arrives (or again when the models change)."""

    embedding: Vectors
    sentence_embeddings: Vectors
    terms: tuple[str, ...]
    aspects: frozenset[Aspect]  # what it says the dishes it tags are like (for recommendations)
    model: str


def index_review(text: str, embedder: Embedder, analyzer: TermAnalyzer) -> ReviewIndexing:
    """The whole text's and each sentence's vectors, in one batch, its terms and aspects (blocking)."""
    vectors = embedder.embed_passages(passages(text))
    return ReviewIndexing(vectors[0], vectors[1:], tuple(analyzer.terms(text)), aspects_of(text), embedder.name)


@dataclass(frozen=True)
class ReviewMatch:
    review: StoredReview
    similarity: float  # dense cosine similarity (whole text or closest sentence)
    score: float  # fused rank score
    coverage: float  # share of the question's term weight found in the review
    relevant: bool
    snippet: str
    menu_items: tuple[MenuItem, ...]


@dataclass(frozen=True)
class Answer:
    text: str
    language: Language
    matches: tuple[ReviewMatch, ...]
    menu_items_mentioned: tuple[MenuItem, ...]
    reviews_considered: int

    @property
    def grounded(self) -> bool:
        """True when at least one review actually addresses the question."""
        return any(m.relevant for m in self.matches)


class StoreReviews:
    """A store's reviews with their retrieval index: built once, asked many questions."""

    def __init__(self, reviews: Sequence[StoredReview], dimension: int) -> None:
        # A rating without words answers nothing. Newest first: of equally close reviews, the newer wins.
        written = [r for r in reviews if r.text.strip()]
        self.reviews = sorted(written, key=lambda r: r.posted_at, reverse=True)
        self.index = ReviewIndex([r.indexed() for r in self.reviews], dimension)


def answer_question(
    question: str,
    store: StoreReviews,
    menu: Mapping[UUID, MenuItem],
    embedder: Embedder,
    analyzer: TermAnalyzer,
    language: Language,
    top_k: int = DEFAULT_TOP_K,
    fusion: FusionWeights = FUSION,
    relevance: Relevance = RELEVANCE,
) -> Answer:
    """Answer `question` from one store's reviews and `menu` (its items, removed ones too)."""
    named = items_named_in(question, menu)
    if not store.reviews:
        return Answer(phrases.no_written_reviews(language), language, (), named, 0)
    ranked = rank_reviews(question, store, menu, embedder, analyzer, fusion, limit=top_k)
    # The similarity scale depends on the language the question is written in, not the one answered in.
    written_in = detect_language(question) or DEFAULT_LANGUAGE
    matches = tuple(_match(r, store.reviews[r.position], menu, relevance, written_in) for r in ranked)
    relevant = [m for m in matches if m.relevant]
    mentioned = _unique([*named, *(item for m in relevant for item in m.menu_items)])
    return Answer(compose_answer(relevant, mentioned, language), language, matches, mentioned, len(store.reviews))


def rank_reviews(
    question: str,
    store: StoreReviews,
    menu: Mapping[UUID, MenuItem],
    embedder: Embedder,
    analyzer: TermAnalyzer,
    fusion: FusionWeights = FUSION,
    limit: int | None = None,
) -> list[Ranked]:
    """The store's reviews best first (all, or the first `limit`). Only the question is embedded and
    analysed here."""
    normalised = with_menu_names(question, menu)
    vector = embedder.embed_queries([normalised])[0]
    return store.index.rank(vector, question_terms(normalised, menu, analyzer), fusion, limit)


def with_menu_names(question: str, menu: Mapping[UUID, MenuItem]) -> str:
    """The question with the menu's names written as the menu writes them ("떡 볶이" -> "떡볶이"), so
    that neither the tokenizer of the embedding model nor the morphological analyser splits them."""
    for item in sorted(menu.values(), key=lambda i: -len(i.name)):
        name = item.name.strip()
        if name and not name.isascii() and " " not in name:
            question = re.sub(_spaced(name), name.replace("\\", "\\\\"), question)
    return question


def question_terms(question: str, menu: Mapping[UUID, MenuItem], analyzer: TermAnalyzer) -> list[str]:
    """The question's terms, plus those of the menu items it names (so a name MeCab would split into
    unrelated words still meets the reviews that tag it)."""
    terms = analyzer.terms(question)
    for item in items_named_in(question, menu):
        terms.extend(t for t in analyzer.terms(item.name) if t not in terms)
    return terms


def passages(text: str) -> list[str]:
    """What is embedded for a review when it arrives: the whole text, then each of its sentences."""
    return [text, *split_sentences(text)]


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()][:MAX_SENTENCES_PER_REVIEW]


def _match(
    ranked: Ranked, review: StoredReview, menu: Mapping[UUID, MenuItem], relevance: Relevance, language: Language
) -> ReviewMatch:
    sentences = split_sentences(review.text)
    if ranked.best_sentence is not None:
        snippet = sentences[ranked.best_sentence]
    else:
        # No sentence vectors line up with the text: quote its first sentence rather than all of it.
        snippet = sentences[0] if sentences else review.text.strip()
    return ReviewMatch(
        review=review,
        similarity=ranked.dense,
        score=ranked.fused,
        coverage=ranked.coverage,
        relevant=relevance.relevant(ranked.dense, ranked.coverage, language),
        snippet=_shorten(snippet),
        menu_items=_items_of(review, menu),
    )


def compose_answer(relevant: Sequence[ReviewMatch], mentioned: Sequence[MenuItem], language: Language) -> str:
    if not relevant:
        return phrases.no_review_answers(language)
    average = sum(m.review.rating for m in relevant) / len(relevant)
    parts = [phrases.reviews_answer(len(relevant), average, relevant[0].snippet, language)]
    if mentioned:
        parts.append(phrases.menu_items_mentioned(mentioned, language))
    return " ".join(parts)


def _items_of(review: StoredReview, menu: Mapping[UUID, MenuItem]) -> tuple[MenuItem, ...]:
    """The items the reviewer tagged, plus the ones the text names."""
    tagged = [menu[i] for i in review.menu_item_ids if i in menu]
    return _unique([*tagged, *items_named_in(review.text, menu)])


def items_named_in(text: str, menu: Mapping[UUID, MenuItem]) -> tuple[MenuItem, ...]:
    """Menu items whose name the text contains, in the order they appear.

    Korean names match through spacing ("떡 볶이" is 떡볶이) and with particles attached ("떡볶이가");
    Latin names match whole words ("rice" is not in "price"). Longest names first, each found name blanked
    out, so "치즈떡볶이" does not also count as "떡볶이"; an orderable item wins over a removed one of the
    same name."""
    remaining = text.casefold()
    found: list[tuple[int, MenuItem]] = []
    for item in sorted(menu.values(), key=lambda i: (-len(i.name), not i.orderable)):
        spans = _occurrences(item.name.casefold().strip(), remaining)
        if not spans:
            continue
        found.append((spans[0][0], item))
        for start, end in spans:
            remaining = remaining[:start] + " " * (end - start) + remaining[end:]
    return tuple(item for _, item in sorted(found, key=lambda pair: pair[0]))


def _occurrences(name: str, lowered_text: str) -> list[tuple[int, int]]:
    if not name:
        return []
    pattern = rf"(?<!\w){re.escape(name)}(?!\w)" if name.isascii() else _spaced(name)
    return [(m.start(), m.end()) for m in re.finditer(pattern, lowered_text)]


def _spaced(name: str) -> str:
    """A pattern for a Korean name written with any spacing, none required ("떡볶이" finds "떡 볶이")."""
    return r"\s*".join(re.escape(c) for c in name if not c.isspace())


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
