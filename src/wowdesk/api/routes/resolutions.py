"""Resolution policies (admins write them, as JSON or YAML) and the suggestions they leave on
tickets (agents accept or dismiss them in one click)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ValidationError

from wowdesk.accounts.permissions import COMPENSATION_GRANT, POLICIES_MANAGE, TICKETS_READ
from wowdesk.api.idempotency import create_once
from wowdesk.core.actor import Actor
from wowdesk.core.errors import DomainError, UnsupportedMediaType
from wowdesk.core.i18n import N_, Invalid
from wowdesk.http.deps import IdPath, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.policies.resolutions import actions, queries
from wowdesk.policies.resolutions.schemas import (
    AcceptIn,
    ContactReasonIn,
    ContactReasonOut,
    PolicyDocument,
    PolicyIn,
    PolicyOut,
    PolicyPatch,
    PolicyVersionOut,
    SuggestionOut,
    ValidationOut,
)
from wowdesk.tickets import queries as tickets

router = APIRouter(tags=["resolution policies"], route_class=StandardJSONRoute)
BASE = "/api/v1/resolution-policies"
Admin = Annotated[Actor, Depends(needs(POLICIES_MANAGE))]
Agent = Annotated[Actor, Depends(needs(COMPENSATION_GRANT))]
Reader = Annotated[Actor, Depends(needs(TICKETS_READ))]
M = TypeVar("M", bound=BaseModel)

_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "object"}},
        },
    }
}


class MalformedBody(DomainError):
    status = 400
    code = "malformed-body"


class MalformedJSON(DomainError):
    status = 400
    code = "malformed-json"


async def _parsed(request: Request) -> Any:
    """The body as data — JSON, or YAML with a YAML content type — read before the caller is
    authenticated, like every other route's body: what cannot be read is a 400 (415 for another
    type), whoever sends it."""
    ctype = request.headers.get("content-type", "application/json")
    kind = ctype.split(";")[0].strip().lower()
    if not queries.is_yaml(ctype) and kind not in ("application/json", "application/problem+json", ""):
        raise UnsupportedMediaType(N_("Send the policy as application/json or application/yaml."))
    try:
        return queries.load_text(await request.body(), ctype)
    except Invalid as exc:
        if queries.is_yaml(ctype):
            raise MalformedBody(exc.template, **exc.params) from None
        raise MalformedJSON(N_("The request body is not valid JSON.")) from None  # as every route says


Parsed = Annotated[Any, Depends(_parsed)]


def as_model(model: type[M], data: Any) -> M:
    """The parsed body as `model`; what is wrong with it is a 422 whose ``errors`` name each
    place in plain words."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise queries.invalid_document(exc) from None


@router.get(BASE, response_model=list[PolicyOut], summary="Resolution policies")
async def list_policies(session: SessionDep, actor: Agent) -> list[PolicyOut]:
    return [queries.policy_out(p) for p in await queries.list_policies(session, actor)]


@router.post(
    BASE + ":validate",
    response_model=ValidationOut,
    summary="Check a policy document without saving it",
    description="The body is a document (JSON, or YAML with Content-Type application/yaml). "
    "An invalid one is a 422 whose errors list says what is wrong, and where.",
    openapi_extra=_BODY,
)
async def validate_document(body: Parsed, session: SessionDep, actor: Admin) -> ValidationOut:
    doc = as_model(PolicyDocument, body)
    return ValidationOut(valid=True, document=await actions.complete(session, actor.workspace_id, doc))


@router.post(
    BASE,
    response_model=PolicyOut,
    status_code=201,
    summary="Create a resolution policy (admins)",
    description="{name, enabled, mode: automatic|suggest, document}, as JSON or YAML.",
    openapi_extra=_BODY,
)
async def create_policy(body: Parsed, request: Request, session: SessionDep, actor: Admin) -> Response:
    data = as_model(PolicyIn, body)

    async def create() -> PolicyOut:
        return queries.policy_out(await actions.do_create_policy(session, actor, data))

    return await create_once(request, session, actor, data, create)


@router.get(BASE + "/{policy_id}", response_model=PolicyOut, summary="One resolution policy")
async def get_policy(policy_id: IdPath, session: SessionDep, actor: Agent) -> PolicyOut:
    return queries.policy_out(await queries.get_policy(session, actor, policy_id))


