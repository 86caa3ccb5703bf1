"""Every problem code a service can answer with reads as a sentence in the app, in both languages.

The app turns a problem+json answer into words by its `code` (web/src/api/problem.ts, keys `problem.<code>`
of web/src/i18n/ko.ts; en.ts has the same keys, checked by the app's own unit tests). A code added to a
service without its sentence would fall back to a vague one; this finds the codes in the services' and
the platform library's source."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Answered to probes and operators, never to a person using the app.
NOT_FOR_PEOPLE = {"task_crashed"}
DEFINED = re.compile(r'\bcode(?::\s*ClassVar\[str\])?\s*=\s*"([a-z_]+)"|\bcode="([a-z_]+)"')


def codes_in_source() -> set[str]:
    found: set[str] = set()
    for folder in ("services", "libs"):
        for path in (ROOT / folder).rglob("*.py"):
            if "tests" in path.parts:
                continue
            for match in DEFINED.finditer(path.read_text()):
                found.add(match[1] or match[2])
    return found


def catalogue_keys(language: str) -> set[str]:
    text = (ROOT / "web" / "src" / "i18n" / f"{language}.ts").read_text()
    return set(re.findall(r'^\s*"([\w.]+)":', text, re.MULTILINE))


def test_every_problem_code_has_a_sentence_in_korean_and_english() -> None:
    codes = codes_in_source()
    assert {"acceptance_deadline_passed", "cart_store_mismatch", "invalid_credentials"} <= codes  # the scan works
    for language in ("ko", "en"):
        keys = catalogue_keys(language)
        missing = sorted(c for c in codes - NOT_FOR_PEOPLE if f"problem.{c}" not in keys)
        assert missing == [], f"web/src/i18n/{language}.ts has no sentence for {missing}"
