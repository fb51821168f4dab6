"""Prepared statements on the driver connection (core.sql): the same values as the ORM reads and
writes, lists of any length, one transaction with the ORM session, savepoints, clear errors."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from sqlalchemy import Table, bindparam, select
from sqlalchemy.exc import IntegrityError

from tests.conftest import Cast
from wowdesk.core.runtime import Runtime
from wowdesk.core.sql import Stmt, driver, in_list, insert_row, select_record
from wowdesk.core.uow import now
from wowdesk.customers.models import Customer, CustomerIdentity, CustomerRow

C = cast(Table, Customer.__table__)
I = cast(Table, CustomerIdentity.__table__)  # noqa: E741

_BY_ID = Stmt(select_record(CustomerRow, C).where(C.c.id == bindparam("id")), into=CustomerRow)
_BY_IDS = Stmt(select(C.c.id, C.c.name).where(in_list(C.c.id, "ids")).order_by(C.c.id))
_BY_NAMES = Stmt(select(C.c.id).where(C.c.workspace_id == bindparam("ws"), in_list(C.c.name, "names")))
_INSERT = Stmt(
    insert_row(
        C,
        (
            "workspace_id",
            "name",
            "language",
            "time_zone",
            "tags",
            "custom_attributes",
            "created_at",
            "updated_at",
        ),
        returning=("id",),
    )
)
_INSERT_IDENTITY = Stmt(
    insert_row(I, ("workspace_id", "customer_id", "channel", "value", "verified", "created_at"))
)

ODD = {"nested": {"list": [1, 2.5, None, True], "text": "包裹還沒到 \u2028 'quotes' \"double\""}}


def _values(ws: int, name: str, at: dt.datetime) -> dict[str, Any]:
    return {
        "workspace_id": ws,
        "name": name,
        "language": None,
        "time_zone": "Asia/Taipei",
        "tags": ["vip", "台北"],
        "custom_attributes": ODD,
        "created_at": at,
        "updated_at": at,
    }


async def test_values_read_back_exactly_as_written_and_as_the_orm_sees_them(
    runtime: Runtime, cast: Cast
) -> None:
    at = dt.datetime(2026, 3, 29, 1, 30, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    async with runtime.uow() as s:
        db = await driver(s)
        new_id = await db.scalar(_INSERT, _values(cast.workspace_id, "Lean 寫入", at))
    async with runtime.uow(write=False) as s:
        row = await (await driver(s)).one(_BY_ID, {"id": new_id})
        orm = await s.get(Customer, new_id)
    assert row is not None and orm is not None
    assert row.created_at == at and row.created_at.tzinfo == dt.UTC  # aware, in UTC, microseconds kept
    assert (row.tags, row.custom_attributes, row.language) == (["vip", "台北"], ODD, None)
    assert (orm.name, orm.tags, orm.custom_attributes, orm.created_at) == (row.name, row.tags, ODD, at)

    # and the other way round: what the ORM writes, the prepared statement reads the same
    async with runtime.uow() as s:
        c = Customer(
            workspace_id=cast.workspace_id,
            **{k: v for k, v in _values(0, "ORM", at).items() if k != "workspace_id"},
        )
        c.created_at = c.updated_at = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)  # no microseconds
        s.add(c)
        await s.flush()
        orm_id = c.id
    async with runtime.uow(write=False) as s:
        back = await (await driver(s)).one(_BY_ID, {"id": orm_id})
    assert back is not None and back.created_at == dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)
    assert back.custom_attributes == ODD


async def test_a_naive_datetime_is_refused(runtime: Runtime, cast: Cast) -> None:
    with pytest.raises(ValueError, match="naive"):
        async with runtime.uow() as s:
            await (await driver(s)).scalar(
                _INSERT, _values(cast.workspace_id, "naive", dt.datetime(2026, 1, 1))
            )


@pytest.mark.parametrize("n", [1, 2, 7, 250])
async def test_lists_of_any_length(runtime: Runtime, cast: Cast, n: int) -> None:
    ids = [c.id for c in cast.customers.values()]
    async with runtime.uow(write=False) as s:
        db = await driver(s)
        wanted = (ids * n)[:n]  # repeats are allowed and change nothing
        rows = await db.all(_BY_IDS, {"ids": [*wanted, 10**15]})  # a missing id matches nothing
        assert [r[0] for r in rows] == sorted(set(wanted))
        names = await db.all(_BY_NAMES, {"ws": cast.workspace_id, "names": ["王伟", "nobody"]})
        assert [r[0] for r in names] == [cast.customers["wang"].id]


async def test_changes_the_orm_holds_are_seen_by_prepared_statements(runtime: Runtime, cast: Cast) -> None:
    async with runtime.uow() as s:
        lisa = await s.get(Customer, cast.customers["lisa"].id)
        assert lisa is not None
        lisa.name = "renamed in the session"  # not flushed yet
        row = await (await driver(s)).one(_BY_ID, {"id": lisa.id})
        assert row is not None and row.name == "renamed in the session"


async def test_a_rolled_back_unit_of_work_leaves_nothing(runtime: Runtime, cast: Cast) -> None:
    class Boom(Exception):
        pass

    made: list[int] = []

    async def failing() -> None:
        async with runtime.uow() as s:
            made.append(await (await driver(s)).scalar(_INSERT, _values(cast.workspace_id, "ghost", now(s))))
            raise Boom

    with pytest.raises(Boom):
        await failing()
    async with runtime.uow(write=False) as s:
        assert await (await driver(s)).one(_BY_ID, {"id": made[0]}) is None


async def test_a_failed_savepoint_keeps_the_transaction_usable(runtime: Runtime, cast: Cast) -> None:
    lisa = cast.customers["lisa"]
    async with runtime.uow() as s:
        db = await driver(s)
        kept = await db.scalar(_INSERT, _values(cast.workspace_id, "kept", now(s)))

        async def clashing() -> None:
            async with db.savepoint():
                await db.scalar(_INSERT, _values(cast.workspace_id, "undone", now(s)))
                await db.run(
                    _INSERT_IDENTITY,
                    {
                        "workspace_id": cast.workspace_id,
                        "customer_id": lisa.id,
                        "channel": "email",
                        "value": "lisa@example.com",
                        "verified": False,
                        "created_at": now(s),
                    },
                )

        with pytest.raises(IntegrityError):  # lisa@example.com belongs to Lisa already: unique key
            await clashing()
        # PostgreSQL would refuse every further statement of an aborted transaction; here it goes on
        await db.scalar(_INSERT, _values(cast.workspace_id, "after", now(s)))
    async with runtime.uow(write=False) as s:
        names = await (await driver(s)).all(
            _BY_NAMES, {"ws": cast.workspace_id, "names": ["kept", "undone", "after"]}
        )
    assert len(names) == 2 and kept in [r[0] for r in names]


async def test_a_missing_parameter_is_named(runtime: Runtime) -> None:
    async with runtime.uow(write=False) as s:
        with pytest.raises(KeyError, match="'id'"):
            await (await driver(s)).one(_BY_ID, {})
