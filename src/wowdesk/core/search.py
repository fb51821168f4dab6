"""Full-text search index shared by every domain (tickets now; customers and articles later).

One row per indexed object in ``search_documents`` (kind, ref_id, workspace). The tokens come from
``core.text`` and are stored verbatim by each database's own full-text engine:

* SQLite: an FTS5 table ``search_fts`` (rowid = document id) over space-separated tokens;
* PostgreSQL: a ``tsvector`` column built with ``array_to_tsvector`` (no parser in between) and a
  GIN index, queried with a ``tsquery`` literal.

Both therefore match exactly the same terms, and both are updated in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, Select, String, UniqueConstraint, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, WorkspaceMixin, dialect_of
from wowdesk.core.text import Term, index_tokens, query_terms


class SearchDocument(IdMixin, WorkspaceMixin, Base):
    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id"),
        Index("ix_search_documents_ws_kind", "workspace_id", "kind"),
    )

    kind: Mapped[str] = mapped_column(String(32))
    ref_id: Mapped[int] = mapped_column(BigId, nullable=False)


async def index_document(
    session: AsyncSession, *, workspace_id: int, kind: str, ref_id: int, content: str, append: bool = False
) -> None:
    """Index `content` for (kind, ref_id), replacing what was there, or adding to it with `append`."""
    tokens = index_tokens(content)
    doc_id = (
        await session.execute(
            select(SearchDocument.id).where(SearchDocument.kind == kind, SearchDocument.ref_id == ref_id)
        )
    ).scalar_one_or_none()
    pg = dialect_of(session) == "postgresql"
    if doc_id is None:
        doc = SearchDocument(workspace_id=workspace_id, kind=kind, ref_id=ref_id)
        session.add(doc)
        await session.flush()
        doc_id, append = doc.id, False
        if not pg:
            await session.execute(
                text("INSERT INTO search_fts(rowid, tokens) VALUES (:id, :t)"),
                {"id": doc_id, "t": " ".join(tokens)},
            )
    elif not pg:
        if append:
            await session.execute(
                text("UPDATE search_fts SET tokens = tokens || ' ' || :t WHERE rowid = :id"),
                {"id": doc_id, "t": " ".join(tokens)},
            )
        else:
            await session.execute(
                text("UPDATE search_fts SET tokens = :t WHERE rowid = :id"),
                {"id": doc_id, "t": " ".join(tokens)},
            )
    if pg:
        expr = (
            "tsv || array_to_tsvector(CAST(:t AS text[]))"
            if append
            else "array_to_tsvector(CAST(:t AS text[]))"
        )
        await session.execute(
            text(f"UPDATE search_documents SET tsv = {expr} WHERE id = :id"), {"id": doc_id, "t": tokens}
        )


async def remove_document(session: AsyncSession, *, kind: str, ref_id: int) -> None:
    doc_id = (
        await session.execute(
            select(SearchDocument.id).where(SearchDocument.kind == kind, SearchDocument.ref_id == ref_id)
        )
    ).scalar_one_or_none()
    if doc_id is None:
        return
    if dialect_of(session) != "postgresql":
        await session.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": doc_id})
    await session.execute(text("DELETE FROM search_documents WHERE id = :id"), {"id": doc_id})


def _any_of(alternatives: list[str], sep: str) -> str:
    return alternatives[0] if len(alternatives) == 1 else "(" + sep.join(alternatives) + ")"


def _fts5_query(terms: list[Term]) -> str:
    return " AND ".join(
        _any_of([f'"{t}"' + ("*" if prefix else "") for t in alts], " OR ") for alts, prefix in terms
    )


def _tsquery(terms: list[Term]) -> str:
    def lexeme(t: str) -> str:
        return "'" + t.replace("\\", "\\\\").replace("'", "''") + "'"

    return " & ".join(
        _any_of([lexeme(t) + (":*" if prefix else "") for t in alts], " | ") for alts, prefix in terms
    )


def matching_refs(session: AsyncSession, *, workspace_id: int, kind: str, query: str) -> Select[Any] | None:
    """A subquery of the ref_ids of `kind` in the workspace that match every term of `query`.

    None when the query has no searchable term (only punctuation, say): the caller then matches
    nothing rather than everything.
    """
    terms = query_terms(query)
    if not terms:
        return None
    base = select(SearchDocument.ref_id).where(
        SearchDocument.workspace_id == workspace_id, SearchDocument.kind == kind
    )
    if dialect_of(session) == "postgresql":
        return base.where(
            text("search_documents.tsv @@ CAST(:tsq AS tsquery)").bindparams(tsq=_tsquery(terms))
        )
    return base.where(
        SearchDocument.id.in_(
            select(text("rowid"))
            .select_from(text("search_fts"))
            .where(text("search_fts MATCH :ftsq").bindparams(ftsq=_fts5_query(terms)))
        )
    )
