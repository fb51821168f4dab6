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

from sqlalchemy import (
    ColumnElement,
    Index,
    Select,
    String,
    UniqueConstraint,
    bindparam,
    column,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, WorkspaceMixin, dialect_of
from wowdesk.core.sql import Db, Stmt, driver
from wowdesk.core.text import Term, index_tokens, query_terms


class SearchDocument(IdMixin, WorkspaceMixin, Base):
    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id"),
        Index("ix_search_documents_ws_kind", "workspace_id", "kind"),
    )

    kind: Mapped[str] = mapped_column(String(32))
    ref_id: Mapped[int] = mapped_column(BigId, nullable=False)


_SQL = {
    ("postgresql", "insert"): "INSERT INTO search_documents (workspace_id, kind, ref_id, tsv) "
    "VALUES (:ws, :kind, :ref, array_to_tsvector(CAST(:t AS text[]))) RETURNING id",
    (
        "postgresql",
        "append",
    ): "UPDATE search_documents SET tsv = tsv || array_to_tsvector(CAST(:t AS text[])) "
    "WHERE kind = :kind AND ref_id = :ref",
    ("postgresql", "replace"): "UPDATE search_documents SET tsv = array_to_tsvector(CAST(:t AS text[])) "
    "WHERE kind = :kind AND ref_id = :ref",
    (
        "sqlite",
        "insert",
    ): "INSERT INTO search_documents (workspace_id, kind, ref_id) VALUES (:ws, :kind, :ref) RETURNING id",
    ("sqlite", "append"): "UPDATE search_fts SET tokens = tokens || ' ' || :t WHERE rowid = "
    "(SELECT id FROM search_documents WHERE kind = :kind AND ref_id = :ref)",
    ("sqlite", "replace"): "UPDATE search_fts SET tokens = :t WHERE rowid = "
    "(SELECT id FROM search_documents WHERE kind = :kind AND ref_id = :ref)",
    ("sqlite", "fts"): "INSERT INTO search_fts (rowid, tokens) VALUES (:id, :t)",
    ("sqlite", "doc"): "SELECT id FROM search_documents WHERE kind = :kind AND ref_id = :ref",
    ("postgresql", "doc"): "SELECT id FROM search_documents WHERE kind = :kind AND ref_id = :ref",
    ("sqlite", "remove_fts"): "DELETE FROM search_fts WHERE rowid = :id",
    ("sqlite", "remove"): "DELETE FROM search_documents WHERE id = :id",
    ("postgresql", "remove"): "DELETE FROM search_documents WHERE id = :id",
}
_STATEMENTS: dict[tuple[str, str], Stmt[Any]] = {key: Stmt(text(sql)) for key, sql in _SQL.items()}


def _dialect(db: Db) -> str:
    return "postgresql" if db.name == "postgresql" else "sqlite"


async def index_document(
    session: AsyncSession,
    *,
    workspace_id: int,
    kind: str,
    ref_id: int,
    content: str,
    append: bool = False,
    new: bool = False,
) -> None:
    """Index `content` for (kind, ref_id): as a `new` document (the caller knows it has none),
    replacing what was indexed, or adding to it with `append`. One or two statements."""
    tokens = index_tokens(content)
    db = await driver(session)
    dialect = _dialect(db)
    value: Any = tokens if dialect == "postgresql" else " ".join(tokens)
    params = {"ws": workspace_id, "kind": kind, "ref": ref_id, "t": value}
    if not new and await db.run(_STATEMENTS[(dialect, "append" if append else "replace")], params):
        return
    doc_id = await db.scalar(_STATEMENTS[(dialect, "insert")], params)
    if dialect == "sqlite":
        await db.run(_STATEMENTS[(dialect, "fts")], {"id": doc_id, "t": value})


async def remove_document(session: AsyncSession, *, kind: str, ref_id: int) -> None:
    db = await driver(session)
    dialect = _dialect(db)
    doc_id = await db.scalar(_STATEMENTS[(dialect, "doc")], {"kind": kind, "ref": ref_id})
    if doc_id is None:
        return
    if dialect == "sqlite":
        await db.run(_STATEMENTS[(dialect, "remove_fts")], {"id": doc_id})
    await db.run(_STATEMENTS[(dialect, "remove")], {"id": doc_id})


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


_FTS = table("search_fts", column("rowid"))


# -- clauses for prepared statements (core.sql): the words searched for are a parameter -----------------


def search_parameter(dialect: str, query: str) -> str | None:
    """The value of the ``q`` parameter of :func:`matches` for `query`: an FTS5 query on SQLite, a
    ``tsquery`` on PostgreSQL. None when the query has no searchable term."""
    terms = query_terms(query)
    if not terms:
        return None
    return _tsquery(terms) if dialect == "postgresql" else _fts5_query(terms)


def matches(dialect: str, ref_id: ColumnElement[Any], kind: str) -> ColumnElement[bool]:
    """``ref_id`` is among the documents of `kind` in workspace ``:ws`` matching ``:q``."""
    docs = select(SearchDocument.ref_id).where(
        SearchDocument.workspace_id == bindparam("ws"), SearchDocument.kind == kind
    )
    if dialect == "postgresql":
        docs = docs.where(text("search_documents.tsv @@ CAST(:q AS tsquery)"))
    else:
        docs = docs.where(
            SearchDocument.id.in_(
                select(text("rowid")).select_from(text("search_fts")).where(text("search_fts MATCH :q"))
            )
        )
    return ref_id.in_(docs)


def joined_matches(stmt: Select[Any], ref_id: ColumnElement[Any], kind: str) -> Select[Any]:
    """SQLite: `stmt` joined to the documents of `kind` in workspace ``:ws`` matching ``:q`` (one
    document per object: no row twice). The matches drive the query, each looked up by primary
    key, without the two lists that ``ref_id IN (SELECT … IN (SELECT rowid …))`` (:func:`matches`)
    builds first: 75 → 50 ms for a term in 45 % of 100k tickets, sorted by last activity."""
    return (
        stmt.join(SearchDocument, SearchDocument.ref_id == ref_id)
        .join(_FTS, _FTS.c.rowid == SearchDocument.id)
        .where(
            text("search_fts MATCH :q"),
            SearchDocument.workspace_id == bindparam("ws"),
            SearchDocument.kind == kind,
        )
    )


def newest_matching_first(stmt: Select[Any], ref_id: ColumnElement[Any], kind: str) -> Select[Any]:
    """SQLite: :func:`joined_matches`, newest document first, which the FTS5 index delivers in
    order: the query reads only as many matches as its LIMIT needs (2-5 ms for a term in 30,000
    tickets, against 40-60 ms to collect and sort them all). Documents are created with their
    object, so this is the objects' creation order."""
    return joined_matches(stmt, ref_id, kind).order_by(_FTS.c.rowid.desc())
