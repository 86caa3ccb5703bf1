"""Loads the labelled set: stores (menu, reviews, questions with the reviews that answer them) and held-out
order histories. Identifiers in the files are short keys; here they become stable UUIDs (uuid5), so the
same review is the same UUID in every run."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

from matjip_ai.domain.language import Language
from matjip_ai.domain.menu import MenuItem

EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"
_NAMESPACE = UUID("6d61746a-6970-4576-816c-6162656c6c65")  # fixed: keys map to the same UUIDs forever
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def key_id(key: str) -> UUID:
    return uuid5(_NAMESPACE, key)


@dataclass(frozen=True)
class LabelledReview:
    key: str  # "<store>/<review>"
    review_id: UUID
    rating: int
    text: str
    menu_item_ids: tuple[UUID, ...]
    posted_at: datetime


@dataclass(frozen=True)
class LabelledQuestion:
    key: str  # "<store>/q<n>"
    store_key: str
    language: Language
    text: str
    answers: frozenset[UUID]  # the reviews that answer it; empty: no review does

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True)
class LabelledStore:
    key: str
    store_id: UUID
    name: str
    kind: str
    split: str  # "dev" (weights and thresholds are chosen on it) or "test" (reported, never tuned on)
    menu: dict[UUID, MenuItem]
    item_tags: dict[UUID, frozenset[str]]  # what the order simulator knows about a dish (never the recommender)
    reviews: tuple[LabelledReview, ...]
    questions: tuple[LabelledQuestion, ...]


def load_stores(directory: Path = EVAL_DIR / "stores") -> list[LabelledStore]:
    import yaml  # a development dependency: the service never loads the labelled set

    stores = []
    for path in sorted(directory.glob("*.yaml")):
        raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        stores.append(_store(path.stem, raw))
    return stores


def _store(key: str, raw: dict[str, Any]) -> LabelledStore:
    store_id = key_id(key)
    menu: dict[UUID, MenuItem] = {}
    tags: dict[UUID, frozenset[str]] = {}
    for item_key, item in raw["menu"].items():
        item_id = key_id(f"{key}/menu/{item_key}")
        menu[item_id] = MenuItem(item_id, store_id, item["name"], int(item["price"]), sold_out=False, removed=False)
        tags[item_id] = frozenset(item.get("tags", ()))
    reviews = tuple(
        LabelledReview(
            key=f"{key}/{review_key}",
            review_id=key_id(f"{key}/{review_key}"),
            rating=int(review["rating"]),
            text=str(review["text"]),
            menu_item_ids=tuple(key_id(f"{key}/menu/{i}") for i in review.get("items", ())),
            posted_at=_EPOCH + timedelta(hours=index),
        )
        for index, (review_key, review) in enumerate(raw["reviews"].items())
    )
    known = {r.key for r in reviews}
    questions = []
    for index, question in enumerate(raw["questions"], start=1):
        answers = [f"{key}/{a}" for a in question["answers"]]
        unknown = [a for a in answers if a not in known]
        if unknown:
            raise ValueError(f"{key} question {index} names unknown reviews {unknown}")
        questions.append(
            LabelledQuestion(
                key=f"{key}/q{index}",
                store_key=key,
                language=Language(question["lang"]),
                text=str(question["q"]),
                answers=frozenset(key_id(a) for a in answers),
            )
        )
    return LabelledStore(
        key=key,
        store_id=store_id,
        name=str(raw["store"]),
        kind=str(raw["kind"]),
        split=str(raw["split"]),
        menu=menu,
        item_tags=tags,
        reviews=reviews,
        questions=tuple(questions),
    )


@dataclass(frozen=True)
class LabelledOrder:
    customer: str
    store_key: str
    item_ids: tuple[UUID, ...]


@dataclass(frozen=True)
class OrderHistories:
    """Completed orders of simulated customers; each customer's last order is held out."""

    history: tuple[LabelledOrder, ...]
    held_out: tuple[LabelledOrder, ...]


def load_orders(path: Path = EVAL_DIR / "orders.json") -> OrderHistories:
    raw = json.loads(path.read_text(encoding="utf-8"))

    def order(o: dict[str, Any]) -> LabelledOrder:
        return LabelledOrder(
            customer=o["customer"],
            store_key=o["store"],
            item_ids=tuple(key_id(f"{o['store']}/menu/{i}") for i in o["items"]),
        )

    return OrderHistories(
        history=tuple(order(o) for o in raw["history"]), held_out=tuple(order(o) for o in raw["held_out"])
    )


def all_reviews(stores: Sequence[LabelledStore]) -> int:
    return sum(len(s.reviews) for s in stores)
