"""Hybrid ranking of one store's reviews for a question: lexical BM25 over morphemes and dense
sentence-embedding similarity, fused into one score.

- Lexical (BM25, the `bm25s` package): the question's terms against each review's terms, both made by the
  same TermAnalyzer, so "떡볶이가" meets "떡볶이는". It finds exact dishes and rare words ("산미",
  "오트밀크") that an embedding blurs.
- Dense: cosine similarity of the question's embedding with the review's (the whole text's or its closest
  sentence's, whichever is higher). It finds paraphrases ("혀가 얼얼해요" for "매워요?") and crosses
  languages.
- Fusion: dense similarity plus `lexical` times the BM25 score divided by the store's best BM25 score for
  the question (so 0..lexical). Weighted reciprocal rank fusion was tried too: on the dev half of the
  labelled set it ranked the right review first less often (Korean recall@1 0.886 at best vs 0.909),
  because a rank throws away how far ahead the best BM25 match is. The weight was chosen on the dev half
  (bench/ai_quality.py --tune), never on the test half.

Whether the best review actually answers the question is a separate decision (`Relevance`): a rank says
which review is closest, not whether it is close enough.
"""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matjip_ai.domain.embedding import Vectors
from matjip_ai.domain.language import Language


@dataclass(frozen=True)
class FusionWeights:
    lexical: float  # weight of the normalised BM25 score added to the cosine similarity


@dataclass(frozen=True)
class Relevance:
    """When a review is taken to answer the question.

    `dense_floor` is a cosine similarity under which a review is never relevant; from `dense_alone` up it
    is relevant whatever the words; in between it also needs `coverage_floor` of the question's term weight
    (IDF) to appear in it. multilingual-e5 scores English pairs a little lower than Korean ones, so an
    English question's similarity is raised by `english_offset` first. Chosen on the dev half."""

    dense_floor: float
    dense_alone: float
    coverage_floor: float
    english_offset: float

    def relevant(self, dense: float, coverage: float, language: Language) -> bool:
        similarity = dense + (self.english_offset if language is Language.ENGLISH else 0.0)
        if similarity < self.dense_floor:
            return False
        return similarity >= self.dense_alone or coverage >= self.coverage_floor


@dataclass(frozen=True)
class IndexedReview:
    """What retrieval needs of a review: its vectors and terms (made when it arrived)."""

    embedding: Vectors  # (d,) of the whole text
    sentence_embeddings: Vectors  # (sentences, d)
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Ranked:
    position: int  # index of the review in the sequence given to ReviewIndex
    fused: float
    dense: float  # cosine similarity, the higher of whole text and closest sentence
    best_sentence: int | None  # row of the closest sentence in its sentence_embeddings (None: it has none)
    lexical: float  # BM25 score
    coverage: float  # share of the question's term weight (IDF) found in the review, 0..1


