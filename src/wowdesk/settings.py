"""Settings: every knob is a ``WOWDESK_*`` environment variable (or a line in ``.env``).

Nothing reads the environment at import time: ``Settings()`` is built by the CLI (or a test) and
handed to ``create_app(settings)``. Defaults give the embedded mode: SQLite under ``./var``,
in-process event bus and job runner.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
VAPID_KEY_FILE = "vapid_private_key.pem"
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WOWDESK_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # One line per request on the console (uvicorn's access log): off by default, since it costs
    # ~5 % of a request's CPU and a reverse proxy usually logs requests already.
    access_log: bool = False
    data_dir: Path = Path("./var")
    database_url: str | None = None
    redis_url: str | None = None
    # Prefix of every Redis key and channel, so several installs (or test runs) can share a server.
    redis_prefix: str = Field(default="wowdesk", pattern=r"^[A-Za-z0-9_.:-]{1,40}$")
    secret_key: str | None = None
    # Where npm put third-party browser assets (default: node_modules of the checkout).
    assets_dir: Path | None = None

    # Jobs: an in-process runner runs inside `wowdesk serve` unless switched off (then run
    # `wowdesk worker` processes).
    run_jobs_in_process: bool = True
    job_poll_interval: float = Field(default=1.0, gt=0)
    job_lease_seconds: int = Field(default=300, ge=5)
    job_batch_size: int = Field(default=20, ge=1, le=500)

    # Limits
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    allowed_upload_types: list[str] = Field(
        default_factory=lambda: [
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/webp",
            "application/pdf",
            "text/plain",
            "text/csv",
            "application/zip",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "audio/mpeg",
            "audio/wav",
            "video/mp4",
        ]
    )
    access_token_minutes: int = Field(default=12 * 60, ge=1)
    # A checked token or API key is remembered this long (0 = never); any change to the
    # workspace's agents or keys makes it be checked again at once (http.actor_cache).
    auth_cache_seconds: float = Field(default=300.0, ge=0, le=3600)
    session_days: int = Field(default=14, ge=1)  # a remembered console session
    session_idle_hours: int = Field(default=12, ge=1)  # one that is not: ends this long after its last use
    login_max_failures: int = Field(default=10, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    # Solved tickets close by themselves after this many days (0 = never).
    autoclose_solved_after_days: int = Field(default=4, ge=0)
    default_page_size: int = Field(default=25, ge=1, le=200)

    # Web Push to agents' devices (docs/notifications.md). The VAPID key that signs every push: a PEM
    # EC P-256 private key or its raw 32 bytes in base64url. Unset: one is generated once into the
    # data directory, shared by every process of the install (set it when they share no directory).
    vapid_private_key: str | None = Field(default=None, repr=False)
    vapid_subject: str = Field(default="mailto:admin@localhost", pattern=r"^(mailto:\S+@\S+|https://\S+)$")
    # Accept http:// push endpoints and IP-address hosts (a receiver on loopback in tests); browsers'
    # push services are always https with a host name.
    push_allow_http: bool = False

    # Outbound e-mail (docs/email.md): replies to tickets answered by e-mail. ``smtp://user:pass@host:587``
    # (STARTTLS), ``smtps://user:pass@host:465`` (TLS from the start), ``smtp://127.0.0.1:1025`` (plain,
    # a local relay). Unset: each message is written as an .eml file to {data_dir}/mail/outbox/.
    smtp_url: str | None = Field(default=None, repr=False, pattern=r"^smtps?://[^/\s]+(/.*)?$")
    # The sender: its address (the workspace's name is the display name), also the Reply-To.
    mail_from: str = Field(default="WowDesk <support@localhost>", min_length=3, max_length=320)

    @field_validator(
        "database_url", "redis_url", "secret_key", "vapid_private_key", "smtp_url", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, v: object) -> object:
        return None if v == "" else v

    # -- derived -----------------------------------------------------------------------------

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'wowdesk.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def mail_outbox_dir(self) -> Path:
        """Where e-mail goes without an SMTP server (``smtp_url`` unset)."""
        return self.data_dir / "mail" / "outbox"

    def resolved_secret_key(self) -> str:
        """The signing secret: configured, or generated once into the data directory.

        In production mode a missing or short secret is an error: there is no hard-coded default.
        """
        if self.secret_key:
            if len(self.secret_key) < MIN_SECRET_LENGTH:
                raise ValueError(f"WOWDESK_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters long")
            return self.secret_key
        if self.env == "production":
            raise ValueError("WOWDESK_SECRET_KEY must be set in production mode")
        path = self.data_dir / SECRET_FILE
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Written whole to a private temporary file, then linked into place: a process starting at
        # the same moment either finds no file or the complete key, never a half-written one.
        fd, tmp = tempfile.mkstemp(dir=self.data_dir, prefix=".secret-")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48) + "\n")
            os.link(tmp, path)
        except FileExistsError:  # another process generated it first
            pass
        finally:
            os.unlink(tmp)
        return path.read_text().strip()

    def resolved_vapid_private_key(self) -> str:
        """The VAPID private key (PEM or base64url raw): configured, or generated once into the data
        directory, written whole and linked into place like the secret key."""
        if self.vapid_private_key:
            return self.vapid_private_key
        path = self.data_dir / VAPID_KEY_FILE
        if path.exists():
            return path.read_text().strip()
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        pem = (
            ec.generate_private_key(ec.SECP256R1())
            .private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            .decode()
        )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.data_dir, prefix=".vapid-")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(pem)
            os.link(tmp, path)
        except FileExistsError:  # another process generated it first
            pass
        finally:
            os.unlink(tmp)
        return path.read_text().strip()
