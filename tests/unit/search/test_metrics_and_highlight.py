from __future__ import annotations

import pytest

from search.analysis.query_terms import analyse_query
from search.highlight import Highlighter, highlight
from search.relevance.metrics import ndcg_at, reciprocal_rank


def test_ndcg_and_reciprocal_rank() -> None:
    judgments = {"a": 3, "b": 2, "c": 1}
    assert ndcg_at(["a", "b", "c"], judgments) == pytest.approx(1.0)
    assert ndcg_at(["x", "y"], judgments) == 0.0
    assert 0 < ndcg_at(["c", "b", "a"], judgments) < 1
    assert reciprocal_rank(["x", "c", "b"], judgments) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x", "c"], {"c": 1}) == pytest.approx(0.5)


def test_highlight_marks_synonyms_across_scripts_and_escapes() -> None:
    marked = highlight("تويوتا كورولا 2018 <b>", analyse_query("toyota"))
    assert marked == "<em>تويوتا</em> كورولا 2018 &lt;b&gt;"
    assert highlight("Kia Rio", analyse_query("toyota")) is None


def test_one_highlighter_per_search_marks_every_hit_the_same_and_windows_long_texts() -> None:
    marks = Highlighter(analyse_query("corolla"))
    long_text = " ".join(["word"] * 30 + ["Corolla", "<2018>"] + ["word"] * 30)
    first, again = marks(long_text), marks(long_text)
    assert first == again == highlight(long_text, analyse_query("corolla"))
    assert first is not None
    assert first.startswith("… ")
    assert first.endswith(" …")
    assert "<em>Corolla</em> &lt;2018&gt;" in first
    assert len(first.split()) == 24 + 2  # the window, and the two ellipses
    assert marks("Kia Rio") is None
    assert Highlighter(())(long_text) is None


def test_a_query_past_its_kept_words_still_marks_new_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("search.highlight.JUDGED_WORDS", 2)
    concepts = analyse_query("rav4 hybrid")  # a query no other test here judges
    first = Highlighter(concepts)("Toyota RAV4 2021")  # fills the query's two kept words
    later = Highlighter(concepts)("Hybrid <SUV> beside a RAV4")  # new words: judged, not kept
    assert first == "Toyota <em>RAV4</em> 2021"
    assert later == "<em>Hybrid</em> &lt;SUV&gt; beside a <em>RAV4</em>"
