"""The contact-reason taxonomy over the API: anyone signed in reads it (to tag a ticket or a chat);
supervisors and admins shape it (reasons.manage)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import TypeAdapter

from wowdesk.api.idempotency import create_once
from wowdesk.api.responses import JSON, model_response
from wowdesk.http.deps import ActorDep, SessionDep
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.policies.reasons import actions, queries
from wowdesk.policies.reasons.schemas import ReasonCreate, ReasonOut, ReasonUpdate

router = APIRouter(prefix="/api/v1", tags=["contact reasons"], route_class=StandardJSONRoute)
_REASONS = TypeAdapter(list[ReasonOut])


@router.get(
    "/contact-reasons",
    response_model=list[ReasonOut],
    summary="The workspace's contact reasons, groups and their reasons in list order",
    description="`name` is in your language; `names` has every language given.",
)
async def list_reasons(
    session: SessionDep,
    actor: ActorDep,
    include_inactive: bool = Query(False, description="Also the retired ones"),
) -> Response:
    rows = await queries.list_reasons(session, actor, include_inactive=include_inactive)
    return Response(_REASONS.dump_json([queries.reason_out(r) for r in rows]), media_type=JSON)


@router.post(
    "/contact-reasons",
    response_model=ReasonOut,
    status_code=201,
    summary="Add a contact reason (needs reasons.manage)",
    description="`parent_code` puts it in a group (one level deep). The code never changes.",
)
async def create_reason(
    data: ReasonCreate, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    async def create() -> ReasonOut:
        return queries.reason_out(await actions.do_create_reason(session, actor, data))

    return await create_once(request, session, actor, data, create)


@router.patch(
    "/contact-reasons/{code}",
    response_model=ReasonOut,
    summary="Rename, regroup, reorder, retire or restore a contact reason (needs reasons.manage)",
)
async def update_reason(
    data: ReasonUpdate,
    session: SessionDep,
    actor: ActorDep,
    code: str = Path(max_length=64),
) -> Response:
    return model_response(queries.reason_out(await actions.do_update_reason(session, actor, code, data)))
