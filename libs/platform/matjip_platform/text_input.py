"""Text that must not get in.

The NUL character (U+0000) in a request's JSON body or query string is refused with 422 naming the field
(`RefuseNulCharacters`), before any route sees it. PostgreSQL refuses NUL in `text` and `varchar`, so a
name, a review or even a login email carrying one would otherwise reach the database and answer 500.

Cheap on the common path: the body is searched for the escape `\\u0000` (the only way JSON can carry a NUL)
and parsed only when it is there; a body without it passes through unchanged.

Names shown to other people (`VisibleName`) refuse bidirectional controls and zero-width characters, with
which a name can read differently from what it holds (spoofing another store or person).
"""

from __future__ import annotations

import json
import unicodedata
from typing import Annotated, Any
from urllib.parse import parse_qsl

from pydantic import AfterValidator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matjip_platform.errors import problem_response

NUL = "\x00"
MESSAGE = "must not contain the NUL character (U+0000)"


def nul_fields(value: Any, path: str = "") -> list[str]:
    """The fields of a parsed JSON document holding a NUL, named like validation errors (`lines[0].name`)."""
    if isinstance(value, str):
        return [path or "body"] if NUL in value else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if NUL in key:
                found.append(name)
            found += nul_fields(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += nul_fields(item, f"{path}[{index}]")
    return found


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return b"json" in value.lower()
    return False


class RefuseNulCharacters:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            names = [k for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True) if NUL in k + v]
            if names:
                await self._refuse(scope, receive, send, names, "query")
                return
        if not _is_json(scope):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        if b"\\u0000" in body:
            try:
                names = nul_fields(json.loads(body))
            except ValueError:
                names = []  # not JSON after all: the route's own validation answers
            if names:
                await self._refuse(scope, receive, send, names, "body")
                return
        buffered = iter(messages)

        async def replay() -> Message:
            return next(buffered, None) or await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, names: list[str], where: str) -> None:
        response = problem_response(
            422, f"The request is not valid: {', '.join(names)}", code="validation_failed",
            title="Validation failed", instance=scope["path"],
            errors=[{"field": name, "in": where, "message": MESSAGE} for name in names],
        )
        await response(scope, receive, send)


# Characters that change how the text around them is shown without being seen themselves: bidirectional
# embeddings, overrides and isolates (a name that reads differently from what it holds), zero-width spaces
# and non-joiners, word joiners, the byte order mark. A name shown to other people may hold none of them.
INVISIBLE = frozenset(
    "\u061c\u180e\u200b\u200c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
    "\u2066\u2067\u2068\u2069\ufeff"
)
ZERO_WIDTH_JOINER = "\u200d"
_EMOJI_PARTS = ("So", "Sk", "Mn")  # symbols, modifiers, and the variation selectors / tags that follow them


def _joins_emoji(text: str, index: int) -> bool:
    """Whether the ZWJ at `index` joins two emoji (👩‍🍳), its one legitimate use in a name."""
    if index == 0 or index == len(text) - 1:
        return False
    return (unicodedata.category(text[index - 1]) in _EMOJI_PARTS
            and unicodedata.category(text[index + 1]) == "So")


def visible_name(value: str) -> str:
    """A name shown to others (a display name, a store's or a dish's) with no invisible formatting
    characters: raises ValueError (422 naming the field) when it has one."""
    found = {c for c in value if c in INVISIBLE}
    found |= {ZERO_WIDTH_JOINER for i, c in enumerate(value) if c == ZERO_WIDTH_JOINER and not _joins_emoji(value, i)}
    if found:
        codes = ", ".join(f"U+{ord(c):04X}" for c in sorted(found))
        raise ValueError(f"must not contain invisible formatting characters ({codes})")
    return value


VisibleName = Annotated[str, AfterValidator(visible_name)]
"""A str field shown to other people: use it for names (Pydantic refuses invisible formatting characters)."""