class ReviewIndex:
    """One store's reviews, ready to be ranked against questions (build once, query many times)."""

    def __init__(self, reviews: Sequence[IndexedReview], dimension: int) -> None:
        import bm25s

        self.size = len(reviews)
        self._whole = _rows([r.embedding for r in reviews], dimension)
        counts = np.asarray([r.sentence_embeddings.shape[0] for r in reviews], dtype=np.int64)
        self._sentences = _rows([r.sentence_embeddings for r in reviews if r.sentence_embeddings.size], dimension)
        self._sentence_count = counts
        self._first_sentence = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        # Reviews with sentence rows, and where their runs start: np.maximum.reduceat needs non-empty runs.
        self._with_sentences = np.flatnonzero(counts > 0)
        self._run_starts = self._first_sentence[self._with_sentences]
        terms = [frozenset(r.terms) for r in reviews]
        document_frequency: Counter[str] = Counter(t for review_terms in terms for t in review_terms)
        self._idf = {
            term: math.log(1.0 + (self.size - df + 0.5) / (df + 0.5)) for term, df in document_frequency.items()
        }
        # The rarest used term's weight, given to a question term no review uses (see _coverage).
        self._unseen_idf = max(self._idf.values(), default=1.0)
        # Which reviews use each term (positions, ascending): coverage adds a term's weight to those rows.
        positions: dict[str, list[int]] = {}
        for position, review_terms in enumerate(terms):
            for term in review_terms:
                positions.setdefault(term, []).append(position)
        self._reviews_using = {term: np.asarray(rows, dtype=np.int64) for term, rows in positions.items()}
        self._bm25 = bm25s.BM25()
        self._vocabulary: set[str] = set()
        if reviews:
            # A review of only particles and endings still needs a token for bm25s.
            self._bm25.index([list(r.terms) or ["\u2205"] for r in reviews], show_progress=False)
            self._vocabulary = set(self._bm25.vocab_dict)

    def rank(
        self,
        question_vector: Vectors,
        question_terms: Sequence[str],
        weights: FusionWeights,
        limit: int | None = None,
    ) -> list[Ranked]:
        """The reviews best first: all of them, or the first `limit` (the same ones, in the same order)."""
        if self.size == 0:
            return []
        query = question_vector.reshape(-1)
        dense = self._whole @ query
        per_sentence = self._sentences @ query if self._sentences.shape[0] else None
        if per_sentence is not None:
            sentence_best = np.full(self.size, -np.inf, dtype=np.float32)
            sentence_best[self._with_sentences] = np.maximum.reduceat(per_sentence, self._run_starts)
            dense = np.maximum(dense, sentence_best)
        known = [t for t in question_terms if t in self._vocabulary]
        lexical = (
            np.asarray(self._bm25.get_scores(known), dtype=np.float32)
            if known
            else np.zeros(self.size, dtype=np.float32)
        )
        fused = _fuse(dense, lexical, weights)
        coverage = self._coverage(question_terms)
        # Ties (equal fused scores) go to the denser match.
        order = np.lexsort((-dense, -fused))
        return [
            Ranked(
                position=int(i),
                fused=float(fused[i]),
                dense=float(dense[i]),
                best_sentence=self._closest_sentence(int(i), per_sentence),
                lexical=float(lexical[i]),
                coverage=float(coverage[i]),
            )
            for i in (order if limit is None else order[:limit])
        ]

    def _closest_sentence(self, position: int, per_sentence: npt.NDArray[np.float32] | None) -> int | None:
        """Row of the review's closest sentence (the last of equally close ones); None if it has none.
        It is the snippet even when the whole text scores higher."""
        count = int(self._sentence_count[position])
        if per_sentence is None or count == 0:
            return None
        first = int(self._first_sentence[position])
        run = per_sentence[first : first + count]
        return count - 1 - int(np.argmax(run[::-1]))

    def _coverage(self, question_terms: Sequence[str]) -> npt.NDArray[np.float32]:
        unique = set(question_terms)
        # A term no review uses weighs as much as the rarest one that is used: the question asks about
        # something the reviews do not mention, and that lowers every review's coverage.
        weight = {t: self._idf.get(t, self._unseen_idf) for t in unique}
        total = sum(weight.values())
        if total == 0:
            return np.zeros(self.size, dtype=np.float32)
        found = np.zeros(self.size, dtype=np.float64)
        for term, term_weight in weight.items():
            rows = self._reviews_using.get(term)
            if rows is not None:
                found[rows] += term_weight
        return (found / total).astype(np.float32)


def _fuse(dense: npt.NDArray[np.float32], lexical: npt.NDArray[np.float32], weights: FusionWeights) -> Vectors:
    best = float(lexical.max(initial=0.0))
    normalised = lexical / best if best > 0 else lexical
    return (dense + weights.lexical * normalised).astype(np.float32)


def _rows(matrices: Sequence[Vectors], dimension: int) -> Vectors:
    if not matrices:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.vstack([m.reshape(-1, dimension) for m in matrices]).astype(np.float32)
