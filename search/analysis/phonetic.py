"""A consonant skeleton that lets a word written in Latin letters, Franco-Arabic or Arabic
script meet its transliteration: hyundai, هيونداي and hundai all become ``hnd``.

Vowels and the letters Arabic writes long vowels with (ا و ي) are dropped, consonants are
folded into sound classes (s/z/ص/س/ز -> s, g/j/ج -> g as Egyptians say it, ...), repeats are
collapsed and a word-final h (ه from ة) is dropped. Only skeletons of three or more
consonants are used: shorter ones match too much.
"""

from __future__ import annotations

from functools import lru_cache

from search.analysis.normalise import strip_article

MIN_SKELETON = 3

_LATIN_DIGRAPHS = (("sh", "x"), ("ch", "x"), ("kh", "k"), ("gh", "g"), ("th", "t"), ("ph", "f"))
_LATIN = {
    "b": "b", "p": "b", "d": "d", "f": "f", "v": "f", "g": "g", "j": "g", "h": "h",
    "k": "k", "q": "k", "l": "l", "m": "m", "n": "n", "r": "r", "s": "s", "z": "s",
    "t": "t", "x": "ks", "c": "k",
    # Franco-Arabic digits: 2 ء and 3 ع are vowels here; 5 خ, 7 ح, 8 غ, 9 ق are consonants
    "5": "k", "7": "h", "8": "g", "9": "k",
}  # fmt: skip
_ARABIC = {
    "ب": "b", "ت": "t", "ط": "t", "ث": "s", "ج": "g", "ح": "h", "ه": "h", "خ": "k",
    "د": "d", "ض": "d", "ذ": "s", "ظ": "s", "ر": "r", "ز": "s", "س": "s", "ص": "s",
    "ش": "x", "غ": "g", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n",
}  # fmt: skip


def _latin_consonants(token: str) -> str:
    for digraph, sound in _LATIN_DIGRAPHS:
        token = token.replace(digraph, sound if sound != "x" else "\x00")
    out = []
    for i, char in enumerate(token):
        if char == "\x00":
            out.append("x")
        elif char == "c" and i + 1 < len(token) and token[i + 1] in "eiy":
            out.append("s")
        else:
            out.append(_LATIN.get(char, ""))
    return "".join(out)


def _arabic_consonants(token: str) -> str:
    return "".join(_ARABIC.get(char, "") for char in token)


@lru_cache(maxsize=65536)
def skeleton(token: str) -> str | None:
    """The consonant skeleton of one normalised token, or None when too short to use."""
    if token.isdigit():
        return None
    if "\u0621" <= token[0] <= "\u064a":
        raw = _arabic_consonants(strip_article(token))
    else:
        raw = _latin_consonants(token)
    collapsed = "".join(c for i, c in enumerate(raw) if i == 0 or raw[i - 1] != c)
    if collapsed.endswith("h") and len(collapsed) > 1:
        collapsed = collapsed[:-1]
    return collapsed if len(collapsed) >= MIN_SKELETON else None
