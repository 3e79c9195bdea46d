"""The synonym and transliteration vocabulary (``search/data/synonyms.json``) in usable form.

Every variant of a make, model or common term, in any script, is normalised and tokenised
exactly like listing text and mapped to one canonical token: ``make:toyota``,
``model:corolla``, ``term:automatic``. Documents carry the canonical tokens of what they
mention; queries are expanded with the canonical tokens of what they say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from search.analysis.normalise import is_arabic, strip_article, tokenise

MAKE = "make"
MODEL = "model"
TERM = "term"
SEEN_LIMIT = 65536  # remembered tokens and phrase windows (indexing asks the same ones again)


def canonical_token(kind: str, name: str) -> str:
    return f"{kind}:{name.replace(' ', '_')}"


@dataclass
class Vocabulary:
    """Phrases (token tuples) to canonical tokens, Arabic spelling folds and stop words."""

    phrases: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    folds: dict[str, str] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()
    model_make: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    arabic_labels: dict[str, str] = field(default_factory=dict)
    longest: int = 1
    starts: set[str] = field(default_factory=set)
    _may_start: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)
    _phrases_at: dict[tuple[str, ...], tuple[int, tuple[str, ...]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def protected(self) -> frozenset[str]:
        """Tokens of vocabulary words: never stemmed (كورولا must not lose its alef)."""
        return frozenset(token for phrase in self.phrases for token in phrase)

    def add(self, variant: str, canonical: str) -> None:
        tokens = tuple(tokenise(variant))
        if not tokens:
            return
        self.phrases.setdefault(tokens, set()).add(canonical)
        self.starts.add(tokens[0])
        self.longest = max(self.longest, len(tokens))

    def match(self, tokens: list[str], start: int) -> tuple[int, set[str]]:
        """The longest vocabulary phrase starting at ``tokens[start]``: (length, canon)."""
        first = tokens[start]
        if first not in self.starts and strip_article(first) not in self.starts:
            return 0, set()
        for length in range(min(self.longest, len(tokens) - start), 0, -1):
            phrase = tuple(tokens[start : start + length])
            found = self.phrases.get(phrase)
            if not found and is_arabic(phrase[0]):
                found = self.phrases.get((strip_article(phrase[0]), *phrase[1:]))
            if found:
                return length, found
        return 0, set()

    def may_start(self, token: str) -> bool:
        """Whether a vocabulary phrase can start with this token (remembered per token)."""
        known = self._may_start.get(token)
        if known is None:
            if len(self._may_start) >= SEEN_LIMIT:
                self._may_start.clear()
            known = token in self.starts or strip_article(token) in self.starts
            self._may_start[token] = known
        return known

    def phrase_at(self, window: tuple[str, ...]) -> tuple[int, tuple[str, ...]]:
        """:meth:`match` at the start of a window of up to :attr:`longest` tokens, with the
        canonical tokens sorted (remembered per window: it depends on nothing else)."""
        known = self._phrases_at.get(window)
        if known is None:
            if len(self._phrases_at) >= SEEN_LIMIT:
                self._phrases_at.clear()
            length, canon = self.match(list(window), 0)
            known = self._phrases_at[window] = (length, tuple(sorted(canon)))
        return known

    def canonical_of(self, kind: str, text: str) -> str | None:
        """The canonical name of a make or model given in any spelling (None if unknown)."""
        tokens = tokenise(text)
        length, found = self.match(tokens, 0) if tokens else (0, set())
        if length != len(tokens):
            return None
        prefix = f"{kind}:"
        names = sorted(
            c.removeprefix(prefix).replace("_", " ") for c in found if c.startswith(prefix)
        )
        return names[0] if names else None


def _build(data: dict[str, Any]) -> Vocabulary:
    vocabulary = Vocabulary()
    for make, variants in data["makes"].items():
        token = canonical_token(MAKE, make)
        vocabulary.labels[token] = make
        vocabulary.arabic_labels[token] = next((v for v in variants if is_arabic(v)), make)
        for variant in [make, *variants]:
            vocabulary.add(variant, token)
    for model, spec in data["models"].items():
        token = canonical_token(MODEL, model)
        vocabulary.labels[token] = model
        vocabulary.model_make[model] = spec["make"]
        arabic = [v for v in spec["variants"] if is_arabic(v)]
        vocabulary.arabic_labels[token] = arabic[0] if arabic else model
        for variant in [model, *spec["variants"]]:
            vocabulary.add(variant, token)
    for term, variants in data["terms"].items():
        token = canonical_token(TERM, term)
        vocabulary.labels[token] = term
        for variant in [term, *variants]:
            vocabulary.add(variant, token)
    for standard, variants in data["arabic_variants"].items():
        if standard.startswith("_"):
            continue
        for variant in variants:
            for folded in tokenise(variant):
                vocabulary.folds[folded] = tokenise(standard)[0]
    words = [w for group in data["stopwords"].values() for w in group]
    vocabulary.stopwords = frozenset(t for w in words for t in tokenise(w))
    return vocabulary


@lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    """The vocabulary shipped in ``search/data/synonyms.json`` (read once per process)."""
    text = resources.files("search").joinpath("data/synonyms.json").read_text(encoding="utf-8")
    return _build(json.loads(text))
