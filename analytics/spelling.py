"""How two spellings of one name are compared: case, accents and punctuation aside."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: 'Rep. Dominicana' → 'rep dominicana'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", plain.casefold()).strip()
