"""File uploads: stored first (size and type checked while streaming), then named by a comment."""

from __future__ import annotations

import contextlib
import mimetypes
import unicodedata
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, UploadFile
from fastapi.responses import FileResponse

from wowdesk.api.deps import ActorDep, IdPath, RuntimeDep, SessionDep
from wowdesk.api.routing import StandardJSONRoute
from wowdesk.core.errors import InvalidInput, NotFound, PayloadTooLarge, UnsupportedMediaType
from wowdesk.core.i18n import N_
from wowdesk.core.storage import TooLarge
from wowdesk.tickets import actions, queries
from wowdesk.tickets.schemas import AttachmentOut

router = APIRouter(prefix="/api/v1/attachments", tags=["attachments"], route_class=StandardJSONRoute)

CHUNK = 256 * 1024
# Magic numbers of the binary types we accept: a file must be what it says it is.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}


def clean_filename(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if c.isprintable() and c not in '<>:"|?*')
    base = base.strip(" .")[:200]
    return base or "file"


@router.post(
    "",
    response_model=AttachmentOut,
    status_code=201,
    summary="Upload a file; name its id in a comment's attachment_ids to attach it",
)
async def upload(file: UploadFile, session: SessionDep, actor: ActorDep, rt: RuntimeDep) -> AttachmentOut:
    s = rt.settings
    filename = clean_filename(file.filename)
    declared = (file.content_type or "").split(";")[0].strip().lower()
    content_type = (
        declared
        if declared and declared != "application/octet-stream"
        else (mimetypes.guess_type(filename)[0] or "application/octet-stream")
    )
    if content_type not in s.allowed_upload_types:
        raise UnsupportedMediaType(N_("Files of type {type} are not accepted."), type=content_type)
    head = await file.read(16)
    expected = SIGNATURES.get(content_type)
    if expected and not any(head.startswith(sig) for sig in expected):
        raise UnsupportedMediaType(N_("The file does not look like {type}."), type=content_type)
    if not head:
        raise InvalidInput(N_("The file is empty."))

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        while chunk := await file.read(CHUNK):
            yield chunk

    key = f"{actor.workspace_id}/{uuid.uuid4().hex}"
    try:
        size, sha = await rt.storage.put(key, chunks(), s.max_upload_bytes)
    except TooLarge:
        raise PayloadTooLarge(
            N_("Files are limited to {mb} MB."), mb=s.max_upload_bytes // (1024 * 1024)
        ) from None
    try:
        attachment = await actions.do_register_attachment(
            session,
            actor,
            filename=filename,
            content_type=content_type,
            size=size,
            sha256=sha,
            storage_key=key,
        )
        return AttachmentOut.model_validate(attachment)
    except BaseException:
        with contextlib.suppress(Exception):
            await rt.storage.delete(key)
        raise


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
