"""Composition root: the only module that sees every domain. Builds the runtime (database, bus,
jobs, storage …) from settings and mounts the API on a FastAPI app."""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk import __version__
from wowdesk.accounts.calendars.actions import IN_USE_CHECKS
from wowdesk.analytics.sellers import jobs as seller_metric_jobs
from wowdesk.channels.email import make_transport
from wowdesk.conversations import jobs as chat_jobs
from wowdesk.conversations.sellers import queries as seller_messaging
from wowdesk.core import eventlog, idempotency
from wowdesk.core.bus import make_bus
from wowdesk.core.clock import Clock, SystemClock
from wowdesk.core.db import Database, refresh_statistics
from wowdesk.core.errors import DomainError
from wowdesk.core.events import DurableListener
from wowdesk.core.jobs.registry import JobContext, JobRegistry, JobSpec
from wowdesk.core.jobs.repository import JobRepository
from wowdesk.core.ratelimit import make_rate_limiter
from wowdesk.core.runtime import Runtime
from wowdesk.core.security import TokenSigner
from wowdesk.core.storage import LocalStorage
from wowdesk.core.uow import UnitOfWorkFactory
from wowdesk.notifications import jobs as notification_jobs
from wowdesk.notifications import listeners as notification_listeners
from wowdesk.notifications.push import PushConfig
from wowdesk.policies.claims import jobs as claim_jobs
from wowdesk.policies.ledger import jobs as ledger_jobs
from wowdesk.policies.ledger import queries as ledger_queries
from wowdesk.policies.ledger.schemas import TicketRef as LedgerTicketRef
from wowdesk.policies.resolutions import jobs as resolution_jobs
from wowdesk.settings import Settings
from wowdesk.tickets import jobs as ticket_jobs
from wowdesk.tickets import listeners as ticket_listeners
from wowdesk.tickets.actions import REACTOR
from wowdesk.tickets.automations import engine as automation_engine
from wowdesk.tickets.automations import jobs as automation_jobs
from wowdesk.tickets.automations import queries as automation_queries
from wowdesk.tickets.csat import jobs as csat_jobs
from wowdesk.tickets.email import jobs as email_jobs
from wowdesk.tickets.links import jobs as link_jobs
from wowdesk.tickets.proactive import jobs as proactive_jobs
from wowdesk.tickets.routing import jobs as routing_jobs
from wowdesk.tickets.sla import jobs as sla_jobs
from wowdesk.tickets.sla import queries as sla_queries

if TYPE_CHECKING:
    from fastapi import FastAPI, Request, Response

log = logging.getLogger("wowdesk")

UPLOAD_PATHS = ("/api/v1/attachments", "/api/v1/widget/attachments")
# npm installs third-party browser assets here at build time (`make run`); see package.json.
DEFAULT_ASSETS_DIR = Path(__file__).resolve().parents[2] / "node_modules"
MULTIPART_OVERHEAD = 64 * 1024
# young, middle, whole-heap (Python's defaults: 700, 10, 10). Every socket's waiting coroutines are
# new objects after each frame it gets, so the middle generation holds ~45k live objects whenever
# it is collected: a 30-40 ms pause however often it runs. At 20 that was every ~3 s under the chat
# benchmark's load (the spikes of its p99); at 300 it is about once a minute, and a whole-heap
# collection (after 50 of those) stays about as rare as before, roughly hourly.
GC_THRESHOLDS = (2_000, 300, 50)


async def _purge_housekeeping(session: AsyncSession, job: JobContext) -> None:
    """Forget finished jobs after a week, idempotency keys after a day and the event log after three
    days; refresh the query planner's statistics."""
    await JobRepository(session).purge_finished(job.now - dt.timedelta(days=7))
    await idempotency.purge_expired(session, job.now)
    await eventlog.purge(session, job.now)
    await refresh_statistics(session)


