"""Choosing the fusion weight and the relevance thresholds on the dev half of the labelled set.

The test half is never looked at here; the benchmark reports both halves, so a choice that only fits the
dev questions shows up as a gap between them."""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matjip_ai.domain.retrieval import FusionWeights, Relevance
from matjip_ai.evaluation.metrics import by
from matjip_ai.evaluation.retrieval import PreparedStore, outcomes

LEXICAL_WEIGHTS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
DENSE_FLOORS = tuple(round(x, 3) for x in np.arange(0.80, 0.88, 0.005))
DENSE_ALONE = tuple(round(x, 3) for x in np.arange(0.84, 0.92, 0.005))
COVERAGE_FLOORS = (0.25, 0.35, 0.5, 1.01)  # 1.01: coverage never suffices, dense similarity alone decides
ENGLISH_OFFSETS = (0.0, 0.01, 0.02, 0.03, 0.04)


@dataclass(frozen=True)
class Choice:
    fusion: FusionWeights
    relevance: Relevance


def dev_stores(prepared: Sequence[PreparedStore]) -> list[PreparedStore]:
    return [p for p in prepared if p.store.split == "dev"]


def choose_fusion(dev: Sequence[PreparedStore], relevance: Relevance) -> FusionWeights:
    """The lexical weight with the best mean reciprocal rank, Korean and English counted equally (ties:
    the smaller weight)."""

    def quality(weight: float) -> float:
        figures = by(outcomes(dev, FusionWeights(weight), relevance), lambda o: o.question.language.value)
        return sum(f.mrr for f in figures.values()) / len(figures)

    best = max(LEXICAL_WEIGHTS, key=lambda w: (round(quality(w), 6), -w))
    return FusionWeights(best)


def choose_relevance(dev: Sequence[PreparedStore], fusion: FusionWeights) -> Relevance:
    """The thresholds that make the worse of (unanswerable questions recognised, answerable questions
    grounded) as high as possible; ties go to the higher sum, then to the first in grid order."""
    ranked = [
        (question, store.reviews.index.rank(question.vector, list(question.terms), fusion)[:3])
        for store in dev
        for question in store.questions
    ]
    best: tuple[float, float, Relevance] | None = None
    for floor, alone, coverage, offset in itertools.product(
        DENSE_FLOORS, DENSE_ALONE, COVERAGE_FLOORS, ENGLISH_OFFSETS
    ):
        relevance = Relevance(floor, alone, coverage, offset)
        recognised = answered = unanswerable = answerable = 0
        for question, top in ranked:
            grounded = any(relevance.relevant(r.dense, r.coverage, question.written_in) for r in top)
            if question.question.answerable:
                answerable += 1
                answered += grounded
            else:
                unanswerable += 1
                recognised += not grounded
        worse = min(recognised / unanswerable, answered / answerable)
        total = recognised / unanswerable + answered / answerable
        if best is None or (worse, total) > (best[0], best[1]):
            best = (worse, total, relevance)
    assert best is not None
    return best[2]


def choose(prepared: Sequence[PreparedStore], start: Relevance) -> Choice:
    """Fusion first (ranking does not depend on the thresholds), then the thresholds on that ranking."""
    dev = dev_stores(prepared)
    fusion = choose_fusion(dev, start)
    return Choice(fusion, choose_relevance(dev, fusion))
