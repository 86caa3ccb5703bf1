"""What reviews say a dish is like: a few aspects customers choose dishes by, found in review sentences.

A sentence mentions an aspect when it has one of the aspect's word stems and no negation ("안 매워요",
"not spicy" say the opposite and count for nothing). Korean stems are written to miss look-alikes:
"달" must not match 배달 (delivery), "맵" not 매장 (the shop)."""

import re
from enum import StrEnum

from matjip_ai.domain.language import Language


class Aspect(StrEnum):
    SPICY = "spicy"
    CRISPY = "crispy"
    GENEROUS = "generous"
    SWEET = "sweet"
    FRESH = "fresh"
    RICH = "rich"


_PATTERNS: dict[Aspect, re.Pattern[str]] = {
    Aspect.SPICY: re.compile(r"맵|매워|매웠|매운|매콤|얼얼|칼칼|spic|\bhot\b|\bheat\b", re.IGNORECASE),
    Aspect.CRISPY: re.compile(r"바삭|crisp|crunch", re.IGNORECASE),
    Aspect.GENEROUS: re.compile(
        r"양이 (엄청 )?많|양도 많|푸짐|넉넉|배불|\bhuge\b|generous|filling|enough for", re.IGNORECASE
    ),
    Aspect.SWEET: re.compile(r"달달|달콤|달짝|단맛|\bsweet", re.IGNORECASE),
    Aspect.FRESH: re.compile(r"신선|아삭|\bfresh", re.IGNORECASE),
    Aspect.RICH: re.compile(r"진하|진해|진한|꾸덕|고소|\brich\b|creamy", re.IGNORECASE),
}
_NEGATION = re.compile(r"안 |않|없|못 |\bnot\b|n't\b|\bno\b|\bnever\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")

_SAYS: dict[Aspect, tuple[str, str]] = {
    Aspect.SPICY: ("맵다고", "spicy"),
    Aspect.CRISPY: ("바삭하다고", "crispy"),
    Aspect.GENEROUS: ("양이 푸짐하다고", "generous"),
    Aspect.SWEET: ("달콤하다고", "sweet"),
    Aspect.FRESH: ("신선하다고", "fresh"),
    Aspect.RICH: ("맛이 진하다고", "rich"),
}


def aspects_of(text: str) -> frozenset[Aspect]:
    found: set[Aspect] = set()
    for sentence in _SENTENCE.split(text):
        if _NEGATION.search(sentence):
            continue
        found.update(aspect for aspect, pattern in _PATTERNS.items() if pattern.search(sentence))
    return frozenset(found)


def reviews_say(aspect: Aspect, mentions: int, reviews: int, language: Language) -> str:
    korean, english = _SAYS[aspect]
    if language is Language.KOREAN:
        return f"리뷰에서 {korean} 해요 (리뷰 {reviews}개 중 {mentions}개)"
    return f"Reviews say it is {english} ({mentions} of {reviews} reviews), like the dishes you order."
