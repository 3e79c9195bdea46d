"""The full-text part of a search: query concepts to an Elasticsearch bool of dis_max clauses.

Each concept matches by its best alternative (dis_max): its canonical synonym tokens (the
same make/model/term in any script), near-miss vocabulary words (typos), stems in titles,
fuzzy normalised words, spec words, description stems and the phonetic skeleton. Most
concepts must match (all of one or two, all but one of three, three quarters of more).
"""

from __future__ import annotations

from typing import Any

from search.analysis.query_terms import Concept

CANON_BOOST = 4.0
NEAR_CANON_BOOST = 3.0
TITLE_BOOST = 2.0
YEAR_BOOST = 6.0
FUZZY_BOOST = 1.0
ATTRS_BOOST = 1.0
BODY_BOOST = 0.4
PHONETIC_BOOST = 0.6
PREFIX_BOOST = 0.5
MIN_FUZZY_LENGTH = 4
# Letters a fuzzy word must share at its start: 2 makes Elasticsearch rewrite far fewer terms
# (Arabic words of 6+ letters take 2 edits); typos of the first two letters are left to the
# vocabulary near-miss matching (search.analysis.typos), which runs in Python.
FUZZY_PREFIX = 2
CAR_PRIOR = 3.0  # a car marketplace: without a part or service word, cars come first
# Words that say little next to a make or a model ("3arabeya hyundai mosta3mala"): they rank,
# they don't have to match. On their own they are required like any word.
WEAK = frozenset({"term:car", "term:used", "term:new", "term:negotiable", "term:dealer"})
PART_OR_SERVICE = frozenset(
    {"term:spare_parts", "term:tyres", "term:brake_pads", "term:oil_filter", "term:battery",
     "term:headlight", "term:maintenance", "term:inspection", "term:detailing"}
)  # fmt: skip


def _match(field: str, words: tuple[str, ...], boost: float) -> dict[str, Any]:
    text = " ".join(words)
    if len(words) > 1:
        return {"match_phrase": {field: {"query": text, "boost": boost, "slop": 1}}}
    return {"match": {field: {"query": text, "boost": boost}}}


def concept_clause(concept: Concept, *, as_you_type: bool = False) -> dict[str, Any]:
    options: list[dict[str, Any]] = []
    for token in sorted(concept.canon):
        options.append({"term": {"search.canon": {"value": token, "boost": CANON_BOOST}}})
    for token in sorted(concept.near_canon):
        options.append({"term": {"search.canon": {"value": token, "boost": NEAR_CANON_BOOST}}})
    options.append(_match("search.title", concept.stems, TITLE_BOOST))
    options.append(_match("search.attrs", concept.stems, ATTRS_BOOST))
    options.append(_match("search.body", concept.stems, BODY_BOOST))
    if concept.year is not None:
        year = concept.year
        options.append(
            {"constant_score": {"filter": {"term": {"year": year}}, "boost": YEAR_BOOST}}
        )
        near = {"range": {"year": {"gte": year - 1, "lte": year + 1}}}
        options.append({"constant_score": {"filter": near, "boost": YEAR_BOOST / 2}})
    words = [w for w in concept.surface if len(w) >= MIN_FUZZY_LENGTH and not w.isdigit()]
    if words:
        options.append({"match": {"search.surface": {
            "query": " ".join(words), "fuzziness": "AUTO", "prefix_length": FUZZY_PREFIX,
            "max_expansions": 20, "operator": "and", "boost": FUZZY_BOOST}}})  # fmt: skip
    for skeleton in concept.phonetic:
        options.append({"term": {"search.phonetic": {"value": skeleton, "boost": PHONETIC_BOOST}}})
    if as_you_type and len(concept.surface) == 1 and len(concept.surface[0]) >= 2:
        options.append(
            {"prefix": {"search.surface": {"value": concept.surface[0], "boost": PREFIX_BOOST}}}
        )
    return {"dis_max": {"queries": options, "tie_breaker": 0.1}}


def minimum_should_match(count: int) -> int:
    if count <= 2:
        return count
    if count == 3:
        return 2
    return max(1, (count * 3) // 4)


def text_query(concepts: tuple[Concept, ...], *, as_you_type: bool) -> dict[str, Any] | None:
    """Most word concepts must match; years and weak words only rank (a 2017 Corolla still
    answers "corolla 2018")."""
    if not concepts:
        return None
    clauses = [
        (c, concept_clause(c, as_you_type=as_you_type and i == len(concepts) - 1))
        for i, c in enumerate(concepts)
    ]
    strong = [c for c in concepts if c.year is None and not (c.canon and c.canon <= WEAK)]
    required = [cl for c, cl in clauses if c in strong] or [cl for _, cl in clauses]
    optional = [cl for c, cl in clauses if strong and c not in strong]
    words = {
        "bool": {"should": required, "minimum_should_match": minimum_should_match(len(required))}
    }
    should: list[dict[str, Any]] = [*optional]
    if not any(c.canon & PART_OR_SERVICE for c in concepts):
        should.append(
            {"constant_score": {"filter": {"term": {"category": "car"}}, "boost": CAR_PRIOR}}
        )
    return {"bool": {"must": [words], "should": should}}
