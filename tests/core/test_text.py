"""Search text: tokens (zh-Hant ⇄ zh-Hans through OpenCC, CJK bigrams, word prefixes, accents folded)
and the full-text index of the current target database (FTS5 on SQLite, tsvector on PostgreSQL)."""

from __future__ import annotations

import contextlib
import itertools
import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Cast
from wowdesk.core.runtime import Runtime
from wowdesk.core.search import SearchDocument, index_document, matching_refs, remove_document
from wowdesk.core.text import index_tokens, normalize, query_terms

_refs = itertools.count(1)


class Rollback(Exception):
    """Leave the shared database as it was: every search test runs in a rolled-back transaction."""


def _ref() -> int:
    return 10_000_000 + next(_refs)


async def _found(session: AsyncSession, ws: int, query: str, kind: str = "test") -> set[int]:
    sub = matching_refs(session, workspace_id=ws, kind=kind, query=query)
    if sub is None:
        return set()
    rows = await session.execute(select(SearchDocument.ref_id).where(SearchDocument.ref_id.in_(sub)))
    return set(rows.scalars())


# -- tokens -------------------------------------------------------------------------------------------------


def test_traditional_and_simplified_tokenise_alike() -> None:
    assert normalize("頭髮") == normalize("头发") == "头发"
    assert index_tokens("我的包裹還沒到") == index_tokens("我的包裹还没到")
    assert query_terms("退貨") == query_terms("退货") == [(("退货",), False)]


def test_cjk_runs_become_unigrams_and_bigrams() -> None:
    assert index_tokens("退款到账") == ["退", "退款", "款", "款到", "到", "到账", "账"]
    assert query_terms("退款到账") == [(("退款",), False), (("款到",), False), (("到账",), False)]
    assert query_terms("退") == [(("退",), False)]  # a lone character stays a unigram
    assert index_tokens("注文の状況") == ["注", "注文", "文", "文の", "の", "の状", "状", "状况", "况"]


def test_words_are_lowercased_folded_and_matched_as_prefixes() -> None:
    assert index_tokens("Café CAFÉ naïve Ｒｅｆｕｎｄ") == ["cafe", "naive", "refund"]
    assert query_terms("ref Café") == [(("ref",), True), (("cafe",), True)]
    assert index_tokens("訂單 TW-10231 shipped") == ["订", "订单", "单", "tw", "10231", "shipped"]
    assert query_terms("!!! ... ---") == []


def test_dotted_capital_i_folds_like_other_accents() -> None:
    # "İ".lower() is "i" + a combining dot: the dot must not split the word in two.
    assert index_tokens("İstanbul") == ["istanbul"]
    assert query_terms("istanbul") == [(("istanbul",), True)]


def test_words_with_combining_marks_stay_whole() -> None:
    # Devanagari and Thai vowel signs are marks, not letters; a word must not fall apart at them.
    assert len(index_tokens("हिन्दी")) == 1
    assert len(index_tokens("ภาษาไทย")) == 1


@given(st.text(max_size=300))
def test_tokenising_never_raises(text: str) -> None:
    for token in index_tokens(text):
        assert token and " " not in token and token == token.strip()
    for alternatives, _prefix in query_terms(text):
        assert alternatives and all(t and " " not in t for t in alternatives)


# -- the index of the current target database ---------------------------------------------------------------


async def test_search_finds_across_scripts_prefixes_and_accents(runtime: Runtime, cast: Cast) -> None:
    ws = cast.workspace_id
    docs = {
        _ref(): "我的包裹已經五天沒有更新了 parcel TW-10231",
        _ref(): "退款什么时候到账？",
        _ref(): "Le café était froid",
        _ref(): "Wrong size delivered",
    }
    parcel, refund, cafe, size = docs

    async def body() -> None:
        async with runtime.uow() as s:
            for ref, content in docs.items():
                await index_document(s, workspace_id=ws, kind="test", ref_id=ref, content=content)
            assert await _found(s, ws, "包裹 更新") == {parcel}
            assert await _found(s, ws, "包裹 更新", kind="other") == set()
            assert await _found(s, ws, "沒有更新") == await _found(s, ws, "没有更新") == {parcel}
            assert await _found(s, ws, "退款") == await _found(s, ws, "時候到賬") == {refund}
            assert await _found(s, ws, "CAFE") == await _found(s, ws, "caf") == {cafe}
            assert await _found(s, ws, "deliv wrong") == {size}
            assert await _found(s, ws, "tw-10231") == {parcel}
            assert await _found(s, ws, "wrong parcel") == set()  # every term must match
            assert await _found(s, ws, "?!") == set()  # nothing searchable: nothing, not everything
            assert await _found(s, ws + 1, "退款") == set()  # another workspace
            await index_document(
                s, workspace_id=ws, kind="test", ref_id=size, content="尺寸不對", append=True
            )
            assert await _found(s, ws, "尺寸") == await _found(s, ws, "wrong") == {size}
            await index_document(s, workspace_id=ws, kind="test", ref_id=size, content="replaced")
            assert await _found(s, ws, "wrong") == set() and await _found(s, ws, "replac") == {size}
            await remove_document(s, kind="test", ref_id=size)
            assert await _found(s, ws, "replaced") == set()
            raise Rollback

    with contextlib.suppress(Rollback):
        await body()


