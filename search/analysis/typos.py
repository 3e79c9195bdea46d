"""Near-miss matching of a query word against the vocabulary (typos: korrola, hyundia)."""

from __future__ import annotations

from functools import lru_cache

from search.analysis.normalise import is_arabic
from search.analysis.vocabulary import load_vocabulary

MIN_LENGTH = 4


def max_edits(length: int) -> int:
    return 1 if length < 7 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (transpositions count one), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=1)
def _single_words() -> dict[str, frozenset[str]]:
    vocabulary = load_vocabulary()
    return {
        phrase[0]: frozenset(canon)
        for phrase, canon in vocabulary.phrases.items()
        if len(phrase) == 1 and len(phrase[0]) >= MIN_LENGTH and not phrase[0].isdigit()
    }


@lru_cache(maxsize=16384)
def near_vocabulary(token: str) -> frozenset[str]:
    """Canonical tokens of the closest vocabulary words within the edit budget.

    Words already in the vocabulary, numbers and short words get nothing; only the
    candidates at the smallest distance are kept (hundai is nearer hyundai than honda).
    """
    words = _single_words()
    if len(token) < MIN_LENGTH or token.isdigit() or token in words:
        return frozenset()
    limit = max_edits(len(token))
    arabic = is_arabic(token)
    best = limit + 1
    found: set[str] = set()
    for word, canon in words.items():
        if is_arabic(word) != arabic:
            continue
        distance = edit_distance(token, word, limit)
        if distance < best:
            best, found = distance, set(canon)
        elif distance == best and distance <= limit:
            found |= canon
    return frozenset(found) if best <= limit else frozenset()
