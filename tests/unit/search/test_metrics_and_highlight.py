from __future__ import annotations

import pytest

from search.analysis.query_terms import analyse_query
from search.highlight import highlight
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
