"""Answering questions from reviews: hybrid ranking, snippets, the extractive answer in Korean and English,
and menu names found through particles and spacing. Unit tests with the fake embedder and analyser."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import numpy as np
import pytest

from matjip_ai.domain.embedding import Embedder, TermAnalyzer, cosine_similarities, normalize_rows
from matjip_ai.domain.language import Language
from matjip_ai.domain.menu import MenuItem
from matjip_ai.domain.questions import (
    Answer,
    StoredReview,
    StoreReviews,
    answer_question,
    index_review,
    items_named_in,
    passages,
    question_terms,
    rank_reviews,
    split_sentences,
    with_menu_names,
)
from matjip_ai.domain.retrieval import FusionWeights, Relevance

STORE = uuid4()
T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
# The fake embedder's similarities are word overlaps: a review sharing the question's words scores high,
# an unrelated one 0; relevant from 0.35 on, whatever the terms.
RELEVANCE = Relevance(dense_floor=0.35, dense_alone=0.35, coverage_floor=1.01, english_offset=0.0)
EN, KO = Language.ENGLISH, Language.KOREAN


def item(name: str, price: int, *, sold_out: bool = False, removed: bool = False) -> MenuItem:
    return MenuItem(uuid4(), STORE, name, price, sold_out, removed)


def review(
    embedder: Embedder,
    analyzer: TermAnalyzer,
    text: str,
    rating: int = 5,
    items: tuple[UUID, ...] = (),
    age_days: int = 0,
) -> StoredReview:
    indexing = index_review(text, embedder, analyzer)  # as the consumer does when the review arrives
    return StoredReview(
        review_id=uuid4(),
        rating=rating,
        text=text,
        menu_item_ids=items,
        posted_at=T0 - timedelta(days=age_days),
        embedding=indexing.embedding,
        sentence_embeddings=indexing.sentence_embeddings,
        terms=indexing.terms,
    )


def ask(
    question: str,
    reviews: list[StoredReview],
    embedder: Embedder,
    analyzer: TermAnalyzer,
    menu: dict[UUID, MenuItem] | None = None,
    language: Language = EN,
    top_k: int = 3,
) -> Answer:
    store = StoreReviews(reviews, embedder.dimension)
    return answer_question(question, store, menu or {}, embedder, analyzer, language, top_k, relevance=RELEVANCE)


def test_reviews_are_ranked_by_similarity_to_the_question(fake_embedder: Embedder, fake_analyzer: TermAnalyzer) -> None:
    spicy = review(fake_embedder, fake_analyzer, "Very spicy tteokbokki, fire in my mouth.")
    delivery = review(fake_embedder, fake_analyzer, "Delivery came late and cold.")
    sauce = review(fake_embedder, fake_analyzer, "The sauce is sweet, not spicy at all.")

    answer = ask("Is the tteokbokki spicy?", [delivery, sauce, spicy], fake_embedder, fake_analyzer)

    assert [m.review for m in answer.matches] == [spicy, sauce, delivery]
    assert answer.matches[0].similarity > answer.matches[1].similarity > answer.matches[2].similarity
    assert answer.matches[2].similarity == pytest.approx(0.0)
    assert [m.relevant for m in answer.matches] == [True, False, False]  # one shared word of five: 0.32


def test_bm25_breaks_a_dense_tie_towards_the_review_with_the_rarer_word(
    fake_embedder: Embedder, fake_analyzer: TermAnalyzer
) -> None:
    # Same cosine similarity to "spicy broth" (one shared word each), but "broth" is rare in the store.
    common = [review(fake_embedder, fake_analyzer, f"Spicy dish {n}.") for n in range(4)]
    broth = review(fake_embedder, fake_analyzer, "Broth good.")
    store = StoreReviews([*common, broth], fake_embedder.dimension)

    dense_only = rank_reviews("spicy broth", store, {}, fake_embedder, fake_analyzer, FusionWeights(lexical=0.0))
    hybrid = rank_reviews("spicy broth", store, {}, fake_embedder, fake_analyzer, FusionWeights(lexical=0.1))

    assert store.reviews[hybrid[0].position] is broth
    assert hybrid[0].lexical > 0 and hybrid[0].coverage > 0.5
    assert dense_only[0].fused == pytest.approx(dense_only[0].dense)


def test_one_sentence_on_the_question_lifts_a_long_review_and_becomes_its_snippet(
    fake_embedder: Embedder, fake_analyzer: TermAnalyzer
) -> None:
    rambling = review(
        fake_embedder,
        fake_analyzer,
        "Parking was easy. Staff friendly. Clean tables. Music loud. Tteokbokki spicy. Prices fair. "
        "Delivery quick. Will return.",
    )

    [match] = ask("tteokbokki spicy", [rambling], fake_embedder, fake_analyzer).matches

    question = fake_embedder.embed_queries(["tteokbokki spicy"])[0]
    whole = float(cosine_similarities(question, rambling.embedding.reshape(1, -1))[0])
    assert whole < 0.35 < match.similarity == pytest.approx(1.0)
    assert match.snippet == "Tteokbokki spicy."


def test_the_first_k_of_a_ranking_are_the_same_whether_k_or_all_are_asked_for(
    fake_embedder: Embedder, fake_analyzer: TermAnalyzer
) -> None:
    # Reviews with and without usable sentence vectors, mixed, so the closest sentence of each is found
    # among its own sentences only.
    texts = [
        "Spicy broth. Sweet rice cake.",
        "Cold noodles.",
        "Delivery quick. Broth rich. Spicy enough.",
        "Sweet. Spicy. Spicy broth!",
        "Nothing to say.",
    ]
    reviews = [review(fake_embedder, fake_analyzer, t, age_days=n) for n, t in enumerate(texts)]
    reviews[1] = replace(reviews[1], sentence_embeddings=reviews[1].sentence_embeddings[:0])
    store = StoreReviews(reviews, fake_embedder.dimension)

    everything = rank_reviews("spicy broth", store, {}, fake_embedder, fake_analyzer, FusionWeights(lexical=0.1))
    first_two = rank_reviews(
        "spicy broth", store, {}, fake_embedder, fake_analyzer, FusionWeights(lexical=0.1), limit=2
    )

    assert first_two == everything[:2]
    snippets = {store.reviews[r.position].text: r.best_sentence for r in everything}
    assert snippets == {texts[0]: 0, texts[1]: None, texts[2]: 2, texts[3]: 2, texts[4]: 0}
    coverage = {store.reviews[r.position].text: r.coverage for r in everything}
    assert coverage[texts[0]] == coverage[texts[2]] == coverage[texts[3]] == pytest.approx(1.0)
    assert coverage[texts[1]] == coverage[texts[4]] == 0.0


def test_sentence_vectors_that_do_not_line_up_with_the_text_are_not_trusted(
    fake_embedder: Embedder, fake_analyzer: TermAnalyzer
) -> None:
    stored = review(fake_embedder, fake_analyzer, "Spicy. Sweet.")
    stale = replace(stored, sentence_embeddings=stored.sentence_embeddings[:1])  # one vector, two sentences

    [match] = ask("spicy", [stale], fake_embedder, fake_analyzer).matches

    assert match.snippet == "Spicy."  # the first sentence, since no sentence vector can be trusted
    assert match.similarity == pytest.approx(float(stored.embedding @ fake_embedder.embed_queries(["spicy"])[0]))


def test_equal_similarity_prefers_the_newer_review(fake_embedder: Embedder, fake_analyzer: TermAnalyzer) -> None:
    old = review(fake_embedder, fake_analyzer, "Spicy.", age_days=10)
    new = review(fake_embedder, fake_analyzer, "Spicy.", age_days=1)
    answer = ask("spicy", [old, new], fake_embedder, fake_analyzer)
    assert [m.review for m in answer.matches] == [new, old]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (EN, "This store has no written reviews yet, so there is nothing to answer from."),
        (KO, "아직 글로 남긴 리뷰가 없어서 답할 수 있는 내용이 없어요."),
    ],
)
def test_a_store_without_reviews_gets_an_answer_saying_so(
    fake_embedder: Embedder, fake_analyzer: TermAnalyzer, language: Language, expected: str
) -> None:
    answer = ask("Is it spicy?", [], fake_embedder, fake_analyzer, language=language)

    assert answer.reviews_considered == 0
    assert answer.matches == ()
    assert not answer.grounded
    assert answer.text == expected
    assert answer.language is language


def test_reviews_without_text_are_not_used_to_answer(fake_embedder: Embedder, fake_analyzer: TermAnalyzer) -> None:
    silent = review(fake_embedder, fake_analyzer, "   ", rating=1)
    assert ask("Is it spicy?", [silent], fake_embedder, fake_analyzer).reviews_considered == 0

    spoken = review(fake_embedder, fake_analyzer, "Spicy!")
    answer = ask("Is it spicy?", [silent, spoken], fake_embedder, fake_analyzer)
    assert [m.review for m in answer.matches] == [spoken]
    assert answer.reviews_considered == 1


def test_the_answer_quotes_the_best_sentence_and_names_the_dishes_with_prices(
    fake_embedder: Embedder, fake_analyzer: TermAnalyzer
) -> None:
    tteokbokki = item("Tteokbokki", 12000)
    fried_rice = item("Fried rice", 8000)
    menu = {i.menu_item_id: i for i in (tteokbokki, fried_rice)}
    reviews = [
        review(
            fake_embedder,
            fake_analyzer,
            "Friendly owner. The tteokbokki is extremely spicy, bring milk! Parking is easy.",
            rating=4,
            items=(tteokbokki.menu_item_id,),
            age_days=1,
        ),
        review(fake_embedder, fake_analyzer, "Spicy tteokbokki, but the fried rice helps.", rating=5, age_days=2),
        review(fake_embedder, fake_analyzer, "Delivery was quick.", rating=3),
    ]

    answer = ask("How spicy is the tteokbokki?", reviews, fake_embedder, fake_analyzer, menu, top_k=2)

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


def test_a_korean_answer_counts_in_korean_and_prices_in_won(
    fake_embedder: Embedder, fake_analyzer: TermAnalyzer
) -> None:
    tteokbokki = item("떡볶이", 5000)
    sold_out = item("치즈떡볶이", 6500, sold_out=True)
    menu = {i.menu_item_id: i for i in (tteokbokki, sold_out)}
    reviews = [
        review(fake_embedder, fake_analyzer, "떡볶이 매워요. 물 많이 마셨어요.", 4, (tteokbokki.menu_item_id,)),
        review(fake_embedder, fake_analyzer, "치즈떡볶이 매워요 맛있어요", 5, (sold_out.menu_item_id,), age_days=1),
    ]

    answer = ask("떡볶이 매워요?", reviews, fake_embedder, fake_analyzer, menu, language=KO)

    assert answer.text.startswith(
        '이 질문에 답하는 리뷰가 2개 있어요 (평균 별점 4.5점). 가장 가까운 리뷰: "떡볶이 매워요."'
    )
    assert answer.text.endswith("언급된 메뉴: 떡볶이 (5,000원), 치즈떡볶이 (6,500원, 지금 품절).")


def test_a_question_no_review_addresses_says_so_in_its_language(
    fake_embedder: Embedder, fake_analyzer: TermAnalyzer
) -> None:
    reviews = [
        review(fake_embedder, fake_analyzer, "Delivery was quick."),
        review(fake_embedder, fake_analyzer, "Great kimbap."),
    ]

    english = ask("Do you have parking?", reviews, fake_embedder, fake_analyzer)
    korean = ask("Do you have parking?", reviews, fake_embedder, fake_analyzer, language=KO)

    assert not english.grounded
    assert len(english.matches) == 2
    assert english.text.startswith("No review of this store clearly addresses that question.")
    assert korean.text.startswith("이 질문에 분명하게 답하는 리뷰가 없어요.")


def test_sold_out_and_removed_dishes_are_described_as_such(
    fake_embedder: Embedder, fake_analyzer: TermAnalyzer
) -> None:
    sold_out = item("Cheese Tteokbokki", 14000, sold_out=True)
    removed = item("Rose Tteokbokki", 15000, removed=True)
    menu = {i.menu_item_id: i for i in (sold_out, removed)}
    reviews = [review(fake_embedder, fake_analyzer, "Cheese tteokbokki and rose tteokbokki, both spicy.")]

    english = ask("spicy tteokbokki?", reviews, fake_embedder, fake_analyzer, menu)
    korean = ask("spicy tteokbokki?", reviews, fake_embedder, fake_analyzer, menu, language=KO)

    assert "Cheese Tteokbokki (14,000 won, sold out now)" in english.text
    assert "Rose Tteokbokki (no longer on the menu)" in english.text
    assert "Cheese Tteokbokki (14,000원, 지금 품절)" in korean.text
    assert "Rose Tteokbokki (지금은 메뉴에 없음)" in korean.text


def test_a_longer_dish_name_is_not_also_counted_as_the_shorter_one_inside_it() -> None:
    plain, cheese = item("Tteokbokki", 12000), item("Cheese Tteokbokki", 14000)
    korean_plain, korean_cheese = item("떡볶이", 5000), item("치즈떡볶이", 6500)
    menu = {i.menu_item_id: i for i in (plain, cheese, korean_plain, korean_cheese)}

    assert items_named_in("The cheese tteokbokki is spicy.", menu) == (cheese,)
    assert items_named_in("치즈떡볶이가 매워요", menu) == (korean_cheese,)


def test_korean_dish_names_are_found_through_particles_and_spacing() -> None:
    tteokbokki, rice = item("떡볶이", 5000), item("Rice", 1000)
    menu = {i.menu_item_id: i for i in (tteokbokki, rice)}

    for text in ("떡볶이가 매워요?", "떡 볶이 매워요?", "떡볶 이는요?"):
        assert items_named_in(text, menu) == (tteokbokki,), text
    assert items_named_in("The price is fair.", menu) == ()  # Latin names match whole words only
    assert with_menu_names("떡 볶이 양이 많나요?", menu) == "떡볶이 양이 많나요?"


def test_the_question_gets_the_terms_of_the_dishes_it_names(fake_analyzer: TermAnalyzer) -> None:
    cheese = item("Cheese Tteokbokki", 14000)
    terms = question_terms("Is the cheese tteokbokki spicy?", {cheese.menu_item_id: cheese}, fake_analyzer)
    assert terms == ["cheese", "tteokbokki", "spicy"]


def test_tagged_dishes_unknown_to_the_menu_are_left_out(fake_embedder: Embedder, fake_analyzer: TermAnalyzer) -> None:
    reviews = [review(fake_embedder, fake_analyzer, "Spicy!", items=(uuid4(),))]
    answer = ask("spicy?", reviews, fake_embedder, fake_analyzer)
    assert answer.matches[0].menu_items == ()
    assert "Menu items mentioned" not in answer.text


def test_top_k_limits_the_matches(fake_embedder: Embedder, fake_analyzer: TermAnalyzer) -> None:
    reviews = [review(fake_embedder, fake_analyzer, f"Spicy dish number {n}.") for n in range(5)]
    assert len(ask("spicy?", reviews, fake_embedder, fake_analyzer, top_k=4).matches) == 4


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


def test_a_long_snippet_is_shortened_at_a_word_boundary(fake_embedder: Embedder, fake_analyzer: TermAnalyzer) -> None:
    [match] = ask("spicy", [review(fake_embedder, fake_analyzer, "spicy " * 100)], fake_embedder, fake_analyzer).matches
    assert len(match.snippet) <= 240
    assert match.snippet.endswith("spicy…")


def test_cosine_similarity_of_unit_vectors_is_their_dot_product() -> None:
    rows = normalize_rows(np.array([[3.0, 4.0], [0.0, 2.0], [0.0, 0.0]]))
    assert rows[0] == pytest.approx([0.6, 0.8])
    assert rows[2] == pytest.approx([0.0, 0.0])  # a zero row stays zero, never NaN
    assert cosine_similarities(rows[1], rows) == pytest.approx([0.8, 1.0, 0.0])
    assert cosine_similarities(rows[1], rows[:0]).shape == (0,)
