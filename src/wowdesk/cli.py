"""The ``wowdesk`` command: serve, worker, migrate, demo, workspace/user/apikey administration."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
import socket
import string
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from wowdesk.core.errors import DomainError
from wowdesk.core.i18n import _
from wowdesk.settings import Settings

app = typer.Typer(help="WowDesk: omnichannel customer service.", no_args_is_help=True, add_completion=False)
workspace_app = typer.Typer(help="Create and list workspaces (tenants).", no_args_is_help=True)
user_app = typer.Typer(help="Create agents.", no_args_is_help=True)
apikey_app = typer.Typer(help="Create and revoke API keys.", no_args_is_help=True)
app.add_typer(workspace_app, name="workspace")
app.add_typer(user_app, name="user")
app.add_typer(apikey_app, name="apikey")

T = TypeVar("T")


def _settings(**overrides: Any) -> Settings:
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        _fail(_("Configuration error: {errors}", errors=_describe(exc, env_prefix="WOWDESK_")))
        raise
    _check_sqlite_directory(settings)
    return settings


def _check_sqlite_directory(settings: Settings) -> None:
    """A configured SQLite file must be in an existing directory (the default one, under the data
    directory, is created). Checked up front: aiosqlite reports a file it cannot open with a thread
    traceback besides the error."""
    from sqlalchemy.engine import make_url

    if not settings.database_url:
        return
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        folder = Path(url.database).expanduser().parent
        if not folder.is_dir():
            _fail(_("The directory of the SQLite database does not exist: {path}", path=folder))


def _fail(message: str) -> None:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(1)


def _describe(exc: ValidationError, env_prefix: str = "") -> str:
    """Validation errors on one line: `field: message; …` (settings are named by their variable)."""

    def where(loc: tuple[int | str, ...]) -> str:
        name = ".".join(map(str, loc)) or "value"
        return f"{env_prefix}{name.upper()}" if env_prefix else name

    return "; ".join(f"{where(e['loc'])}: {e['msg']}" for e in exc.errors())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextlib.contextmanager
def _readable_errors() -> Iterator[None]:
    """Errors a user can fix (bad input, a taken name, an unreachable database) become a one-line
    message and exit status 1, not a traceback."""
    try:
        yield
    except DomainError as exc:
        _fail(exc.localized(None))
    except ValidationError as exc:
        _fail(_describe(exc))
    except ValueError as exc:
        _fail(str(exc))
    except (ConnectionError, TimeoutError, socket.gaierror) as exc:
        _fail(_("Cannot connect: {error}", error=_first_line(exc)))
    except OSError as exc:  # a directory that cannot be created, a file that cannot be read …
        _fail(_first_line(exc))
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError  # imported late: `wowdesk --help` stays quick

        if not isinstance(exc, SQLAlchemyError):
            raise
        _fail(_("Database error: {error}", error=_first_line(getattr(exc, "orig", None) or exc)))


def _run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run an async command; errors a user can fix become a readable message, exit 1."""
    with _readable_errors():
        return asyncio.run(coro_fn())  # type: ignore[arg-type]
    raise AssertionError("unreachable")


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _no_socket_chatter(record: logging.LogRecord) -> bool:
    text = record.getMessage()
    return not (text.startswith(("connection open", "connection closed")) or '" [accepted]' in text)


