"""Text normalisation for search, shared by every language we serve.

Chinese has no spaces, so Chinese runs are indexed as overlapping character bigrams (plus single
characters), the scheme of Lucene's CJK analyser. Before that, Traditional is converted to
Simplified with OpenCC, so a search typed in either script finds text written in the other.
Other scripts are split into lower-cased words (accents dropped); query words match as prefixes.

OpenCC converts phrase by phrase: 瞭解 becomes 了解 but 瞭 alone stays, 乾隆 stays but 乾 alone
becomes 干. A piece of a text can therefore convert differently from the same piece inside the
text. So both conversions are indexed, the phrase-aware one (what a reader of Simplified types) and
the character-by-character one (which a piece always shares with its whole text), and each query
term is a set of alternatives of which one must match.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import cache
from typing import Any

MAX_TOKENS = 20_000
MAX_WORD = 40
MAX_TERMS = 32

_CJK = (
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"  # Han
    r"\u3040-\u30ff\u31f0-\u31ff"  # kana
    r"\uac00-\ud7af"  # hangul
)
_CJK_RE = re.compile(rf"[{_CJK}]")

# A query term: (alternatives, one of which must match; matched as a prefix?).
Term = tuple[tuple[str, ...], bool]


@cache
def _runs_re() -> re.Pattern[str]:
    """CJK runs, and words: letters and digits that are not CJK (so 訂單TW10231已出貨 splits into
    three runs), with the combining marks inside them (the dot of İ lower-cased, Devanagari and
    Thai vowel signs), which would otherwise cut a word in pieces."""
    marks = "".join(
        f"\\U{first:08x}-\\U{last:08x}"
        for first, last in _ranges(
            c
            for c in itertools.chain(range(0x20000), range(0xE0000, 0xE1000))
            if unicodedata.category(chr(c)).startswith("M")
        )
    )
    letter = rf"[^\W_{_CJK}]"
    return re.compile(rf"([{_CJK}]+)|({letter}(?:{letter}|[{marks}])*)")


def _ranges(codes: Any) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for c in codes:
        if out and out[-1][1] == c - 1:
            out[-1] = (out[-1][0], c)
        else:
            out.append((c, c))
    return out


@cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


# Each CJK character's Simplified form, filled as characters are met, in the form str.translate
# takes: the conversion of a text is then one C call instead of a Python loop over it.
_BY_CHAR: dict[int, str] = {}


def to_simplified(text: str) -> str:
    """Traditional → Simplified, phrase by phrase."""
    return str(_converter().convert(text)) if _CJK_RE.search(text) else text


def to_simplified_by_char(text: str) -> str:
    """Traditional → Simplified, each character on its own."""
    found = _CJK_RE.findall(text)
    if not found:
        return text
    table = _BY_CHAR
    new = [c for c in set(found) if ord(c) not in table]
    if new:
        convert = _converter().convert
        for c in new:
            table[ord(c)] = str(convert(c))
    return text.translate(table)


def normalize(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def _variants(text: str) -> tuple[str, str]:
    """The text normalised with the phrase-aware and with the character-by-character conversion."""
    nfkc = unicodedata.normalize("NFKC", text)
    return to_simplified(nfkc).lower(), to_simplified_by_char(nfkc).lower()


def _fold(word: str) -> str:
    """Drop accents from a non-CJK word (café → cafe), as both search engines then agree."""
    if word.isascii():
        return word[:MAX_WORD]
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))[:MAX_WORD]


def _grams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def index_tokens(text: str) -> list[str]:
    """Tokens to index: CJK unigrams and bigrams, other words whole (deduplicated, order kept)."""
    out: dict[str, None] = {}
    by_phrase, by_char = _variants(text)
    for variant in dict.fromkeys((by_phrase, by_char)):
        for cjk, word in _runs_re().findall(variant):
            if cjk:
                for i, ch in enumerate(cjk):
                    out[ch] = None
                    if i + 1 < len(cjk):
                        out[cjk[i : i + 2]] = None
            elif word:
                out[_fold(word)] = None
            if len(out) >= MAX_TOKENS:
                return list(out)[:MAX_TOKENS]
    return list(out)


def query_terms(text: str) -> list[Term]:
    """Terms a query must all match. CJK runs become bigrams (a lone character stays a unigram),
    each with its phrase-aware and its character-by-character spelling as alternatives; other words
    match as prefixes."""
    by_phrase, by_char = _variants(text)
    runs = _runs_re().findall(by_char)
    phrase_runs = _runs_re().findall(by_phrase)
    aligned = len(runs) == len(phrase_runs) and all(
        len(a[0]) == len(b[0]) and len(a[1]) == len(b[1]) for a, b in zip(runs, phrase_runs, strict=True)
    )
    terms: dict[Term, None] = {}
    for i, (cjk, word) in enumerate(runs):
        if cjk:
            other = phrase_runs[i][0] if aligned else cjk
            for gram, alt in zip(_grams(cjk), _grams(other), strict=True):
                terms[(tuple(dict.fromkeys((gram, alt))), False)] = None
        elif word:
            terms[((_fold(word),), True)] = None
    return list(terms)[:MAX_TERMS]
