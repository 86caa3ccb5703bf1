"""The per-store index cache: kept while the store's review count is unchanged, bounded by reviews held."""

from uuid import uuid4

from matjip_ai.domain.questions import StoreReviews
from matjip_ai.review_indexes import ReviewIndexes


def test_an_index_is_reused_only_while_the_review_count_is_unchanged() -> None:
    indexes, store = ReviewIndexes(), uuid4()
    built = StoreReviews([], 8)
    assert indexes.get(store, 0) is None
    indexes.put(store, 0, built)
    assert indexes.get(store, 0) is built
    assert indexes.get(store, 1) is None  # a review arrived (or was reindexed): build again


def test_the_least_recently_used_stores_go_first_when_too_many_reviews_are_held() -> None:
    indexes = ReviewIndexes(max_reviews=10)
    first, second, third = uuid4(), uuid4(), uuid4()
    indexes.put(first, 4, StoreReviews([], 8))
    indexes.put(second, 4, StoreReviews([], 8))
    assert indexes.get(first, 4) is not None  # first is now the most recently used
    indexes.put(third, 4, StoreReviews([], 8))
    assert indexes.get(second, 4) is None
    assert indexes.get(first, 4) is not None and indexes.get(third, 4) is not None
    assert indexes.cached_reviews() == 8
