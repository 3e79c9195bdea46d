"""Snowball stemming (Arabic and English) with the guards our vocabulary needs."""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer

from search.analysis.normalise import is_arabic, normalise, strip_article
from search.analysis.vocabulary import load_vocabulary

_ARABIC = snowballstemmer.stemmer("arabic")
_ENGLISH = snowballstemmer.stemmer("english")
MIN_STEMMABLE = 3


@lru_cache(maxsize=1)
def _protected() -> frozenset[str]:
    return load_vocabulary().protected


@lru_cache(maxsize=131072)
def stem(token: str) -> str:
    """The stem of one normalised token.

    Numbers, model codes and vocabulary words (makes, models, terms) are kept whole. For
    Arabic the final ه that normalisation made of ة is given back as ة first, because the
    Snowball stemmer knows the feminine ending only in that form; the stem is normalised
    again, so index and query always agree.
    """
    if len(token) < MIN_STEMMABLE or not token.isalpha():
        return token
    protected = _protected()
    if token in protected:
        return token
    if is_arabic(token):
        bare = strip_article(token)
        if bare in protected:
            return bare
        word = token[:-1] + "ة" if token.endswith("ه") else token
        stemmed = normalise(_ARABIC.stemWord(word))
        return stemmed if len(stemmed) >= 2 else token
    return str(_ENGLISH.stemWord(token))