def generate_password(length: int = 16) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to the latest version."""
    from wowdesk.core.migrate import upgrade

    settings = _settings()
    with _readable_errors():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.effective_database_url)
    typer.echo(f"database is up to date ({_safe_url(settings.effective_database_url)})")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (WOWDESK_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (WOWDESK_PORT)")] = None,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Upgrade the schema before serving")
    ] = True,
) -> None:
    """Serve the API (and run jobs in-process unless WOWDESK_RUN_JOBS_IN_PROCESS=false)."""
    import uvicorn

    from wowdesk.main import create_app

    settings = _settings(host=host, port=port)
    _logging()
    with _readable_errors():
        application = create_app(settings)  # checks the configuration (secret key) before anything runs
        if migrate_first:
            from wowdesk.core.migrate import upgrade

            settings.data_dir.mkdir(parents=True, exist_ok=True)  # where the SQLite file goes
            upgrade(settings.effective_database_url)
    if not settings.access_log:  # uvicorn logs every WebSocket opening and closing as well
        logging.getLogger("uvicorn.error").addFilter(_no_socket_chatter)
    config = uvicorn.Config(
        application,
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=settings.access_log,
        timeout_graceful_shutdown=10,
        proxy_headers=False,
        server_header=False,
    )
    typer.echo(f"WowDesk serving on http://{settings.host}:{settings.port} (API docs at /docs)")
    server = uvicorn.Server(config)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM and then raises the signal again: that is the
    # normal way to stop the server, so it ends with status 0 rather than 130 or death by SIGTERM.
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@app.command()
def worker() -> None:
    """Run jobs only (no HTTP): start several for scale-out over PostgreSQL (+ Redis wake-ups)."""
    from wowdesk.main import build_runtime

    settings = _settings()
    _logging()

    async def main() -> None:
        rt = build_runtime(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await rt.start(run_jobs=True)
        typer.echo(f"worker {rt.runner.worker if rt.runner else '?'} running; Ctrl-C to stop")
        await stop.wait()
        await rt.stop()

    _run(main)


@app.command()
def demo(
    force_print: Annotated[bool, typer.Option(help="Print the demo logins even if seeded before")] = True,
) -> None:
    """Seed the demo workspace (slug `demo`) once, and print its logins."""
    from wowdesk.demo import seed_demo
    from wowdesk.main import build_runtime

    settings = _settings()

    async def main() -> None:
        rt = build_runtime(settings)
        try:
            creds, created = await seed_demo(rt)
        finally:
            await rt.stop()
        base = f"http://{settings.host}:{settings.port}"
        typer.echo(
            ("Seeded" if created else "Found") + f' the demo workspace "demo" (API docs: {base}/docs).'
        )
        if creds and force_print:
            typer.echo('Demo logins (workspace "demo"):')
            for c in creds:
                typer.echo(f"  {c['email']}  password: {c['password']}  ({c['role']})")
        elif not creds:
            typer.echo(
                "The demo logins were not kept on this machine; create an agent with `wowdesk user create`."
            )

    _run(main)


@workspace_app.command("create")
def workspace_create(
    slug: Annotated[str, typer.Option(help="Short name used to sign in, e.g. acme")],
    name: Annotated[str, typer.Option(help="Display name")],
    admin_email: Annotated[str, typer.Option(help="The first admin's e-mail")],
    admin_password: Annotated[str, typer.Option(help="The first admin's password (10+ characters)")],
    admin_name: Annotated[str, typer.Option()] = "Administrator",
    language: Annotated[str, typer.Option(help="en, zh-Hant or zh-Hans")] = "en",
    time_zone: Annotated[str, typer.Option(help="IANA time zone, e.g. Asia/Taipei")] = "UTC",
    currency: Annotated[str, typer.Option(help="ISO 4217 code for refunds and limits, e.g. TWD")] = "USD",
) -> None:
    """Create a workspace with its first admin; prints the workspace id."""
    from wowdesk.cli_support import create_workspace

    typer.echo(
        _run(
            lambda: create_workspace(
                _settings(),
                slug=slug,
                name=name,
                admin_email=admin_email,
                admin_password=admin_password,
                admin_name=admin_name,
                language=language,
                time_zone=time_zone,
                currency=currency,
            )
        )
    )


@workspace_app.command("list")
def workspace_list() -> None:
    """List workspaces: id, slug, name."""
    from wowdesk.cli_support import list_workspaces

    for row in _run(lambda: list_workspaces(_settings())):
        typer.echo("\t".join(map(str, row)))


@user_app.command("create")
def user_create(
    workspace: Annotated[str, typer.Option(help="Workspace slug")],
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="admin, supervisor or agent")] = "agent",
    password: Annotated[str | None, typer.Option(help="Omit to generate one (printed once)")] = None,
    language: Annotated[str, typer.Option()] = "en",
    time_zone: Annotated[str, typer.Option()] = "UTC",
) -> None:
    """Add an agent to a workspace; prints the agent id (and the generated password)."""
    from wowdesk.cli_support import create_user

    generated = password is None
    pw = password or generate_password()
    agent_id = _run(
        lambda: create_user(
            _settings(),
            workspace,
            email=email,
            name=name,
            role=role,
            password=pw,
            language=language,
            time_zone=time_zone,
        )
    )
    typer.echo(agent_id)
    if generated:
        typer.echo(f"password: {pw}")


@apikey_app.command("create")
def apikey_create(
    workspace: Annotated[str, typer.Option(help="Workspace slug")],
    email: Annotated[str, typer.Option(help="The agent the key acts for")],
    name: Annotated[str, typer.Option(help="What the key is for")] = "cli",
) -> None:
    """Create an API key for an agent; the key is printed once and never stored."""
    from wowdesk.cli_support import create_api_key

    typer.echo(_run(lambda: create_api_key(_settings(), workspace, email=email, name=name)))


@apikey_app.command("revoke")
def apikey_revoke(
    workspace: Annotated[str, typer.Option(help="Workspace slug")],
    key_id: Annotated[int, typer.Option("--id", help="The key's id (GET /api/v1/api-keys)")],
) -> None:
    """Revoke an API key."""
    from wowdesk.cli_support import revoke_api_key

    _run(lambda: revoke_api_key(_settings(), workspace, key_id))
    typer.echo("revoked")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
