"""Authority limits, the compensation ledger, approvals and customers' credit over the API
(docs/compensation.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from wowdesk.accounts.permissions import APPROVALS_DECIDE, LEDGER_READ, LIMITS_MANAGE
from wowdesk.api.responses import model_response
from wowdesk.api.schemas import PageOut
from wowdesk.core.actor import Actor
from wowdesk.core.errors import InvalidInput
from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.http.deps import ActorDep, IdPath, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.policies.abuse import queries as abuse_queries
from wowdesk.policies.abuse.schemas import AbuseScoreOut
from wowdesk.policies.authority import actions as authority_actions
from wowdesk.policies.authority import queries as authority_queries
from wowdesk.policies.authority.schemas import (
    AgentLimitsIn,
    AgentLimitsOut,
    Kind,
    RoleLimitsIn,
    RoleLimitsOut,
)
from wowdesk.policies.ledger import actions, queries
from wowdesk.policies.ledger.schemas import (
    ApprovalStatus,
    ApprovalWithEntryOut,
    CreditsOut,
    DecisionIn,
    EntryDetailOut,
    GrantOutcome,
    GrantRequest,
    LedgerEntryOut,
    LedgerFilter,
    MyAuthorityOut,
    SpendIn,
    SpendOut,
    Status,
    check_key,
)

router = APIRouter(prefix="/api/v1", tags=["compensation"], route_class=StandardJSONRoute)

CanManageLimits = Annotated[Actor, Depends(needs(LIMITS_MANAGE))]
CanDecide = Annotated[Actor, Depends(needs(APPROVALS_DECIDE))]
CanExport = Annotated[Actor, Depends(needs(LEDGER_READ))]
HEADER = "idempotency-key"
MAX_EXPORT = 50_000  # rows in one CSV (narrow it with from/to for more)
Since = Query(None, alias="from", max_length=40, description="A date (UTC day) or an ISO 8601 moment")
Until = Query(
    None, alias="to", max_length=40, description="A date (that day included) or a moment (excluded)"
)


def _key(request: Request, body_key: str | None) -> str | None:
    """The Idempotency-Key header or the body's key (both: they must agree)."""
    header = request.headers.get(HEADER)
    if header is None:
        return body_key
    try:
        key = check_key(header)
    except Invalid as exc:
        raise InvalidInput(exc.template, **exc.params) from None
    if body_key is not None and body_key != key:
        raise InvalidInput(N_("The Idempotency-Key header and the body's idempotency_key differ."))
    return key


