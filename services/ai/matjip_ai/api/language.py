"""The caller's preferred language from an Accept-Language header (RFC 9110), limited to ko and en."""

from matjip_ai.domain.language import Language


def accepted_language(header: str | None) -> Language | None:
    """The supported language the header prefers most ("en-US,en;q=0.9,ko;q=0.8" -> en); None when it names
    neither or is absent. Malformed parts are skipped, not refused: the header is only a hint."""
    if not header:
        return None
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate(header.split(",")):
        tag, _, parameters = part.strip().partition(";")
        primary = tag.strip().split("-")[0].casefold()
        try:
            language = Language(primary)
        except ValueError:
            continue
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        # Higher quality first; among equals, the one listed first.
        if best is None or (quality, -position) > (best[0], -best[1]):
            best = (quality, position, language)
    return None if best is None else best[2]