@router.put(
    BASE + "/{policy_id}",
    response_model=PolicyOut,
    summary="Save a new version of the whole policy",
    openapi_extra=_BODY,
)
async def replace_policy(policy_id: IdPath, body: Parsed, session: SessionDep, actor: Admin) -> PolicyOut:
    data = as_model(PolicyIn, body)
    policy = await queries.get_policy(session, actor, policy_id)
    return queries.policy_out(await actions.do_update_policy(session, actor, policy, data))


@router.patch(
    BASE + "/{policy_id}",
    response_model=PolicyOut,
    summary="Change some of a policy (a new version)",
    openapi_extra=_BODY,
)
async def patch_policy(policy_id: IdPath, body: Parsed, session: SessionDep, actor: Admin) -> PolicyOut:
    data = as_model(PolicyPatch, body)
    policy = await queries.get_policy(session, actor, policy_id)
    return queries.policy_out(await actions.do_update_policy(session, actor, policy, data))


@router.delete(
    BASE + "/{policy_id}", status_code=204, summary="Delete a policy (its versions stay on record)"
)
async def delete_policy(policy_id: IdPath, session: SessionDep, actor: Admin) -> Response:
    await actions.do_delete_policy(session, actor, await queries.get_policy(session, actor, policy_id))
    return Response(status_code=204)


@router.get(
    BASE + "/{policy_id}/versions",
    response_model=list[PolicyVersionOut],
    summary="Every saved version of a policy, newest first",
)
async def list_versions(policy_id: IdPath, session: SessionDep, actor: Admin) -> list[PolicyVersionOut]:
    return [queries.version_out(v) for v in await queries.list_versions(session, actor, policy_id)]


# -- suggestions on a ticket ------------------------------------------------------------------------------

TICKET = "/api/v1/tickets/{ticket_id}/resolution-suggestions"


@router.get(TICKET, response_model=list[SuggestionOut], summary="The policies' suggestions on a ticket")
async def list_suggestions(ticket_id: IdPath, session: SessionDep, actor: Reader) -> list[SuggestionOut]:
    ticket = await tickets.get_ticket(session, actor, ticket_id)
    return [queries.suggestion_out(s) for s in await queries.list_suggestions(session, actor, ticket.id)]


@router.post(
    TICKET + ":evaluate",
    response_model=ContactReasonOut,
    summary="Apply the contact-reason policies to a ticket about an order",
    description="An automatic policy grants at once (as the system, once per ticket and order); a "
    "suggesting one leaves its one-click suggestion on the ticket.",
)
async def evaluate_contact_reason(
    ticket_id: IdPath, data: ContactReasonIn, session: SessionDep, actor: Agent
) -> ContactReasonOut:
    ticket = await tickets.get_ticket(session, actor, ticket_id, for_update=True)
    row, granted = await actions.do_evaluate_contact_reason(
        session, actor, ticket.id, ticket.requester_id, data
    )
    return ContactReasonOut(
        suggestion=queries.suggestion_out(row) if row is not None else None, granted=granted
    )


@router.post(
    TICKET + "/{suggestion_id}/accept",
    response_model=SuggestionOut,
    summary="Grant what a suggestion proposes, within your limit (above it: approval requests)",
)
async def accept_suggestion(
    ticket_id: IdPath,
    suggestion_id: IdPath,
    session: SessionDep,
    actor: Agent,
    data: AcceptIn | None = None,
) -> SuggestionOut:
    ticket = await tickets.get_ticket(session, actor, ticket_id, for_update=True)
    row = await actions.do_accept_suggestion(session, actor, ticket.id, suggestion_id, data or AcceptIn())
    return queries.suggestion_out(row)


@router.post(
    TICKET + "/{suggestion_id}/dismiss",
    response_model=SuggestionOut,
    summary="Dismiss a suggestion",
)
async def dismiss_suggestion(
    ticket_id: IdPath, suggestion_id: IdPath, session: SessionDep, actor: Agent
) -> SuggestionOut:
    ticket = await tickets.get_ticket(session, actor, ticket_id, for_update=True)
    return queries.suggestion_out(
        await actions.do_dismiss_suggestion(session, actor, ticket.id, suggestion_id)
    )
