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


def _wanted(concepts: tuple[Concept, ...]) -> tuple[set[str], set[str], set[str]]:
    surface = {w for c in concepts for w in c.surface}
    stems = {s for c in concepts for s in c.stems}
    canon = {t for c in concepts for t in c.canon | c.near_canon}
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


def _matches(word: str, wanted: tuple[set[str], set[str], set[str]]) -> bool:
    surface, stems, canon = wanted
    return any(
        token in surface or stemmed in stems or not found.isdisjoint(canon)
        for token, stemmed, found in _word_facts(word)
    )


class Highlighter:
    """Marks one search's words in the texts of its hits.

    Each distinct word is judged once per search: the hits of a page repeat most of their
    words (makes, models, the same spec phrases), so a page of twenty hits with four texts
    each asks about far fewer words than it shows. A text's words are compared with the
    marked ones as sets (most texts, the descriptions above all, mark nothing), and only the
    words of the snippet's window are escaped and joined.
    """

    def __init__(self, concepts: tuple[Concept, ...]) -> None:
        self.concepts = concepts
        self.wanted = _wanted(concepts)
        self._judged: set[str] = set()
        self._marked: set[str] = set()
        self._shown: dict[str, str] = {}

    def _judge(self, words: set[str]) -> None:
        for word in words - self._judged:
            if _matches(word, self.wanted):
                self._marked.add(word)
        self._judged |= words

    def _show(self, word: str) -> str:
        shown = self._shown.get(word)
        if shown is None:
            escaped = html.escape(word)
            shown = f"<em>{escaped}</em>" if word in self._marked else escaped
            self._shown[word] = shown
        return shown

    def __call__(self, text: str | None) -> str | None:
        """The text (or a window of it) with matching words in ``<em>``; None if none match."""
        if not text or not self.concepts:
            return None
        words = text.split()  # the same whitespace as a regular expression's \s
        distinct = set(words)
        self._judge(distinct)
        marked = distinct & self._marked
        if not marked:
            return None
        first = min(words.index(word) for word in marked)
        start = max(0, min(first - SNIPPET_WORDS // 3, len(words) - SNIPPET_WORDS))
        stop = min(len(words), start + SNIPPET_WORDS)
        prefix = "… " if start > 0 else ""
        suffix = " …" if stop < len(words) else ""
        return prefix + " ".join(self._show(word) for word in words[start:stop]) + suffix


def highlight(text: str | None, concepts: tuple[Concept, ...]) -> str | None:
    """The text (or a window of it) with matching words in ``<em>``; None if none match."""
    return Highlighter(concepts)(text)
