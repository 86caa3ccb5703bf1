"""Per-store retrieval indexes kept between questions.

Building a store's index (its review vectors stacked, its BM25 index) and reading its vectors from
PostgreSQL cost more than answering: ~300 ms of CPU for 1,000 reviews against tens of ms for the question
itself. So the index is kept, keyed by store and by how many reviews of the current model the store has:
reviews are only ever added (or reindexed with a new model, which changes that count), so an unchanged
count means an unchanged index, and one cheap COUNT per question keeps every replica current. The cache is
bounded by the number of reviews it holds (least recently used stores go first): 8,000 reviews are
~60 MB of vectors."""

import threading
from collections import OrderedDict
from uuid import UUID

from matjip_ai.domain.questions import StoreReviews

MAX_CACHED_REVIEWS = 8000


class ReviewIndexes:
    def __init__(self, max_reviews: int = MAX_CACHED_REVIEWS) -> None:
        self._max_reviews = max_reviews
        self._entries: OrderedDict[UUID, tuple[int, StoreReviews]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, store_id: UUID, review_count: int) -> StoreReviews | None:
        with self._lock:
            entry = self._entries.get(store_id)
            if entry is None or entry[0] != review_count:
                return None
            self._entries.move_to_end(store_id)
            return entry[1]

    def put(self, store_id: UUID, review_count: int, store: StoreReviews) -> None:
        with self._lock:
            self._entries[store_id] = (review_count, store)
            self._entries.move_to_end(store_id)
            while len(self._entries) > 1 and self.cached_reviews() > self._max_reviews:
                self._entries.popitem(last=False)

    def cached_reviews(self) -> int:
        return sum(count for count, _ in self._entries.values())
