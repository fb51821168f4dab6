from __future__ import annotations

from fastapi import APIRouter, Request, Response

from wowdesk.api.idempotency import create_once
from wowdesk.http.deps import ActorDep, IdPath, SessionDep
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.tickets import actions, queries
from wowdesk.tickets.schemas import FieldCreate, FieldOut, FieldUpdate

router = APIRouter(prefix="/api/v1/ticket-fields", tags=["tickets"], route_class=StandardJSONRoute)


@router.get("", response_model=list[FieldOut], summary="Custom ticket fields of the workspace")
async def list_fields(session: SessionDep, actor: ActorDep) -> list[FieldOut]:
    return [FieldOut.model_validate(f) for f in await queries.list_fields(session, actor)]


@router.post(
    "",
    response_model=FieldOut,
    status_code=201,
    summary="Define a custom field: text, number, date, dropdown or checkbox (admins)",
)
async def create_field(data: FieldCreate, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    async def create() -> FieldOut:
        return FieldOut.model_validate(await actions.do_create_field(session, actor, data))

    return await create_once(request, session, actor, data, create)


@router.patch("/{field_id}", response_model=FieldOut, summary="Rename, reorder, deactivate a custom field")
async def update_field(field_id: IdPath, data: FieldUpdate, session: SessionDep, actor: ActorDep) -> FieldOut:
    defn = await actions.do_update_field(
        session, actor, await queries.get_field(session, actor, field_id), data
    )
    return FieldOut.model_validate(defn)
