"""Which language a question is in, and so which language its answer is composed in."""

from enum import StrEnum


class Language(StrEnum):
    KOREAN = "ko"
    ENGLISH = "en"


DEFAULT_LANGUAGE = Language.KOREAN  # Matjip's customers and owners write mostly in Korean


def _is_hangul(character: str) -> bool:
    # Syllables, then the jamo blocks (ㅋㅋ, ㅠㅠ are written with compatibility jamo).
    code = ord(character)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def detect_language(text: str) -> Language | None:
    """Korean when the text has at least one Hangul letter for every three Latin ones, else English;
    None when it has no letters to go by ("??", "3000")."""
    hangul = sum(1 for c in text if _is_hangul(c))
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    if hangul + latin == 0:
        return None
    # A Korean question often names a dish or a brand in Latin letters ("BBQ 양념치킨 매워요?"): Hangul
    # syllables carry about three Latin letters' worth of text each, hence the one third.
    return Language.KOREAN if hangul * 3 >= latin else Language.ENGLISH


def choose_language(text: str, requested: Language | None = None, accepted: Language | None = None) -> Language:
    """The language to answer in: the one asked for, else the question's own, else the caller's
    Accept-Language, else Korean."""
    return requested or detect_language(text) or accepted or DEFAULT_LANGUAGE
