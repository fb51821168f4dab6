"""Mounting the console on the application: its routers, its static files."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from wowdesk.web.assets import static_dir
from wowdesk.web.errors import NOT_CONSOLE
from wowdesk.web.routes import (
    admin,
    approvals,
    auth,
    conversations,
    customers,
    inbox,
    public,
    pwa,
    settings,
    team,
    tickets,
)
from wowdesk.web.routes import csat as csat_survey
from wowdesk.web.routes import reports as report_pages
from wowdesk.web.routes.resolution import sellers as seller_pages
from wowdesk.web.routes.resolution import ticket as resolution_forms

# The console's pages run only the console's own files: no inline script or style, no other origin,
# no plugins, never framed. A sanitiser slip in customer HTML still cannot run script. ('self'
# covers the page's own ws:/wss: origin for the agent socket.)
CONSOLE_POLICY = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    b"font-src 'self'; connect-src 'self'; media-src 'self' blob:; worker-src 'self'; "
    b"manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    b"frame-ancestors 'none'"
)
# Pages that are not the console's: the demo shop stands for a customer's own site.
NOT_CONSOLE_PAGES = (*NOT_CONSOLE, "/demo/")

# Console forms that may carry files (a reply with attachments): their bodies may be upload-sized.
UPLOAD_FORMS = re.compile(r"^/(tickets|conversations)/\d+/reply$")


def mount(app: FastAPI) -> None:
    for module in (public, pwa, auth, inbox, tickets, conversations, customers, team, admin, settings):
        app.include_router(module.router)
    # The customer's survey page (no login) and the satisfaction report.
    app.include_router(csat_survey.router)
    app.include_router(report_pages.router)
    # Commerce and resolution (docs/console-resolution.md)
    for router in (resolution_forms.router, approvals.router, seller_pages.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=static_dir()), name="console-static")


def accepts_upload(path: str) -> bool:
    return UPLOAD_FORMS.match(path) is not None


def policy_for(path: str) -> bytes | None:
    """The Content-Security-Policy for an HTML page at ``path``: the console's, or none."""
    return None if path.startswith(NOT_CONSOLE_PAGES) else CONSOLE_POLICY
