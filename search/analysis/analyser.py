"""Listing text to index tokens: the document side of the shared analysis."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from search.analysis.normalise import WORD_CACHE, tokenise
from search.analysis.phonetic import skeleton
from search.analysis.stemming import stem
from search.analysis.vocabulary import Vocabulary, load_vocabulary


@dataclass
class TextTokens:
    """One text's tokens per index field (each joined by spaces into a whitespace field)."""

    surface: list[str] = field(default_factory=list)  # normalised words (fuzzy, prefixes)
    stems: list[str] = field(default_factory=list)  # stemmed words (full-text match)
    canon: list[str] = field(default_factory=list)  # canonical tokens of vocabulary phrases
    phonetic: list[str] = field(default_factory=list)  # consonant skeletons

    def extend(self, other: TextTokens) -> None:
        self.surface += other.surface
        self.stems += other.stems
        self.canon += other.canon
        self.phonetic += other.phonetic


def fold_variants(tokens: list[str], vocabulary: Vocabulary) -> list[str]:
    """Egyptian spellings to one written form (ماتور -> موتور)."""
    return [vocabulary.folds.get(token, token) for token in tokens]


def canonical_tokens(tokens: list[str], vocabulary: Vocabulary) -> list[str]:
    """Canonical tokens of every vocabulary phrase in a token list (longest match first)."""
    found: list[str] = []
    position, longest = 0, vocabulary.longest
    while position < len(tokens):
        if not vocabulary.may_start(tokens[position]):
            position += 1
            continue
        length, canon = vocabulary.phrase_at(tuple(tokens[position : position + longest]))
        found += canon
        position += max(length, 1)
    return found


@dataclass(frozen=True)
class _Word:
    """One whitespace-separated word of listing text, analysed on its own."""

    tokens: tuple[str, ...]  # folded tokens, stop words included (vocabulary phrases)
    surface: tuple[str, ...]
    stems: tuple[str, ...]
    phonetic: tuple[str, ...]


@lru_cache(maxsize=WORD_CACHE)
def _analysed_word(word: str) -> _Word:
    vocabulary = load_vocabulary()
    tokens = fold_variants(tokenise(word), vocabulary)
    words = [t for t in tokens if t not in vocabulary.stopwords]
    return _Word(
        tokens=tuple(tokens),
        surface=tuple(words),
        stems=tuple(stem(t) for t in words),
        phonetic=tuple(s for s in map(skeleton, words) if s),
    )


def analyse_text(text: str | None) -> TextTokens:
    """Analyse a listing's text (title, description, spec words) for indexing.

    Tokens never span whitespace, so every word is analysed once per process and looked up
    after that; only the vocabulary phrases (which may span words) are matched per text.
    """
    if not text:
        return TextTokens()
    analysed = TextTokens()
    tokens: list[str] = []
    for word in map(_analysed_word, text.split()):
        tokens += word.tokens
        analysed.surface += word.surface
        analysed.stems += word.stems
        analysed.phonetic += word.phonetic
    analysed.canon = canonical_tokens(tokens, load_vocabulary())
    return analysed
