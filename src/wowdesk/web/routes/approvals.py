"""The approvals queue (supervisors, ``approvals.decide``): grants above an agent's limit, with who
asked, for whom, on which order, how much and why; approved (within the supervisor's own limit)
or declined with a reason the agent sees."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import APPROVALS_DECIDE
from wowdesk.commerce import queries as commerce
from wowdesk.core.errors import InvalidInput, NotFound
from wowdesk.core.i18n import N_, _
from wowdesk.customers import queries as customers
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.policies.ledger import actions, queries
from wowdesk.policies.ledger.schemas import MAX_NOTE, ApprovalWithEntryOut, DecisionIn
from wowdesk.web.console import Console, ConsoleRoute, done, needs, page
from wowdesk.web.forms import position, text
from wowdesk.web.labels import label
from wowdesk.web.routes.admin.common import or_again
from wowdesk.web.routes.resolution import words
from wowdesk.web.routes.resolution.panel import money
from wowdesk.web.shell import frame

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)
CanDecide = Annotated[Console, Depends(needs(APPROVALS_DECIDE))]

PAGE = 25
SHOWN = {"pending": N_("Waiting"), "approved": N_("Approved"), "declined": N_("Declined")}


async def _rows(session: AsyncSession, c: Console, items: list[ApprovalWithEntryOut]) -> list[dict[str, Any]]:
    """Each request with the names it needs: a fixed number of queries, plus one order per
    distinct order on the page (at most ``PAGE``)."""
    ws = c.actor.workspace_id
    agents = await accounts.agent_names(
        session, ws, {a.requested_by for a in items} | {a.decided_by for a in items}
    )
    names = await customers.customer_names(session, ws, sorted({a.entry.customer_id for a in items}))
    numbers: dict[int, str] = {}
    for order_id in sorted({a.entry.order_id for a in items if a.entry.order_id}):
        try:
            numbers[order_id] = (await commerce.get_order(session, c.actor, order_id)).number
        except NotFound:
            numbers[order_id] = f"#{order_id}"
    out = []
    for a in items:
        e = a.entry
        name, email = names.get(e.customer_id, (None, None))
        out.append(
            {
                "a": a,
                "e": e,
                "asked_by": agents.get(a.requested_by or 0, _("a policy") if a.requested_by is None else ""),
                "decided_by": agents.get(a.decided_by or 0, ""),
                "customer": name or email or f"#{e.customer_id}",
                "order": numbers.get(e.order_id or 0, ""),
                "kind": label(words.GRANT_KIND, e.kind),
                "amount": money(e.amount_minor, e.currency, c.language),
                "reason": label(words.REASON, e.reason_code),
                "why_above": label(words.ABOVE, a.request_reason) if a.request_reason else "",
            }
        )
    return out


async def _page(
    session: AsyncSession, c: Console, request: Request, *, error: str | None = None, status: int = 200
) -> Response:
    shown = text(request.query_params, "status") or "pending"
    if shown not in SHOWN:
        shown = "pending"
    before = position(request.query_params, "before")
    result = await queries.list_approvals(session, c.actor, status=shown, before=before, limit=PAGE)
    context = {
        "section": "approvals",
        "rows": await _rows(session, c, result.items),
        "shown": shown,
        "tabs": [(k, _(v)) for k, v in SHOWN.items()],
        "older": f"/approvals?status={shown}&before={result.next_cursor}" if result.next_cursor else None,
        "newest": f"/approvals?status={shown}" if before else None,
        "error": error,
    }
    return page(c, "approvals/index.html", http_status=status, **await frame(session, c, **context))


@router.get("/approvals")
async def index(request: Request, c: CanDecide, session: SessionDep) -> Response:
    return await _page(session, c, request)


def _reason(raw: str, *, required: bool) -> DecisionIn:
    if not raw:
        if required:
            raise InvalidInput(N_("Say why you decline it: the agent will read it."))
        raw = _("Approved.")
    if len(raw) > MAX_NOTE:
        raise InvalidInput(N_("The reason is longer than {max} characters."), max=MAX_NOTE)
    return DecisionIn(reason=raw)


async def _decide(
    approval_id: int, request: Request, c: Console, session: AsyncSession, approve: bool
) -> Response:
    form = await request.form()
    reason = text(form, "reason")

    async def act() -> Response:
        data = _reason(reason, required=not approve)
        if approve:
            out = await actions.do_approve(session, c.actor, approval_id, data)
            message = _(
                "Approved: {what} of {amount}.",
                what=label(words.GRANT_KIND, out.entry.kind),
                amount=money(out.entry.amount_minor, out.entry.currency, c.language),
            )
        else:
            out = await actions.do_decline(session, c.actor, approval_id, data)
            message = _(
                "Declined: {what} of {amount}.",
                what=label(words.GRANT_KIND, out.entry.kind),
                amount=money(out.entry.amount_minor, out.entry.currency, c.language),
            )
        return done(request, "/approvals", message=message)

    async def again(error: str, status: int) -> Response:
        return await _page(session, c, request, error=error, status=status)

    return await or_again(request, act, again)


@router.post("/approvals/{approval_id}/approve")
async def approve(approval_id: IdPath, request: Request, c: CanDecide, session: SessionDep) -> Response:
    return await _decide(approval_id, request, c, session, True)


@router.post("/approvals/{approval_id}/decline")
async def decline(approval_id: IdPath, request: Request, c: CanDecide, session: SessionDep) -> Response:
    return await _decide(approval_id, request, c, session, False)
