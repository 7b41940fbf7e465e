"""A country's officials named by their nationality: "Belarusian officials said …", "the Iranian foreign
ministry said …". When the registry names the country ("Belarus", "Iran") and no alias of the subject
itself matches, the speaker is the registry's source for "<country>'s <body>" if it lists one (the
Iranian foreign ministry → "Iran's foreign ministry"), else the country's own source. Only official
bodies count: "Iranian fishermen" or "Iranian media" speak for no government."""
from __future__ import annotations

import re

from retrieval.corpus.sources import SourceRegistry
from retrieval.text import uses

_BODY = re.compile(r"\b([A-Z][a-z]{2,})\s+((?:[a-z]+\s+){0,2}?(?:officials?|authorities|investigators|diplomats|"
                   r"government|ministry|military|forces|army|navy|police|prosecutors?|spokes(?:man|woman|person)|"
                   r"ministers?|embassy|mission|delegation))\b")


class NationalBodies:
    """Resolves a subject such as "Belarusian officials" against one registry."""

    def __init__(self, registry: SourceRegistry) -> None:
        self.registry = registry
        names = {a for s in registry.all() for a in (s.name, *s.aliases) if re.fullmatch(r"[A-Z][a-z]{3,}", a)}
        self.countries = sorted(names, key=len, reverse=True)

    def source(self, subject: str) -> str | None:
        """The registry source the subject speaks for, or None."""
        for m in _BODY.finditer(subject):
            demonym, body = m.group(1).lower(), m.group(2)
            for country in self.countries:
                if demonym != country.lower() and uses({demonym}, country.lower()):
                    return next(filter(None, map(self.registry.lookup, (
                        f"{country}'s {body}", f"{country} {body}", country))), None)
        return None
