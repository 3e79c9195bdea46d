"""Market answers are kept per published version, and only for it."""

from __future__ import annotations

from pathlib import Path

from api.analytics.market_answers import MarketAnswers


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def test_an_answer_is_computed_once_per_version_and_key() -> None:
    answers, compute = MarketAnswers(), Counting()
    first, second = Path("marts-1.duckdb"), Path("marts-2.duckdb")
    assert answers.answer(first, ("overview", 30), compute) == 1
    assert answers.answer(first, ("overview", 30), compute) == 1
    assert answers.answer(first, ("overview", 7), compute) == 2  # other parameters
    assert answers.answer(second, ("overview", 30), compute) == 3  # a new publication
    assert answers.answer(second, ("overview", 30), compute) == 3
    assert answers.answer(first, ("overview", 30), compute) == 4  # nothing kept across versions


def test_the_least_recently_used_answers_go_beyond_the_size() -> None:
    answers, compute, version = MarketAnswers(size=2), Counting(), Path("marts-1.duckdb")
    answers.answer(version, "a", compute)
    answers.answer(version, "b", compute)
    answers.answer(version, "a", compute)  # a is now the most recent
    answers.answer(version, "c", compute)  # b goes
    assert compute.calls == 3
    assert answers.answer(version, "a", compute) == 1
    assert answers.answer(version, "b", compute) == 4


def test_size_zero_keeps_nothing() -> None:
    answers, compute, version = MarketAnswers(size=0), Counting(), Path("marts-1.duckdb")
    assert [answers.answer(version, "a", compute) for _ in range(3)] == [1, 2, 3]