def test_cjk_next_to_latin_letters_is_still_cjk() -> None:
    assert index_tokens("iPhone手機壞了") == ["iphone", "手", "手机", "机", "机坏", "坏", "坏了", "了"]
    assert "出货" in index_tokens("訂單TW10231已出貨") and "tw10231" in index_tokens("訂單TW10231已出貨")


def test_a_phrase_converted_whole_and_in_pieces_matches_both_ways() -> None:
    # OpenCC converts 瞭解 (a phrase) to 了解, but 瞭 alone stays 瞭; 乾隆 stays, 乾 alone is 干.
    assert {"了解", "瞭解"} <= set(index_tokens("我瞭解了"))
    assert query_terms("瞭解") == [(("瞭解", "了解"), False)]
    assert set(query_terms("隆乾")[0][0]) == {"隆干"} and "隆干" in index_tokens("乾隆乾隆")


# Pieces with characters that OpenCC converts differently inside a phrase and alone, ordinary
# Chinese, kana, hangul, and Latin letters and digits written right against them.
PIECES = [*"乾隆瞭解著名頭髮後來皇后於是理髮店一隻中國的歷史包裹退款订单发货ぁアー한글"]
PIECES += ["乾隆", "瞭解", "瞭望", "乾燥", "理髮", "iPhone", "TW10231", "x", "7", " ", "-", "，"]
texts = st.lists(st.sampled_from(PIECES), min_size=1, max_size=14).map("".join)
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af]{2,}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=texts, cuts=st.lists(st.tuples(st.integers(0, 30), st.integers(2, 12)), max_size=4))
async def test_any_cjk_substring_finds_its_text(
    runtime: Runtime, cast: Cast, content: str, cuts: list[tuple[int, int]]
) -> None:
    ws, ref = cast.workspace_id, _ref()
    runs = CJK_RUN.findall(content)
    needles = set(runs) | {run[i % len(run) :][:n] for run in runs for i, n in cuts}
    needles = {n for n in needles if len(n) >= 2}

    async def body() -> None:
        async with runtime.uow() as s:
            await index_document(s, workspace_id=ws, kind="prop", ref_id=ref, content=content)
            for needle in needles:
                assert await _found(s, ws, needle, kind="prop") == {ref}, (content, needle)
            raise Rollback

    with contextlib.suppress(Rollback):
        await body()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=60))
async def test_any_query_runs_on_the_database(runtime: Runtime, cast: Cast, query: str) -> None:
    async with runtime.uow(write=False) as s:
        await _found(s, cast.workspace_id, query, kind="nothing-here")


latin = st.text(alphabet=st.sampled_from("aeiouncAEIOUNCàéïõüñçÀÉÏÕÜÑÇİ"), min_size=1, max_size=12)


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(latin, min_size=1, max_size=4))
async def test_a_word_is_found_without_its_accents(runtime: Runtime, cast: Cast, words: list[str]) -> None:
    ws, ref = cast.workspace_id, _ref()

    async def body() -> None:
        async with runtime.uow() as s:
            await index_document(s, workspace_id=ws, kind="prop", ref_id=ref, content=" ".join(words))
            for word in words:
                for query in (word, _plain(word), _plain(word)[:3]):
                    assert await _found(s, ws, query, kind="prop") == {ref}, (words, query)
            raise Rollback

    with contextlib.suppress(Rollback):
        await body()
