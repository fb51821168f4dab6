"""How many SQL statements a piece of work ran: the prepared ones (``core.sql``) and the ORM's
(an engine event in ``core.db``). The console reports it per page (``Server-Timing``) and tests
hold pages to a bound that does not grow with the data."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_statements: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "wowdesk_statements", default=None
)


@contextmanager
def counting() -> Iterator[list[int]]:
    """Count the statements run inside the block (in this task and what it awaits): ``counter[0]``."""
    counter = [0]
    token = _statements.set(counter)
    try:
        yield counter
    finally:
        _statements.reset(token)


def count_statement(*_args: object, **_kw: object) -> None:
    counter = _statements.get()
    if counter is not None:
        counter[0] += 1
