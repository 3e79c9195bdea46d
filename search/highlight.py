"""Highlighted snippets made with the same analysis as the search.

Elasticsearch's highlighters only know its own analysers; ours run in Python, so a word is
marked when its normalised form, its stem or its canonical synonym is one the query asked
for (a query "toyota" marks تويوتا in an Arabic title).
"""

from __future__ import annotations

import html
from functools import lru_cache

from search.analysis.analyser import fold_variants
from search.analysis.normalise import tokenise
from search.analysis.query_terms import Concept
from search.analysis.stemming import stem
from search.analysis.vocabulary import load_vocabulary

SNIPPET_WORDS = 24
JUDGED_QUERIES = 1024  # queries whose word judgments are kept between searches
JUDGED_WORDS = 8192  # words kept per query

Wanted = tuple[frozenset[str], frozenset[str], frozenset[str]]


def _wanted(concepts: tuple[Concept, ...]) -> Wanted:
    surface = frozenset(w for c in concepts for w in c.surface)
    stems = frozenset(s for c in concepts for s in c.stems)
    canon = frozenset(t for c in concepts for t in c.canon | c.near_canon)
    return surface, stems, canon


@lru_cache(maxsize=65536)
def _word_facts(word: str) -> tuple[tuple[str, str, frozenset[str]], ...]:
    """Each token of a displayed word with its stem and canonical tokens (cached)."""
    vocabulary = load_vocabulary()
    facts = []
    for token in fold_variants(tokenise(word), vocabulary):
        _, found = vocabulary.match([token], 0)
        facts.append((token, stem(token), frozenset(found)))
    return tuple(facts)


def _matches(word: str, wanted: Wanted) -> bool:
    surface, stems, canon = wanted
    return any(
        token in surface or stemmed in stems or not found.isdisjoint(canon)
        for token, stemmed, found in _word_facts(word)
    )


class _Judgments:
    """The words judged for one query (what the query marks), shared by its searches."""

    def __init__(self, wanted: Wanted) -> None:
        self.wanted = wanted
        self.judged: set[str] = set()
        self.marked: set[str] = set()
        self.shown: dict[str, str] = {}

    def marked_of(self, words: set[str]) -> set[str]:
        """Which of ``words`` the query marks; new words are kept up to ``JUDGED_WORDS``."""
        new = words - self.judged
        if not new:
            return words & self.marked
        fresh = {word for word in new if _matches(word, self.wanted)}
        if len(self.judged) < JUDGED_WORDS:
            self.judged |= new
            self.marked |= fresh
        return (words & self.marked) | fresh

    def show(self, word: str, marked: set[str]) -> str:
        shown = self.shown.get(word)
        if shown is None:
            escaped = html.escape(word)
            shown = f"<em>{escaped}</em>" if word in marked else escaped
            if word in self.judged:
                self.shown[word] = shown
        return shown


@lru_cache(maxsize=JUDGED_QUERIES)
def _judgments(wanted: Wanted) -> _Judgments:
    return _Judgments(wanted)


class Highlighter:
    """Marks one search's words in the texts of its hits.

    Each distinct word is judged once per query (and kept for its next searches, up to
    ``JUDGED_QUERIES`` queries of ``JUDGED_WORDS`` words): the hits of a page repeat most of
    their words (makes, models, the same spec phrases), and a popular query shows the same
    listings again. A text's words are compared with the marked ones as sets (most texts, the
    descriptions above all, mark nothing), and only the words of the snippet's window are
    escaped and joined.
    """

    def __init__(self, concepts: tuple[Concept, ...]) -> None:
        self.concepts = concepts
        self._judgments = _judgments(_wanted(concepts)) if concepts else None

    def __call__(self, text: str | None) -> str | None:
        """The text (or a window of it) with matching words in ``<em>``; None if none match."""
        judgments = self._judgments
        if not text or judgments is None:
            return None
        words = text.split()  # the same whitespace as a regular expression's \s
        marked = judgments.marked_of(set(words))
        if not marked:
            return None
        first = min(words.index(word) for word in marked)
        start = max(0, min(first - SNIPPET_WORDS // 3, len(words) - SNIPPET_WORDS))
        stop = min(len(words), start + SNIPPET_WORDS)
        prefix = "… " if start > 0 else ""
        suffix = " …" if stop < len(words) else ""
        shown = " ".join(judgments.show(word, marked) for word in words[start:stop])
        return prefix + shown + suffix


def highlight(text: str | None, concepts: tuple[Concept, ...]) -> str | None:
    """The text (or a window of it) with matching words in ``<em>``; None if none match."""
    return Highlighter(concepts)(text)
