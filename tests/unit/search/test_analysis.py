"""The shared text analysis on its own: normalisation, stemming, synonyms, typos, phonetics."""

from __future__ import annotations

import pytest

from search.analysis.analyser import analyse_text
from search.analysis.normalise import is_franco, normalise, strip_article, tokenise
from search.analysis.phonetic import skeleton
from search.analysis.query_terms import analyse_query
from search.analysis.stemming import stem
from search.analysis.typos import edit_distance, near_vocabulary
from search.analysis.vocabulary import load_vocabulary


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("أحمد إبراهيم آمال ٱلسيارة", "احمد ابراهيم امال السياره"),
        ("مُسْتَعْمَلَة", "مستعمله"),
        ("سيـــارة", "سياره"),
        ("هيونداى", "هيونداي"),
        ("٢٠١٨ ۲۰۱۹", "2018 2019"),
        ("مسؤول مسئول", "مسوول مسيول"),
        ("Citroën TOYOTA", "citroen toyota"),
    ],
)
def test_normalise(raw: str, folded: str) -> None:
    assert normalise(raw) == folded


def test_tokenise_splits_scripts_and_keeps_model_codes() -> None:
    assert tokenise("تويوتا2018, Corolla!") == ["تويوتا", "2018", "corolla"]
    assert tokenise("Mercedes C-200 x5") == ["mercedes", "c200", "x5"]


def test_franco_arabic_is_told_from_model_codes() -> None:
    assert is_franco("3arabeya")
    assert is_franco("ta2seet")
    assert is_franco("a7mar")
    assert not any(is_franco(t) for t in ("x5", "c200", "320i", "4x4", "2018", "toyota"))


def test_article_stripping() -> None:
    assert strip_article("السياره") == "سياره"
    assert strip_article("بالتقسيط") == "تقسيط"
    assert strip_article("الي") == "الي"


def test_stemming_is_guarded() -> None:
    assert stem("كورولا") == "كورولا"  # vocabulary words stay whole
    assert stem("السيارة".replace("ة", "ه")) == stem("سياره")
    assert stem("wheels") == "wheel"
    assert stem("2018") == "2018"
    assert stem("ممتازه") == stem("ممتاز")


def test_phonetic_skeleton_meets_across_scripts() -> None:
    assert skeleton("hyundai") == skeleton("هيونداي") == "hnd"
    assert skeleton("sportage") == skeleton("سبورتاج")
    assert skeleton("mercedes") == skeleton("مرسيدس")
    assert skeleton("toyota") is None  # too short to trust


def test_vocabulary_canonicalises_any_spelling() -> None:
    vocabulary = load_vocabulary()
    for spelling in ("Toyota", "تويوتا", "تويوتة", "toyta"):
        assert vocabulary.canonical_of("make", spelling) == "toyota"
    assert vocabulary.canonical_of("model", "لاند كروزر") == "land cruiser"
    assert vocabulary.canonical_of("make", "Trabant") is None


def test_query_concepts() -> None:
    concepts = analyse_query("toyota korola ٢٠١٨ للبيع")
    assert [sorted(c.canon) for c in concepts] == [["make:toyota"], ["model:corolla"], []]
    assert concepts[2].year == 2018
    phrase = analyse_query("لاند كروزر")
    assert len(phrase) == 1
    assert phrase[0].canon == {"model:land_cruiser"}
    franco = analyse_query("3arabeya mosta3mala")
    assert [sorted(c.canon) for c in franco] == [["term:car"], ["term:used"]]


def test_typos_reach_the_nearest_vocabulary_word() -> None:
    assert edit_distance("hyundia", "hyundai", 2) == 1
    assert near_vocabulary("hyundaai") == {"make:hyundai"}
    assert near_vocabulary("tayotta") == {"make:toyota"}
    assert near_vocabulary("toyota") == frozenset()  # already a vocabulary word
    assert near_vocabulary("qwertyuiop") == frozenset()


def test_document_text_gets_canonical_tokens_of_every_script() -> None:
    arabic = analyse_text("هيونداى إلنترا ٢٠٢٠ فبريكا")
    english = analyse_text("Hyundai Elantra 2020")
    assert set(arabic.canon) == set(english.canon) == {"make:hyundai", "model:elantra"}
    assert "فابريكه" in arabic.surface  # Egyptian spelling folded


WHOLE_TEXTS = [
    "Mercedes C-200  x-5 Citroën, تويوتا2018! ﷺ test\u00a0word\u2003end",
    "أحمد  إبراهيم، آمال ٱلسيارة مُسْتَعْمَلَة سيـــارة ٢٠١٨ ۲۰۱۹ هيونداى",
    "  Nasr   City \ttab\nnew line — 4x4 320i لاند كروزر land cruiser بالتقسيط",
]


@pytest.mark.parametrize("text", WHOLE_TEXTS)
def test_word_by_word_analysis_equals_whole_text_analysis(text: str) -> None:
    """Texts are folded and tokenised a word at a time (cached): same result as a whole."""
    from search.analysis.normalise import _MODEL_CODE, _TOKEN, fold_spaces

    whole = _TOKEN.findall(_MODEL_CODE.sub(r"\1\2", normalise(text)))
    assert tokenise(text) == whole
    assert fold_spaces(text) == " ".join(normalise(text).split())
    vocabulary = load_vocabulary()
    tokens = [vocabulary.folds.get(t, t) for t in whole]
    words = [t for t in tokens if t not in vocabulary.stopwords]
    expected_canon: list[str] = []
    position = 0
    while position < len(tokens):  # the plain longest-match scan
        length, canon = vocabulary.match(tokens, position)
        expected_canon += sorted(canon)
        position += max(length, 1)
    analysed = analyse_text(text)
    assert analysed.surface == words
    assert analysed.stems == [stem(t) for t in words]
    assert analysed.phonetic == [s for s in map(skeleton, words) if s]
    assert analysed.canon == expected_canon
    assert "model:land_cruiser" in analyse_text(WHOLE_TEXTS[2]).canon
