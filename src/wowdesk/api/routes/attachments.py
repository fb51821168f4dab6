"""File uploads: stored first (size and type checked while streaming), then named by a comment."""

from __future__ import annotations

from fastapi import APIRouter, UploadFile
from fastapi.responses import FileResponse

from wowdesk.core.errors import NotFound
from wowdesk.core.i18n import N_
from wowdesk.http.deps import ActorDep, IdPath, RuntimeDep, SessionDep
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.http.uploads import stored_until_recorded
from wowdesk.tickets import actions, queries
from wowdesk.tickets.schemas import AttachmentOut

router = APIRouter(prefix="/api/v1/attachments", tags=["attachments"], route_class=StandardJSONRoute)


@router.post(
    "",
    response_model=AttachmentOut,
    status_code=201,
    summary="Upload a file; name its id in a comment's attachment_ids to attach it",
)
async def upload(file: UploadFile, session: SessionDep, actor: ActorDep, rt: RuntimeDep) -> AttachmentOut:
    async with stored_until_recorded(rt) as stash:
        stored = await stash.store(file, actor.workspace_id)
        attachment = await actions.do_register_attachment(
            session,
            actor,
            filename=stored.filename,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            storage_key=stored.storage_key,
        )
        return AttachmentOut.model_validate(attachment)


@router.get("/{attachment_id}", response_model=AttachmentOut)
async def get_attachment(attachment_id: IdPath, session: SessionDep, actor: ActorDep) -> AttachmentOut:
    return AttachmentOut.model_validate(await queries.get_attachment(session, actor, attachment_id))


@router.get("/{attachment_id}/content", summary="Download the file (always as an attachment, never rendered)")
async def download(
    attachment_id: IdPath, session: SessionDep, actor: ActorDep, rt: RuntimeDep
) -> FileResponse:
    a = await queries.get_attachment(session, actor, attachment_id)
    try:
        path = await rt.storage.open(a.storage_key)
    except FileNotFoundError:
        raise NotFound(N_("The file of this attachment is missing from storage.")) from None
    return FileResponse(
        path,
        media_type=a.content_type,
        filename=a.filename,
        content_disposition_type="attachment",
        headers={"Content-Security-Policy": "sandbox", "Cache-Control": "private, max-age=3600"},
    )
