"""The resolution panel's forms on the ticket page: grant a compensation (within the agent's limit
at once, above it as an approval request), accept or dismiss a policy's suggestion.

Refused input (a bad amount, more than the order has left to refund, a suggestion decided
meanwhile) comes back as the ticket page with the reason above the form and what was typed in it
(or, for the page's script, as the error it shows next to the form); nothing is written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.commerce import queries as commerce
from wowdesk.core.errors import Conflict, InvalidInput, NotFound
from wowdesk.core.i18n import N_, Invalid, _
from wowdesk.core.money import parse_amount
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.policies.ledger import actions as ledger
from wowdesk.policies.ledger.schemas import GrantOutcome, GrantRequest
from wowdesk.policies.resolutions import actions as resolutions
from wowdesk.policies.resolutions.schemas import AcceptIn
from wowdesk.tickets import queries as tickets
from wowdesk.tickets.models import TicketRow
from wowdesk.web.console import Console, ConsoleDep, ConsoleRoute, done, wants_fragment
from wowdesk.web.forms import FormErrors, FormLike, optional_id, parse, text
from wowdesk.web.labels import label
from wowdesk.web.routes import tickets as ticket_pages
from wowdesk.web.routes.resolution import words
from wowdesk.web.routes.resolution.panel import grants_text, money

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

FIELDS = {
    "kind": N_("What"),
    "order_id": N_("Order no."),
    "amount_minor": N_("Amount"),
    "currency": N_("Amount"),
    "reason_code": N_("Reason"),
    "note": N_("Note"),
    "idempotency_key": N_("Form"),
}


async def _ticket(session: AsyncSession, c: Console, ticket_id: int) -> TicketRow:
    if not 1 <= ticket_id <= 2**63 - 1:
        raise NotFound(N_("Ticket not found."))
    return await tickets.get_ticket(session, c.actor, ticket_id, for_update=True)


def amount_of(raw: str, currency: str) -> int:
    """What the agent typed ("12.50") in minor units of `currency`, or a sentence why not."""
    if not raw:
        raise InvalidInput(N_("Give the amount, like 12.50."))
    try:
        minor = parse_amount(raw, currency)
    except Invalid as exc:
        raise InvalidInput(exc.template, **exc.params) from None
    if minor == 0:
        raise InvalidInput(N_("Give an amount above zero."))
    return minor


def _readable(exc: FormErrors) -> InvalidInput:
    """The schema's complaints with the form's own words for each field."""
    parts = []
    for name, problem in exc.fields.items():
        field = FIELDS.get(name.split(".")[0])
        parts.append(f"{_(field)}: {problem}" if field else problem)
    return InvalidInput(" ".join(parts) or _("Some fields are missing or not valid."))


async def _request(session: AsyncSession, c: Console, t: TicketRow, form: FormLike) -> GrantRequest:
    order_id = optional_id(form, "order_id")
    currency = c.workspace.currency
    if isinstance(order_id, int):
        currency = (await commerce.get_order(session, c.actor, order_id)).currency
    data: dict[str, Any] = {
        "kind": text(form, "kind"),
        "customer_id": t.requester_id,
        "order_id": order_id,
        "ticket_id": t.id,
        "amount_minor": amount_of(text(form, "amount"), currency),
        "currency": currency,
        "reason_code": text(form, "reason_code"),
        "note": text(form, "note") or None,
        "idempotency_key": text(form, "key") or None,
    }
    if text(form, "shipment_id"):
        data["shipment_id"] = optional_id(form, "shipment_id")
    try:
        return parse(GrantRequest, data)
    except FormErrors as exc:
        raise _readable(exc) from None


def outcome_message(out: GrantOutcome, language: str) -> str:
    e = out.entry
    what, amount = label(words.GRANT_KIND, e.kind), money(e.amount_minor, e.currency, language)
    if out.replayed:
        return _(
            "This was done already: {what} of {amount}, nothing granted twice.", what=what, amount=amount
        )
    if out.approval is not None:
        return _(
            "{what} of {amount} is above your limit: it was sent to a supervisor for approval.",
            what=what,
            amount=amount,
        )
    return _("{what} of {amount} granted.", what=what, amount=amount)


async def _or_page(
    request: Request,
    session: AsyncSession,
    c: Console,
    t: TicketRow,
    act: Callable[[], Awaitable[Response]],
    **typed: Any,
) -> Response:
    """Do it; refused, the ticket page again with the reason and what was typed (the script gets
    the reason to show next to its form)."""
    try:
        return await act()
    except (InvalidInput, Conflict) as exc:
        if wants_fragment(request):
            raise
        fresh = await tickets.get_ticket(session, c.actor, t.id)
        return await ticket_pages._show(
            session, c, fresh, request, status=exc.status, res_error=exc.localized(None), **typed
        )


@router.post("/tickets/{ticket_id}/resolution/grant")
async def grant(ticket_id: int, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    t = await _ticket(session, c, ticket_id)
    form = await request.form()
    typed = {k: text(form, k) for k in ("kind", "order_id", "amount", "reason_code", "note", "key")}

    async def act() -> Response:
        out = await ledger.do_grant_compensation(session, c.actor, await _request(session, c, t, form))
        return done(request, f"/tickets/{t.id}", message=outcome_message(out, c.language))

    return await _or_page(request, session, c, t, act, res_typed=typed, res_form="grant")


@router.post("/tickets/{ticket_id}/resolution/suggestions/{suggestion_id}/accept")
async def accept(
    ticket_id: int, suggestion_id: IdPath, request: Request, c: ConsoleDep, session: SessionDep
) -> Response:
    t = await _ticket(session, c, ticket_id)
    form = await request.form()
    offer_order = optional_id(form, "order_id")
    raw = text(form, "amount")

    async def act() -> Response:
        data = AcceptIn()
        if "order_id" in form:  # an offer: paid on the replacement order, for what it cost
            if not isinstance(offer_order, int):
                raise InvalidInput(N_("Choose the replacement order."))
            order = await commerce.get_order(session, c.actor, offer_order)
            data = AcceptIn(order_id=order.id, amount_minor=amount_of(raw, order.currency) if raw else None)
        row = await resolutions.do_accept_suggestion(session, c.actor, t.id, suggestion_id, data)
        grants = (row.outcome or {}).get("grants", [])
        waiting = [g for g in grants if g.get("approval_id")]
        granted = [g for g in grants if not g.get("approval_id")]
        parts = []
        if granted:
            parts.append(_("Granted: {grants}.", grants=grants_text(granted, c.language)))
        if waiting:
            parts.append(
                _(
                    "Above your limit, sent to a supervisor for approval: {grants}.",
                    grants=grants_text(waiting, c.language),
                )
            )
        return done(request, f"/tickets/{t.id}", message=" ".join(parts) or _("Saved."))

    typed = {"order_id": text(form, "order_id"), "amount": raw, "suggestion": str(suggestion_id)}
    return await _or_page(
        request, session, c, t, act, res_offer=typed, res_form=f"suggestion-{suggestion_id}"
    )


@router.post("/tickets/{ticket_id}/resolution/suggestions/{suggestion_id}/dismiss")
async def dismiss(
    ticket_id: int, suggestion_id: IdPath, request: Request, c: ConsoleDep, session: SessionDep
) -> Response:
    t = await _ticket(session, c, ticket_id)

    async def act() -> Response:
        await resolutions.do_dismiss_suggestion(session, c.actor, t.id, suggestion_id)
        return done(request, f"/tickets/{t.id}", message=_("Suggestion dismissed."))

    return await _or_page(request, session, c, t, act, res_form=f"suggestion-{suggestion_id}")
