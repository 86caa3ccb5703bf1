"""The text models as the packages ship them: MeCab-ko terms and multilingual-e5-small vectors; the
language of a question and of an Accept-Language header."""

import numpy as np
import pytest

from matjip_ai.api.language import accepted_language
from matjip_ai.domain.language import Language, choose_language, detect_language
from matjip_ai.text.e5 import E5Embedder
from matjip_ai.text.models import TextModels, load_text_models


@pytest.fixture(scope="module")
def models() -> TextModels:
    return load_text_models()


def test_particles_and_endings_are_dropped_and_inflections_become_stems(models: TextModels) -> None:
    terms = models.analyzer.terms
    assert terms("떡볶이가 맛있어요") == terms("떡볶이는 맛있다") == ["떡볶이", "맛있"]
    assert "맵" in terms("매운 떡볶이") and "맵" in terms("떡볶이가 진짜 매워요.")
    assert terms("배달이 빨랐어요") == ["배달", "빠르"]


def test_compounds_count_as_themselves_and_as_their_parts(models: TextModels) -> None:
    assert models.analyzer.terms("양념치킨 주문") == ["양념치킨", "양념", "치킨", "주문"]
    assert models.analyzer.terms("국물") == ["국물"]  # not 국 + 물: parts of one syllable are not words


def test_english_words_are_stemmed_without_stop_words(models: TextModels) -> None:
    assert models.analyzer.terms("The noodles were soggy and the fries crispy!") == [
        "noodl",
        "soggi",
        "fri",
        "crispi",
    ]


def test_vectors_are_unit_length_and_queries_differ_from_passages(models: TextModels) -> None:
    embedder = models.embedder
    queries = embedder.embed_queries(["떡볶이 매워요?", "", "spicy " * 2000])  # empty and over-long too
    passages = embedder.embed_passages(["떡볶이 매워요?"])
    assert queries.shape == (3, 384) and queries.dtype == np.float32
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-4)
    assert float(queries[0] @ passages[0]) < 0.999  # "query: " and "passage: " prefixes
    assert embedder.embed_queries([]).shape == (0, 384)


def test_a_cached_query_vector_is_the_one_the_model_computes() -> None:
    uncached, cached = E5Embedder(query_cache_size=0), E5Embedder(query_cache_size=2)
    computed = uncached.embed_queries(["떡볶이 매워요?"])[0]
    assert np.allclose(uncached.embed_queries(["떡볶이 매워요?"])[0], computed, atol=1e-6)  # deterministic
    first = cached.embed_queries(["떡볶이 매워요?", "양 많아요?"])
    again = cached.embed_queries(["양 많아요?", "떡볶이 매워요?", "양 많아요?"])
    assert np.array_equal(again, first[[1, 0, 1]])
    assert np.allclose(again[1], computed, atol=1e-6)
    assert again.flags.writeable  # callers get their own matrix: writing to it leaves the cache alone
    again[:] = 0.0
    assert np.array_equal(cached.embed_queries(["떡볶이 매워요?"])[0], first[0])


def test_a_long_question_is_embedded_from_its_first_tokens() -> None:
    embedder = E5Embedder(query_cache_size=0, max_query_tokens=16)
    short = "떡볶이 많이 매워요?"  # 14 tokens with "query: " and the special tokens
    long = "떡볶이가 많이 맵나요? 아이랑 같이 먹으려고 하는데 덜 맵게 해주실 수 있나요?"
    clipped = embedder.clipped_query(long)

    assert embedder.clipped_query(short) == short
    assert long.startswith(clipped) and 0 < len(clipped) < len(long)
    assert (
        embedder._model.token_count(clipped, True) <= 16 < embedder._model.token_count(long[: len(clipped) + 1], True)
    )
    assert np.allclose(embedder.embed_queries([long])[0], embedder.embed_queries([clipped])[0], atol=1e-6)
    assert not np.allclose(embedder.embed_queries([long])[0], E5Embedder().embed_queries([long])[0], atol=1e-3)


def test_the_query_cache_keeps_the_most_recently_used_vectors() -> None:
    embedder = E5Embedder(query_cache_size=2)
    calls: list[list[str]] = []
    embed = embedder._embed

    def counting(texts: list[str], is_query: bool) -> np.ndarray:
        calls.append(list(texts))
        return embed(texts, is_query)

    embedder._embed = counting  # type: ignore[method-assign]
    embedder.embed_queries(["맵기"])
    embedder.embed_queries(["양"])
    embedder.embed_queries(["맵기"])  # hit: now the most recent
    embedder.embed_queries(["주차"])  # evicts "양"
    embedder.embed_queries(["맵기", "양"])
    assert calls == [["맵기"], ["양"], ["주차"], ["양"]]


def test_a_korean_question_about_spiciness_is_closest_to_the_spicy_review(models: TextModels) -> None:
    reviews = models.embedder.embed_passages(
        ["배달이 한 시간 넘게 걸렸어요.", "떡볶이가 너무 매워서 혀가 얼얼했어요.", "양이 많아서 셋이 나눠 먹었어요."]
    )
    question = models.embedder.embed_queries(["떡볶이 많이 매운가요?"])[0]
    assert int(np.argmax(reviews @ question)) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("떡볶이 많이 매워요?", Language.KOREAN),
        ("BBQ 양념치킨 매워요?", Language.KOREAN),
        ("Is the tteokbokki spicy?", Language.ENGLISH),
        ("ㅋㅋ 진짜?", Language.KOREAN),
        ("???", None),
        ("3000", None),
    ],
)
def test_the_language_of_a_question(text: str, expected: Language | None) -> None:
    assert detect_language(text) is expected


def test_the_answer_language_is_the_asked_then_the_detected_then_the_accepted_then_korean() -> None:
    assert choose_language("Is it spicy?", Language.KOREAN, Language.ENGLISH) is Language.KOREAN
    assert choose_language("Is it spicy?", None, Language.KOREAN) is Language.ENGLISH
    assert choose_language("??", None, Language.ENGLISH) is Language.ENGLISH
    assert choose_language("??") is Language.KOREAN


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ko-KR,ko;q=0.9,en-US;q=0.8", Language.KOREAN),
        ("en-US,en;q=0.9,ko;q=0.8", Language.ENGLISH),
        ("fr-FR, en;q=0.5, ko;q=0.7", Language.KOREAN),
        ("ko;q=0, en", Language.ENGLISH),
        ("fr, de", None),
        ("en;q=abc, ko", Language.KOREAN),  # a malformed weight counts as 0, not as an error
        ("", None),
        (None, None),
    ],
)
def test_accept_language_picks_the_preferred_supported_language(header: str | None, expected: Language | None) -> None:
    assert accepted_language(header) is expected
