"""Text normalisation for search, shared by every language we serve.

Chinese has no spaces, so Chinese runs are indexed as overlapping character bigrams (plus single
characters), the scheme of Lucene's CJK analyser. Before that, Traditional is converted to
Simplified with OpenCC, so a search typed in either script finds text written in the other.
Other scripts are split into lower-cased words; query words match as prefixes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

MAX_TOKENS = 20_000
MAX_WORD = 40

_CJK = (
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"  # Han
    r"\u3040-\u30ff\u31f0-\u31ff"  # kana
    r"\uac00-\ud7af"  # hangul
)
_RUN = re.compile(rf"([{_CJK}]+)|([^\W_]+)", re.UNICODE)
_CJK_RE = re.compile(rf"[{_CJK}]")


@cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_converter().convert(text)) if _CJK_RE.search(text) else text


def normalize(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def _fold(word: str) -> str:
    """Drop accents from a non-CJK word (café → cafe), as both search engines then agree."""
    if word.isascii():
        return word[:MAX_WORD]
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))[:MAX_WORD]


def index_tokens(text: str) -> list[str]:
    """Tokens to index: CJK unigrams and bigrams, other words whole (deduplicated, order kept)."""
    out: dict[str, None] = {}
    for cjk, word in _RUN.findall(normalize(text)):
        if cjk:
            for i, ch in enumerate(cjk):
                out[ch] = None
                if i + 1 < len(cjk):
                    out[cjk[i : i + 2]] = None
        elif word:
            out[_fold(word)] = None
        if len(out) >= MAX_TOKENS:
            break
    return list(out)


def query_terms(text: str) -> list[tuple[str, bool]]:
    """Terms a query must all match: (token, is_prefix). CJK runs become bigrams (a lone character
    stays a unigram); other words match as prefixes."""
    terms: dict[tuple[str, bool], None] = {}
    for cjk, word in _RUN.findall(normalize(text)):
        if cjk:
            if len(cjk) == 1:
                terms[(cjk, False)] = None
            for i in range(len(cjk) - 1):
                terms[(cjk[i : i + 2], False)] = None
        elif word:
            terms[(_fold(word), True)] = None
    return list(terms)[:32]