def _moment(value: str | None, *, end_of_day: bool) -> dt.datetime | None:
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
            return start + dt.timedelta(days=1) if end_of_day else start
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            N_("{value} is not a date (2026-03-01) or a date and time (2026-03-01T08:00:00+08:00)."),
            value=text[:40],
        ) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def _before(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if not cursor.isdigit() or not 1 <= int(cursor) <= MAX_DB_ID:
        raise InvalidInput(N_("The cursor is not valid."))
    return int(cursor)


# -- authority limits --------------------------------------------------------------------------------------


@router.get("/authority-limits", response_model=RoleLimitsOut, summary="The authority limits of each role")
async def get_role_limits(session: SessionDep, actor: ActorDep) -> Response:
    return model_response(await authority_queries.get_role_limits(session, actor))


@router.put(
    "/authority-limits",
    response_model=RoleLimitsOut,
    summary="Change roles' limits per kind: per grant and per day, in minor units (admins)",
    description="Only the roles and kinds named change. A null amount is no limit.",
)
async def put_role_limits(data: RoleLimitsIn, session: SessionDep, actor: CanManageLimits) -> Response:
    return model_response(await authority_actions.do_set_role_limits(session, actor, data))


@router.get(
    "/agents/{agent_id}/authority-limits",
    response_model=AgentLimitsOut,
    summary="An agent's overrides and the limits in force for them",
)
async def get_agent_limits(agent_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    return model_response(await authority_queries.get_agent_limits(session, actor, agent_id))


@router.put(
    "/agents/{agent_id}/authority-limits",
    response_model=AgentLimitsOut,
    summary="Replace an agent's overrides (kinds not named follow the role) (admins)",
)
async def put_agent_limits(
    agent_id: IdPath, data: AgentLimitsIn, session: SessionDep, actor: CanManageLimits
) -> Response:
    return model_response(await authority_actions.do_set_agent_limits(session, actor, agent_id, data))


@router.get(
    "/me/authority",
    response_model=MyAuthorityOut,
    summary="My limits, what I granted today and the most I may grant now without approval",
)
async def my_authority(session: SessionDep, actor: ActorDep) -> Response:
    return model_response(await queries.my_authority(session, actor))


# -- the ledger --------------------------------------------------------------------------------------------


@router.post(
    "/compensations",
    response_model=GrantOutcome,
    status_code=201,
    summary="Grant a refund, credit, reimbursement or replacement (Idempotency-Key required)",
    description="Within your limit it takes effect at once; above it, it waits for a supervisor's "
    "approval (`approval` in the answer). The same key again returns the first outcome as it is now "
    "(`replayed: true`, status 200); the same key with another request is a 409.",
)
async def grant(data: GrantRequest, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    data = data.model_copy(update={"idempotency_key": _key(request, data.idempotency_key)})
    outcome = await actions.do_grant_compensation(session, actor, data)
    if outcome.replayed:
        return model_response(outcome, headers={"Idempotent-Replayed": "true"})
    return model_response(outcome, status_code=201)


def _filter(
    customer: int | None = Query(None, ge=1, le=MAX_DB_ID),
    order: int | None = Query(None, ge=1, le=MAX_DB_ID),
    ticket: int | None = Query(None, ge=1, le=MAX_DB_ID),
    agent: int | None = Query(None, ge=1, le=MAX_DB_ID),
    kind: Kind | None = None,
    status: Status | None = None,
    since: str | None = Since,
    until: str | None = Until,
) -> LedgerFilter:
    return LedgerFilter(
        customer_id=customer,
        order_id=order,
        ticket_id=ticket,
        agent_id=agent,
        kind=kind,
        status=status,
        since=_moment(since, end_of_day=False),
        until=_moment(until, end_of_day=True),
    )


FilterDep = Annotated[LedgerFilter, Depends(_filter)]


@router.get(
    "/compensations",
    response_model=PageOut[LedgerEntryOut],
    summary="The ledger, newest first: filter by customer, order, ticket, agent, kind, status, dates",
    description="LEDGER_READ sees every entry; an agent sees theirs, and all of a ticket assigned to them.",
)
async def list_entries(
    f: FilterDep,
    session: SessionDep,
    actor: ActorDep,
    cursor: str | None = Query(None, max_length=20),
    limit: int = Query(50, ge=1, le=200),
) -> Response:
    page = await queries.list_filtered(session, actor, f, before=_before(cursor), limit=limit)
    return model_response(PageOut(items=page.items, next_cursor=page.next_cursor))


EXPORT_COLUMNS = (
    "id",
    "created_at",
    "kind",
    "status",
    "amount_minor",
    "currency",
    "customer_id",
    "order_id",
    "shipment_id",
    "ticket_id",
    "seller_id",
    "fulfilment",
    "agent_id",
    "actor",
    "authorised_by",
    "authorised_at",
    "policy_id",
    "policy_version",
    "reason_code",
    "note",
    "external_reference",
    "failure_reason",
    "delivered_at",
)


def _cell(value: object) -> str:
    text = "" if value is None else value.isoformat() if isinstance(value, dt.datetime) else str(value)
    # A cell a spreadsheet would run as a formula is written as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get(
    "/compensations/export.csv",
    summary="The ledger as CSV, with the same filters (LEDGER_READ)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_csv(f: FilterDep, session: SessionDep, actor: CanExport) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    before: int | None = None
    written = 0
    while written < MAX_EXPORT:
        page = await queries.list_filtered(session, actor, f, before=before, limit=1000)
        for entry in page.items:
            writer.writerow([_cell(getattr(entry, c)) for c in EXPORT_COLUMNS])
        written += len(page.items)
        if page.next_cursor is None:
            break
        before = int(page.next_cursor)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="compensations.csv"'},
    )


@router.get(
    "/compensations/{entry_id}",
    response_model=EntryDetailOut,
    summary="One ledger entry with its approval and audit trail",
)
async def get_entry(entry_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    return model_response(await queries.get_entry(session, actor, entry_id))


# -- approvals ---------------------------------------------------------------------------------------------


@router.get(
    "/approvals",
    response_model=PageOut[ApprovalWithEntryOut],
    summary="The approvals queue: requests above agents' limits (supervisors)",
)
async def list_approvals(
    session: SessionDep,
    actor: CanDecide,
    status: ApprovalStatus | None = "pending",
    cursor: str | None = Query(None, max_length=20),
    limit: int = Query(50, ge=1, le=200),
) -> Response:
    page = await queries.list_approvals(session, actor, status=status, before=_before(cursor), limit=limit)
    return model_response(PageOut(items=page.items, next_cursor=page.next_cursor))


@router.post(
    "/approvals/{approval_id}/approve",
    response_model=GrantOutcome,
    summary="Approve a request, with a reason (within your own limit; not your own request)",
)
async def approve(approval_id: IdPath, data: DecisionIn, session: SessionDep, actor: CanDecide) -> Response:
    return model_response(await actions.do_approve(session, actor, approval_id, data))


@router.post(
    "/approvals/{approval_id}/decline",
    response_model=GrantOutcome,
    summary="Decline a request, with the reason the agent will see",
)
async def decline(approval_id: IdPath, data: DecisionIn, session: SessionDep, actor: CanDecide) -> Response:
    return model_response(await actions.do_decline(session, actor, approval_id, data))


# -- credit ------------------------------------------------------------------------------------------------


@router.get(
    "/customers/{customer_id}/credits",
    response_model=CreditsOut,
    summary="A customer's credit balances (per currency) and latest spends",
)
async def credits(customer_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    return model_response(await queries.get_credits(session, actor, customer_id))


@router.get(
    "/customers/{customer_id}/abuse-score",
    response_model=AbuseScoreOut,
    summary="A customer's abuse score, explained factor by factor",
    description="0–100 from the last year of orders and compensations; at `threshold` the customer "
    "is under review: grants for them need a supervisor's approval (docs/compensation.md).",
)
async def abuse_score(customer_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    return model_response(await abuse_queries.get_abuse_score(session, actor, customer_id))


@router.post(
    "/customers/{customer_id}/credits/spend",
    response_model=SpendOut,
    status_code=201,
    summary="Spend a customer's credit (never below zero; Idempotency-Key required)",
)
async def spend(
    customer_id: IdPath, data: SpendIn, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    data = data.model_copy(update={"idempotency_key": _key(request, data.idempotency_key)})
    out = await actions.do_spend_credit(session, actor, customer_id, data)
    if out.replayed:
        return model_response(out, headers={"Idempotent-Replayed": "true"})
    return model_response(out, status_code=201)
