"""Character-level normalisation of Arabic, English and Franco-Arabic text, and tokenising."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ARABIC_INDIC_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_PERSIAN_DIGITS = {ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")}
_LETTER_FOLDS = {
    ord("ٱ"): "ا",  # alef wasla
    ord("ة"): "ه",  # taa marbuta: Egyptians write عربيه and عربية alike
    ord("ى"): "ي",  # alef maqsura
    ord("ـ"): None,  # tatweel
    ord("ک"): "ك",
    ord("ی"): "ي",
    ord("گ"): "ج",  # Persian gaf, used for Egyptian g
    ord("چ"): "ج",
    ord("پ"): "ب",
    ord("ڤ"): "ف",
    ord("؟"): " ",
    ord("،"): " ",
    ord("؛"): " ",
}
_FOLD_TABLE = {**_ARABIC_INDIC_DIGITS, **_PERSIAN_DIGITS, **_LETTER_FOLDS}

# Combining marks: Latin accents, Arabic harakat, hamza marks, Quranic annotation signs.
_MARKS = re.compile("[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
# Hyphenated model codes stay one token: c-200 -> c200, x-5 -> x5, i-10 -> i10.
_MODEL_CODE = re.compile(r"\b([a-z]{1,3})-(\d{1,4})\b")
_TOKEN = re.compile(r"[a-z0-9]+|[\u0621-\u064a]+")
_FRANCO_DIGITS = frozenset("235789")
_MODEL_CODE_TOKEN = re.compile(r"^(?:[a-z]{1,3}\d{1,4}[a-z]?|\d{1,4}[a-z]{1,2}|\d+x\d+)$")


def normalise(text: str) -> str:
    """Fold a text to the form both the index and the queries use.

    Lower case; hamza forms of alef (أ إ آ ٱ) to ا; ؤ to و and ئ to ي; ة to ه; ى to ي;
    Arabic diacritics, Quranic marks and tatweel removed; Arabic-Indic and Persian digits to
    ASCII; Latin accents removed (Citroën -> citroen).
    """
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(_FOLD_TABLE)
    # NFKD splits أ into ا + hamza mark, é into e + accent: dropping the marks folds both.
    stripped = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    return unicodedata.normalize("NFC", stripped).translate(_FOLD_TABLE)


# Normalisation works character by character and no token or model code spans whitespace, so
# a text is folded and tokenised one whitespace-separated word at a time, each word once per
# process: listing text repeats a small vocabulary, and the Unicode passes cost the most.
WORD_CACHE = 65536


@lru_cache(maxsize=WORD_CACHE)
def _word_tokens(word: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(_MODEL_CODE.sub(r"\1\2", normalise(word))))


@lru_cache(maxsize=WORD_CACHE)
def _folded_word(word: str) -> tuple[str, ...]:
    return tuple(normalise(word).split())


def tokenise(text: str) -> list[str]:
    """Split normalised text into Latin-or-digit runs and Arabic-letter runs."""
    return [token for word in text.split() for token in _word_tokens(word)]


def fold_spaces(text: str) -> str:
    """The normalised text with its words separated by single spaces."""
    if text.isascii():
        return " ".join(text.lower().split())
    return " ".join(piece for word in text.split() for piece in _folded_word(word))


_ARTICLES = ("وال", "بال", "فال", "كال", "ال", "لل")


def strip_article(token: str) -> str:
    """An Arabic word without its definite article (السياره -> سياره, بالتقسيط -> تقسيط)."""
    for article in _ARTICLES:
        if token.startswith(article) and len(token) - len(article) >= 3:
            return token[len(article) :]
    return token


def is_arabic(token: str) -> bool:
    return bool(token) and "\u0621" <= token[0] <= "\u064a"


def is_number(token: str) -> bool:
    return token.isdigit()


def is_franco(token: str) -> bool:
    """Franco-Arabic ("3arabeya", "ta2seet", "a7mar"): Latin letters with digits for sounds.

    Model codes (x5, c200, i10, 320i, 4x4) are not Franco-Arabic.
    """
    if is_arabic(token) or token.isdigit() or token.isalpha():
        return False
    if _MODEL_CODE_TOKEN.match(token):
        return False
    letters = sum(c.isalpha() for c in token)
    return letters >= 2 and any(c in _FRANCO_DIGITS for c in token)
