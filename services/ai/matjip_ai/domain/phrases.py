"""The fixed phrases of answers and recommendation reasons, in Korean and in English.

Only these words are Matjip's own; everything else in an answer is quoted from a review or the menu.
Prices are in won either way ("12,000원" / "12,000 won"); counts take Korean counters ("리뷰 3개",
"주문 12건") or English plurals."""

from collections.abc import Sequence

from matjip_ai.domain.language import Language
from matjip_ai.domain.menu import Availability, MenuItem


def won(amount: int, language: Language) -> str:
    return f"{amount:,}원" if language is Language.KOREAN else f"{amount:,} won"


def describe_item(item: MenuItem, language: Language) -> str:
    price = won(item.price, language)
    korean = language is Language.KOREAN
    match item.availability:
        case Availability.AVAILABLE:
            return f"{item.name} ({price})"
        case Availability.SOLD_OUT:
            return f"{item.name} ({price}, 지금 품절)" if korean else f"{item.name} ({price}, sold out now)"
        case Availability.REMOVED:
            return f"{item.name} (지금은 메뉴에 없음)" if korean else f"{item.name} (no longer on the menu)"


def no_written_reviews(language: Language) -> str:
    if language is Language.KOREAN:
        return "아직 글로 남긴 리뷰가 없어서 답할 수 있는 내용이 없어요."
    return "This store has no written reviews yet, so there is nothing to answer from."


def no_review_answers(language: Language) -> str:
    if language is Language.KOREAN:
        return "이 질문에 분명하게 답하는 리뷰가 없어요. 아래는 가장 가까운 리뷰지만 다른 이야기일 수 있어요."
    return (
        "No review of this store clearly addresses that question. "
        "The closest reviews are listed below, but they may be about something else."
    )


def reviews_answer(count: int, average_rating: float, snippet: str, language: Language) -> str:
    if language is Language.KOREAN:
        return (
            f"이 질문에 답하는 리뷰가 {count}개 있어요 (평균 별점 {average_rating:.1f}점). "
            f'가장 가까운 리뷰: "{snippet}"'
        )
    noun = "review speaks" if count == 1 else "reviews speak"
    return f'{count} {noun} to this (average rating {average_rating:.1f}/5). The closest says: "{snippet}"'


def menu_items_mentioned(items: Sequence[MenuItem], language: Language) -> str:
    listed = ", ".join(describe_item(item, language) for item in items)
    return f"언급된 메뉴: {listed}." if language is Language.KOREAN else f"Menu items mentioned: {listed}."