def build_registry() -> tuple[JobRegistry, dict[str, list[DurableListener]]]:
    registry = JobRegistry(
        [
            *ticket_jobs.JOBS,
            *link_jobs.JOBS,
            *sla_jobs.JOBS,
            *automation_jobs.JOBS,
            *routing_jobs.JOBS,
            *csat_jobs.JOBS,
            *chat_jobs.JOBS,
            *notification_jobs.JOBS,
            *ledger_jobs.JOBS,
            *resolution_jobs.JOBS,
            *seller_metric_jobs.JOBS,
            JobSpec(name="core.housekeeping", handler=_purge_housekeeping, every=dt.timedelta(hours=6)),
        ]
    )
    durable: dict[str, list[DurableListener]] = {}
    for event_name, spec in ticket_listeners.LISTENERS:
        registry.add(spec)
        durable.setdefault(event_name, []).append(spec.name)
    # (event, job, condition) triples; a job may serve several events (the compensation lines on
    # ticket timelines), registered once.
    for event_name, spec, condition in [
        *link_jobs.LISTENERS,
        *notification_listeners.LISTENERS,
        *routing_jobs.LISTENERS,
        *csat_jobs.LISTENERS,
        *proactive_jobs.LISTENERS,
        *claim_jobs.LISTENERS,
        *seller_metric_jobs.LISTENERS,
        *email_jobs.LISTENERS,
    ]:
        if registry.get(spec.name) is None:
            registry.add(spec)
        durable.setdefault(event_name, []).append((spec.name, condition))
    return registry, durable


async def _ledger_ticket(session: AsyncSession, workspace_id: int, ticket_id: int) -> LedgerTicketRef | None:
    from wowdesk.core.actor import Actor
    from wowdesk.core.errors import NotFound
    from wowdesk.tickets import queries as ticket_queries

    try:
        ticket = await ticket_queries.get_ticket(session, Actor.system(workspace_id), ticket_id)
    except NotFound:
        return None
    return LedgerTicketRef(id=ticket.id, assignee_id=ticket.assignee_id, requester_id=ticket.requester_id)


def build_runtime(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    clock = clock or SystemClock()
    # Checked first: a sender without an address stops the start before anything is opened.
    outbound = email_jobs.Outbound(
        transport=make_transport(settings.smtp_url, settings.mail_outbox_dir), sender=settings.mail_from
    )
    db = Database(settings.effective_database_url)
    bus = make_bus(settings.redis_url, settings.redis_prefix)
    storage = LocalStorage(settings.attachments_dir)
    registry, durable = build_registry()
    push = PushConfig(
        settings.resolved_vapid_private_key(), settings.vapid_subject, allow_http=settings.push_allow_http
    )
    context = {
        "autoclose_solved_after_days": settings.autoclose_solved_after_days,
        "storage": storage,
        "push": push,
        # What may keep a calendar from being deleted (accounts.calendars.actions).
        IN_USE_CHECKS: [sla_queries.check_calendar_unused, automation_queries.check_calendar_unused],
        # Survey links (tickets.csat) when a workspace's settings name no address of their own.
        "public_url": f"http://{settings.host}:{settings.port}",
        REACTOR: automation_engine.react,
        # How the ledger (policies, below tickets) checks a ticket a compensation names.
        ledger_queries.TICKET_LOOKUP: _ledger_ticket,
        # The key buyers' masked aliases to sellers are made with (conversations.sellers).
        seller_messaging.ALIAS_KEY: seller_messaging.alias_key(settings.resolved_secret_key()),
        # How replies to tickets answered by e-mail leave (SMTP, or the outbox directory without one).
        email_jobs.MAIL: outbound,
    }
    uow = UnitOfWorkFactory(db, bus, clock, context=context, durable_listeners=durable)
    signer = TokenSigner(settings.resolved_secret_key(), settings.access_token_minutes)
    return Runtime(
        settings=settings,
        db=db,
        bus=bus,
        clock=clock,
        uow=uow,
        jobs=registry,
        storage=storage,
        limiter=make_rate_limiter(settings.redis_url, settings.redis_prefix),
        signer=signer,
    )


def _either(
    for_api: Callable[[Request, Exception], Awaitable[Response]],
    for_console: Callable[[Request, Exception], Awaitable[Response]],
    is_console: Callable[[Request], bool],
) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, exc: Exception) -> Response:
        return await (for_console if is_console(request) else for_api)(request, exc)

    return handle


