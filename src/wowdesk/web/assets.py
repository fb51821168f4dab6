"""The console's own static files (``web/static``): their version (a hash of their contents, in
every URL that loads them, so a browser never runs a stale script with a new page) and the
service worker, which lists them as the app shell it keeps for offline use."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from pathlib import Path

STATIC_FILES = ("css/console.css", "js/app.js")


def static_dir() -> Path:
    return Path(str(resources.files("wowdesk.web").joinpath("static")))


@cache
def asset_version() -> str:
    h = hashlib.sha256()
    for name in (*STATIC_FILES, "sw.js"):
        h.update((static_dir() / name).read_bytes())
    return h.hexdigest()[:12]


@cache
def service_worker() -> str:
    version = asset_version()
    shell = [f"/static/{name}?v={version}" for name in STATIC_FILES] + [
        "/offline",
        "/icons/icon.svg",
        "/icons/icon-192.png",
        "/manifest.webmanifest",
    ]
    source = (static_dir() / "sw.js").read_text(encoding="utf-8")
    return source.replace('"__VERSION__"', json.dumps(version)).replace('["__SHELL__"]', json.dumps(shell))
