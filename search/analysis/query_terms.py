"""A buyer's query to concepts: the query side of the shared analysis.

Each concept is one thing the buyer asked for (a word, or a vocabulary phrase such as
"land cruiser" / "لاند كروزر"), with the alternatives the query builder may match it by:
its stems, its canonical synonym tokens, near-miss vocabulary words (typos), its phonetic
skeleton, and a year when it is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from search.analysis.analyser import fold_variants
from search.analysis.normalise import is_arabic, tokenise
from search.analysis.phonetic import skeleton
from search.analysis.stemming import stem
from search.analysis.typos import near_vocabulary
from search.analysis.vocabulary import load_vocabulary

OLDEST_YEAR = 1950
NEWEST_YEAR = 2035


@dataclass(frozen=True)
class Concept:
    surface: tuple[str, ...]
    stems: tuple[str, ...]
    canon: frozenset[str]
    near_canon: frozenset[str]
    phonetic: tuple[str, ...]
    year: int | None = None

    @property
    def text(self) -> str:
        return " ".join(self.surface)


def _year(token: str) -> int | None:
    if token.isdigit() and len(token) == 4 and OLDEST_YEAR <= int(token) <= NEWEST_YEAR:
        return int(token)
    return None


def _single(token: str) -> Concept:
    return Concept(
        surface=(token,),
        stems=(stem(token),),
        canon=frozenset(),
        near_canon=near_vocabulary(token),
        phonetic=tuple(s for s in [skeleton(token)] if s),
        year=_year(token),
    )


@lru_cache(maxsize=8192)
def analyse_query(query: str) -> tuple[Concept, ...]:
    """The concepts of a query, in order; stop words dropped unless nothing else is left."""
    vocabulary = load_vocabulary()
    tokens = fold_variants(tokenise(query), vocabulary)
    concepts: list[Concept] = []
    position = 0
    while position < len(tokens):
        length, canon = vocabulary.match(tokens, position)
        if length:
            words = tuple(tokens[position : position + length])
            concepts.append(
                Concept(
                    surface=words,
                    stems=tuple(stem(t) for t in words),
                    canon=frozenset(canon),
                    near_canon=frozenset(),
                    phonetic=tuple(s for s in map(skeleton, words) if s),
                    year=_year(words[0]) if length == 1 else None,
                )
            )
            position += length
            continue
        concepts.append(_single(tokens[position]))
        position += 1
    meaningful = [c for c in concepts if c.canon or c.text not in vocabulary.stopwords]
    return tuple(meaningful or concepts)


def query_scripts(concepts: tuple[Concept, ...]) -> set[str]:
    """Which scripts a query uses ("ar", "latin"), for the logs and the judgment list."""
    return {"ar" if is_arabic(c.surface[0]) else "latin" for c in concepts if c.surface}