def create_app(
    settings: Settings, *, runtime: Runtime | None = None, run_jobs: bool | None = None
) -> FastAPI:
    # The web stack is imported here rather than at the top: the CLI's administration commands
    # only need build_runtime, and start half a second sooner without it.
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from wowdesk.api import problems
    from wowdesk.api.middleware import RequestGuard
    from wowdesk.api.routes import (
        accounts,
        attachments,
        auth,
        automations,
        calendars,
        channels,
        contact_reasons,
        conversations,
        customers,
        fields,
        inbox,
        jobs,
        macros,
        push,
        routing,
        sla,
        system,
        ticket_links,
        tickets,
        widget,
    )
    from wowdesk.api.routes import analytics as analytics_routes
    from wowdesk.api.routes import claims as claim_routes
    from wowdesk.api.routes import commerce as commerce_routes
    from wowdesk.api.routes import compensation as compensation_routes
    from wowdesk.api.routes import csat as csat_routes
    from wowdesk.api.routes import resolutions as resolution_routes
    from wowdesk.api.routes import seller_messaging as seller_messaging_routes
    from wowdesk.api.routes import seller_portal as seller_portal_routes
    from wowdesk.http.actor_cache import ActorCache
    from wowdesk.realtime.hub import Hub
    from wowdesk.web import app as console
    from wowdesk.web import errors as console_errors
    from wowdesk.web.console import LoginRequired

    rt = runtime or build_runtime(settings)
    jobs_here = settings.run_jobs_in_process if run_jobs is None else run_jobs

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        started_here = not rt.started
        if started_here:
            await rt.start(run_jobs=jobs_here)
        # What exists now (modules, routes, prepared statements) lives as long as the process: the
        # collector stops walking it, so a full collection is a fraction of a millisecond instead of
        # a 60-80 ms pause of every request in flight (docs/benchmarks.md).
        gc.collect()
        gc.freeze()
        # What a busy server keeps alive for minutes (2,000 chat sockets hold ~200k objects) made
        # the default thresholds walk it all every ~8 s: 250-350 ms pauses. Young objects are
        # still collected often (and cheaply); whole-heap collections become rare.
        gc.set_threshold(*GC_THRESHOLDS)
        try:
            yield
        finally:
            await app.state.hub.close()
            if runtime is None or started_here:  # we built or started it: we stop it
                await rt.stop()

    app = FastAPI(
        docs_url=None,  # served by api.routes.system with locally installed assets
        redoc_url=None,
        title="WowDesk API",
        version=__version__,
        summary="Omnichannel customer service: tickets, customers, agents.",
        description="Errors are RFC 9457 problem documents (`application/problem+json`). "
        "Authenticate with `Authorization: Bearer <token or API key>`.",
        lifespan=lifespan,
    )
    app.state.runtime = rt
    app.state.actor_cache = ActorCache(ttl=settings.auth_cache_seconds)
    app.state.hub = Hub(rt.bus, rt.uow)
    # Errors are problem documents for the API and readable pages on the console.
    for kind, for_api, for_console in (
        (DomainError, problems.domain_error, console_errors.domain_error),
        (RequestValidationError, problems.validation_error, console_errors.validation_error),
        (StarletteHTTPException, problems.http_error, console_errors.http_error),
        (Exception, problems.unexpected_error, console_errors.unexpected_error),
    ):
        app.add_exception_handler(kind, _either(for_api, for_console, console_errors.is_console))
    app.add_exception_handler(LoginRequired, console_errors.login_required)
    # A request is matched against the routes in this order, one by one (~1.5 µs each): the busiest
    # come first. No route shadows another (tests/api/test_route_order.py), so the order changes
    # nothing else.
    for module in (
        system,
        widget,
        conversations,
        tickets,
        customers,
        auth,
        accounts,
        fields,
        attachments,
        jobs,
        channels,
        push,
        inbox,
        routing,
        automations,
        csat_routes,
        commerce_routes,
        compensation_routes,
        resolution_routes,
        claim_routes,
        seller_messaging_routes,
        seller_portal_routes,
        calendars,
        sla,
        macros,
        ticket_links,
        contact_reasons,
        analytics_routes,
    ):
        app.include_router(module.router)
    console.mount(app)
    system.mount_vendor_assets(app, settings.assets_dir or DEFAULT_ASSETS_DIR)

    def limit_for(method: str, path: str) -> int:
        if method == "POST" and (path.rstrip("/") in UPLOAD_PATHS or console.accepts_upload(path)):
            return settings.max_upload_bytes + MULTIPART_OVERHEAD
        return settings.max_body_bytes

    app.add_middleware(RequestGuard, limit_for=limit_for, policy_for=console.policy_for)
    return app
