"""Receiving a file: its name cleaned, its type checked against the allowed list and against its
first bytes (a file must be what it says it is), its size limited while it streams in. Shared by
every upload endpoint (ticket attachments, chat files)."""

from __future__ import annotations

import contextlib
import mimetypes
import unicodedata
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.datastructures import UploadFile  # FastAPI's UploadFile is a subclass: both are accepted

from wowdesk.core.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from wowdesk.core.i18n import N_
from wowdesk.core.runtime import Runtime
from wowdesk.core.storage import TooLarge

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


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str


async def store_upload(
    rt: Runtime, file: UploadFile, workspace_id: int, *, max_bytes: int | None = None
) -> StoredFile:
    """Check and store an uploaded file under the workspace; the caller records it (and deletes the
    stored bytes again with :func:`discard` if recording fails)."""
    s = rt.settings
    limit = min(max_bytes, s.max_upload_bytes) if max_bytes else s.max_upload_bytes
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

    key = f"{workspace_id}/{uuid.uuid4().hex}"
    try:
        size, sha = await rt.storage.put(key, chunks(), limit)
    except TooLarge:
        raise PayloadTooLarge(N_("Files are limited to {mb} MB."), mb=limit // (1024 * 1024)) from None
    return StoredFile(filename, content_type, size, sha, key)


async def discard(rt: Runtime, stored: StoredFile) -> None:
    with contextlib.suppress(Exception):
        await rt.storage.delete(stored.storage_key)


class Stash:
    """The files stored for one request (:func:`stored_until_recorded`)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.files: list[StoredFile] = []

    async def store(self, file: UploadFile, workspace_id: int, *, max_bytes: int | None = None) -> StoredFile:
        stored = await store_upload(self.rt, file, workspace_id, max_bytes=max_bytes)
        self.files.append(stored)
        return stored


@contextlib.asynccontextmanager
async def stored_until_recorded(rt: Runtime) -> AsyncIterator[Stash]:
    """Store uploads and record them in the block: if the block fails (a file refused, the record
    not written), every file it stored is deleted again, so no bytes stay without their row."""
    stash = Stash(rt)
    try:
        yield stash
    except BaseException:
        for stored in stash.files:
            await discard(rt, stored)
        raise
