"""Listing text to index tokens: the document side of the shared analysis."""

from __future__ import annotations

from dataclasses import dataclass, field

from search.analysis.normalise import tokenise
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
    position = 0
    while position < len(tokens):
        length, canon = vocabulary.match(tokens, position)
        found += sorted(canon)
        position += max(length, 1)
    return found


def analyse_text(text: str | None) -> TextTokens:
    """Analyse a listing's text (title, description, spec words) for indexing."""
    if not text:
        return TextTokens()
    vocabulary = load_vocabulary()
    tokens = fold_variants(tokenise(text), vocabulary)
    words = [t for t in tokens if t not in vocabulary.stopwords]
    return TextTokens(
        surface=words,
        stems=[stem(t) for t in words],
        canon=canonical_tokens(tokens, vocabulary),
        phonetic=[s for s in map(skeleton, words) if s],
    )
