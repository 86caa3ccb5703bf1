"""Figures of retrieval and recommendation quality over the labelled set."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from matjip_ai.evaluation.dataset import LabelledQuestion


@dataclass(frozen=True)
class Outcome:
    """What a retriever did with one labelled question."""

    question: LabelledQuestion
    ranking: tuple[UUID, ...]  # the store's reviews, best first
    grounded: bool  # whether it claimed that some review answers the question

    def first_hit(self) -> int | None:
        """1-based rank of the first review that answers the question (None: none in the ranking)."""
        for rank, review_id in enumerate(self.ranking, start=1):
            if review_id in self.question.answers:
                return rank
        return None


@dataclass(frozen=True)
class RetrievalFigures:
    questions: int
    answerable: int
    recall_at_1: float
    recall_at_3: float
    mrr: float
    unanswerable: int
    unanswerable_recognised: float  # unanswerable questions answered "no review says"
    answerable_grounded: float  # answerable questions answered from a review (the other side of the threshold)

    def line(self) -> str:
        return (
            f"n={self.answerable:>3} R@1 {self.recall_at_1:.3f}  R@3 {self.recall_at_3:.3f}  MRR {self.mrr:.3f}  "
            f"unanswerable {self.unanswerable_recognised:.3f} (n={self.unanswerable})  "
            f"answerable grounded {self.answerable_grounded:.3f}"
        )


def retrieval_figures(outcomes: Sequence[Outcome]) -> RetrievalFigures:
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    hits = [o.first_hit() for o in answerable]
    return RetrievalFigures(
        questions=len(outcomes),
        answerable=len(answerable),
        recall_at_1=_share(h is not None and h <= 1 for h in hits),
        recall_at_3=_share(h is not None and h <= 3 for h in hits),
        mrr=sum(1.0 / h for h in hits if h is not None) / len(hits) if hits else 0.0,
        unanswerable=len(unanswerable),
        unanswerable_recognised=_share(not o.grounded for o in unanswerable),
        answerable_grounded=_share(o.grounded for o in answerable),
    )


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 0.0


def by(outcomes: Sequence[Outcome], key: Callable[[Outcome], str]) -> dict[str, RetrievalFigures]:
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(key(outcome), []).append(outcome)
    return {name: retrieval_figures(group) for name, group in sorted(groups.items())}
