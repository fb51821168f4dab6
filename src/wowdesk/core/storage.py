"""Where attachment bytes live. Local disk under the data directory by default; the interface is
small so an S3-compatible store can implement it later."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import anyio


class Storage(Protocol):
    async def put(self, key: str, chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[int, str]:
        """Store the stream under `key`; return (size, sha256). Raises ValueError past max_bytes."""

    async def open(self, key: str) -> Path: ...
    async def delete(self, key: str) -> None: ...


class TooLarge(ValueError):
    pass


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("storage key escapes the storage root")
        return path

    async def put(self, key: str, chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[int, str]:
        path = self._path(key)
        await anyio.to_thread.run_sync(lambda: path.parent.mkdir(parents=True, exist_ok=True))
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        size, sha = 0, hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as fh:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"more than {max_bytes} bytes")
                    sha.update(chunk)
                    await anyio.to_thread.run_sync(fh.write, chunk)
            await anyio.to_thread.run_sync(os.replace, tmp, path)
        except BaseException:
            await anyio.to_thread.run_sync(lambda: Path(tmp).unlink(missing_ok=True))
            raise
        return size, sha.hexdigest()

    async def open(self, key: str) -> Path:
        path = self._path(key)
        if not await anyio.to_thread.run_sync(path.is_file):
            raise FileNotFoundError(key)
        return path

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))
