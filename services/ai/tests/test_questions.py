"""Answering questions from reviews: ranking, snippets, the extractive answer and its menu facts."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import numpy as np
import pytest

from matjip_ai.domain.embedding import Embedder, cosine_similarities, normalize_rows
from matjip_ai.domain.menu import MenuItem
from matjip_ai.domain.questions import (
    RELEVANCE_THRESHOLD,
    StoredReview,
    answer_question,
    passages,
    rank_reviews,
    split_sentences,
)

STORE = uuid4()
T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)


def item(name: str, price: int, *, sold_out: bool = False, removed: bool = False) -> MenuItem:
    return MenuItem(uuid4(), STORE, name, price, sold_out, removed)


def review(
    embedder: Embedder, text: str, rating: int = 5, items: tuple[UUID, ...] = (), age_days: int = 0
) -> StoredReview:
    vectors = embedder.embed(passages(text))  # as the consumer does when the review arrives
    return StoredReview(
        review_id=uuid4(),
        rating=rating,
        text=text,
        menu_item_ids=items,
        posted_at=T0 - timedelta(days=age_days),
        embedding=vectors[0],
        sentence_embeddings=vectors[1:],
    )


def test_reviews_are_ranked_by_similarity_to_the_question(fake_embedder: Embedder) -> None:
    spicy = review(fake_embedder, "Very spicy tteokbokki, fire in my mouth.")
    delivery = review(fake_embedder, "Delivery came late and cold.")
    sauce = review(fake_embedder, "The sauce is sweet, not spicy at all.")
    question = fake_embedder.embed(["Is the tteokbokki spicy?"])[0]

    ranked = rank_reviews(question, [delivery, sauce, spicy], {})

    assert [m.review for m in ranked] == [spicy, sauce, delivery]
    assert ranked[0].similarity > ranked[1].similarity > ranked[2].similarity
    assert ranked[2].similarity == pytest.approx(0.0)


def test_one_sentence_on_the_question_lifts_a_long_review_and_becomes_its_snippet(fake_embedder: Embedder) -> None:
    rambling = review(
        fake_embedder,
        "Parking was easy. Staff friendly. Clean tables. Music loud. Tteokbokki spicy. Prices fair. "
        "Delivery quick. Will return.",
    )
    question = fake_embedder.embed(["tteokbokki spicy"])[0]

    [match] = rank_reviews(question, [rambling], {})

    whole = float(cosine_similarities(question, rambling.embedding.reshape(1, -1))[0])
    assert whole < RELEVANCE_THRESHOLD < match.similarity == pytest.approx(1.0)
    assert match.snippet == "Tteokbokki spicy."


def test_sentence_vectors_that_do_not_line_up_with_the_text_are_not_trusted(fake_embedder: Embedder) -> None:
    stored = review(fake_embedder, "Spicy. Sweet.")
    stale = replace(stored, sentence_embeddings=stored.sentence_embeddings[:1])  # one vector, two sentences

    [match] = rank_reviews(fake_embedder.embed(["spicy"])[0], [stale], {})

    assert match.snippet == "Spicy. Sweet."
    assert match.similarity == pytest.approx(float(stored.embedding @ fake_embedder.embed(["spicy"])[0]))


def test_equal_similarity_prefers_the_newer_review(fake_embedder: Embedder) -> None:
    old = review(fake_embedder, "Spicy.", age_days=10)
    new = review(fake_embedder, "Spicy.", age_days=1)
    ranked = rank_reviews(fake_embedder.embed(["spicy"])[0], [old, new], {})
    assert [m.review for m in ranked] == [new, old]


def test_a_store_without_reviews_gets_an_answer_saying_so(fake_embedder: Embedder) -> None:
    answer = answer_question("Is it spicy?", [], {}, fake_embedder)

    assert answer.reviews_considered == 0
    assert answer.matches == ()
    assert not answer.grounded
    assert answer.text == "This store has no written reviews yet, so there is nothing to answer from."


def test_reviews_without_text_are_not_used_to_answer(fake_embedder: Embedder) -> None:
    silent = review(fake_embedder, "   ", rating=1)
    assert answer_question("Is it spicy?", [silent], {}, fake_embedder).reviews_considered == 0

    spoken = review(fake_embedder, "Spicy!")
    answer = answer_question("Is it spicy?", [silent, spoken], {}, fake_embedder)
    assert [m.review for m in answer.matches] == [spoken]
    assert answer.reviews_considered == 1


def test_the_answer_quotes_the_best_sentence_and_names_the_dishes_with_prices(fake_embedder: Embedder) -> None:
    tteokbokki = item("Tteokbokki", 12000)
    fried_rice = item("Fried rice", 8000)
    menu = {i.menu_item_id: i for i in (tteokbokki, fried_rice)}
    reviews = [
        review(
            fake_embedder,
            "Friendly owner. The tteokbokki is extremely spicy, bring milk! Parking is easy.",
            rating=4,
            items=(tteokbokki.menu_item_id,),
        ),
        review(fake_embedder, "Spicy tteokbokki, but the fried rice helps.", rating=5),
        review(fake_embedder, "Delivery was quick.", rating=3),
    ]

    answer = answer_question("How spicy is the tteokbokki?", reviews, menu, fake_embedder, top_k=2)

    assert [m.review for m in answer.matches] == reviews[:2]
    # Of a review of several sentences, the one closest to the question is the snippet.
    assert answer.matches[0].snippet == "The tteokbokki is extremely spicy, bring milk!"
    assert answer.grounded
    assert answer.text.startswith("2 reviews speak to this (average rating 4.5/5).")
    assert 'The closest says: "The tteokbokki is extremely spicy, bring milk!"' in answer.text
    assert answer.text.endswith("Menu items mentioned: Tteokbokki (12,000 won), Fried rice (8,000 won).")
    # The question names the tteokbokki, so it comes first; the fried rice is found in a review's text.
    assert answer.menu_items_mentioned == (tteokbokki, fried_rice)
    assert answer.matches[0].menu_items == (tteokbokki,)  # tagged by the reviewer
    assert answer.matches[1].menu_items == (tteokbokki, fried_rice)  # named in the text
    assert answer.reviews_considered == 3


def test_a_question_no_review_addresses_says_so_and_still_lists_the_closest(fake_embedder: Embedder) -> None:
    reviews = [review(fake_embedder, "Delivery was quick."), review(fake_embedder, "Great kimbap.")]

    answer = answer_question("Do you have parking?", reviews, {}, fake_embedder)

    assert not answer.grounded
    assert all(m.similarity < RELEVANCE_THRESHOLD for m in answer.matches)
    assert len(answer.matches) == 2
    assert answer.text.startswith("No review of this store clearly addresses that question.")


def test_sold_out_and_removed_dishes_are_described_as_such(fake_embedder: Embedder) -> None:
    sold_out = item("Cheese Tteokbokki", 14000, sold_out=True)
    removed = item("Rose Tteokbokki", 15000, removed=True)
    menu = {i.menu_item_id: i for i in (sold_out, removed)}
    reviews = [review(fake_embedder, "Cheese tteokbokki and rose tteokbokki, both spicy.")]

    answer = answer_question("spicy tteokbokki?", reviews, menu, fake_embedder)

    assert "Cheese Tteokbokki (14,000 won, sold out now)" in answer.text
    assert "Rose Tteokbokki (no longer on the menu)" in answer.text


def test_a_longer_dish_name_is_not_also_counted_as_the_shorter_one_inside_it(fake_embedder: Embedder) -> None:
    plain = item("Tteokbokki", 12000)
    cheese = item("Cheese Tteokbokki", 14000)
    menu = {i.menu_item_id: i for i in (plain, cheese)}
    reviews = [review(fake_embedder, "The cheese tteokbokki is spicy.")]

    answer = answer_question("spicy?", reviews, menu, fake_embedder)

    assert answer.matches[0].menu_items == (cheese,)


def test_dish_names_match_whole_words_in_latin_script_and_substrings_in_hangul(fake_embedder: Embedder) -> None:
    rice = item("Rice", 1000)
    tteokbokki = item("떡볶이", 12000)
    menu = {i.menu_item_id: i for i in (rice, tteokbokki)}
    reviews = [review(fake_embedder, "The price is fair. 떡볶이가 맛있어요")]

    answer = answer_question("price?", reviews, menu, fake_embedder)

    assert answer.matches[0].menu_items == (tteokbokki,)


def test_tagged_dishes_unknown_to_the_menu_are_left_out(fake_embedder: Embedder) -> None:
    reviews = [review(fake_embedder, "Spicy!", items=(uuid4(),))]
    answer = answer_question("spicy?", reviews, {}, fake_embedder)
    assert answer.matches[0].menu_items == ()
    assert "Menu items mentioned" not in answer.text


def test_top_k_limits_the_matches(fake_embedder: Embedder) -> None:
    reviews = [review(fake_embedder, f"Spicy dish number {n}.") for n in range(5)]
    assert len(answer_question("spicy?", reviews, {}, fake_embedder, top_k=4).matches) == 4


def test_sentences_split_on_punctuation_and_line_breaks() -> None:
    assert split_sentences("Good.  Really good!\nWould order again? Yes。끝") == [
        "Good.",
        "Really good!",
        "Would order again?",
        "Yes。",
        "끝",
    ]
    assert split_sentences("   ") == []


def test_a_review_is_embedded_whole_and_sentence_by_sentence() -> None:
    assert passages("Spicy! Sweet too.") == ["Spicy! Sweet too.", "Spicy!", "Sweet too."]
    assert passages("") == [""]


def test_a_long_snippet_is_shortened_at_a_word_boundary(fake_embedder: Embedder) -> None:
    [match] = rank_reviews(fake_embedder.embed(["spicy"])[0], [review(fake_embedder, "spicy " * 100)], {})
    assert len(match.snippet) <= 240
    assert match.snippet.endswith("spicy…")


def test_cosine_similarity_of_unit_vectors_is_their_dot_product() -> None:
    rows = normalize_rows(np.array([[3.0, 4.0], [0.0, 2.0], [0.0, 0.0]]))
    assert rows[0] == pytest.approx([0.6, 0.8])
    assert rows[2] == pytest.approx([0.0, 0.0])  # a zero row stays zero, never NaN
    assert cosine_similarities(rows[1], rows) == pytest.approx([0.8, 1.0, 0.0])
    assert cosine_similarities(rows[1], rows[:0]).shape == (0,)
