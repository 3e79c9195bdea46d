"""nDCG@k and reciprocal rank over graded judgments (0 = not relevant ... 3 = exactly it)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

RELEVANT_GRADE = 2


def dcg(grades: Sequence[int]) -> float:
    return float(sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades)))


def ndcg_at(ranked: Sequence[str], judgments: Mapping[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain of the top k against the ideal ordering."""
    ideal = dcg(sorted(judgments.values(), reverse=True)[:k])
    if ideal == 0:
        return 1.0 if not ranked else 0.0
    return dcg([judgments.get(doc, 0) for doc in ranked[:k]]) / ideal


def reciprocal_rank(ranked: Sequence[str], judgments: Mapping[str, int]) -> float:
    """1/rank of the first result graded relevant (>= 2, or the best grade there is)."""
    threshold = min(RELEVANT_GRADE, max(judgments.values(), default=0)) or 1
    for rank, doc in enumerate(ranked, start=1):
        if judgments.get(doc, 0) >= threshold:
            return 1.0 / rank
    return 0.0
