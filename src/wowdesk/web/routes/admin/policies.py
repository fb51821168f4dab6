"""Resolution policies in the console (admins, ``policies.manage``): the list, a new policy, one
policy's form with its version history, on/off, delete. The document is typed as YAML or JSON in a
textarea; what is wrong with it comes back in plain words with its place
(``then[1].goodwill_credit.amount: must be a whole number …``), the form keeping what was typed,
and nothing is saved."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import POLICIES_MANAGE
from wowdesk.core.errors import Conflict, InvalidInput
from wowdesk.core.i18n import Invalid, _
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.policies.resolutions import actions, queries
from wowdesk.policies.resolutions.schemas import PolicyIn, PolicyPatch
from wowdesk.web.console import Console, ConsoleRoute, done, needs, wants_fragment
from wowdesk.web.forms import FormLike, checked, text
from wowdesk.web.labels import label
from wowdesk.web.routes.admin.common import admin_page
from wowdesk.web.routes.resolution import words

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)
CanManage = Annotated[Console, Depends(needs(POLICIES_MANAGE))]
BASE = "/admin/resolution-policies"

EXAMPLE = """trigger:
  kind: shipment_stalled
  days_without_progress: 5     # no tracking scan for 5 days
  days_past_promised: 2        # or 2 days past the promised date
then:
  - refund: {scope: order}     # the whole order, shipping included
  - goodwill_credit: {amount: 10000}           # minor units: 10000 is 100.00
  - offer_shipping_reimbursement: {up_to: 20000}
  - no_return_required: true
  - open_claim: {reason: lost_in_transit}
"""


class PolicyFormErrors(InvalidInput):
    """What is wrong with a submitted policy: (place, sentence) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{where}: {what}" if where else what for where, what in problems))


def as_text(document: dict[str, Any]) -> str:
    """A stored document as YAML for the textarea (its keys in the order they were saved)."""
    import yaml  # type: ignore[import-untyped]

    dumped: str = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return dumped


def _typed(form: FormLike) -> dict[str, Any]:
    return {
        "name": text(form, "name"),
        "mode": text(form, "mode") or "suggest",
        "enabled": checked(form, "enabled"),
        "document": text(form, "document"),
    }


def parse_policy(typed: dict[str, Any]) -> PolicyIn:
    """The form as a policy, or every problem with its place."""
    problems: list[tuple[str, str]] = []
    name, raw = typed["name"], typed["document"]
    if not name:
        problems.append((_("Name"), _("Give the policy a name.")))
    elif len(name) > 200:
        problems.append((_("Name"), _("At most 200 characters.")))
    if typed["mode"] not in words.POLICY_MODE:
        problems.append((_("Mode"), _("Choose whether it acts on its own or suggests.")))
    document = None
    if not raw:
        problems.append((_("Document"), _("Write the policy's document, in YAML or JSON.")))
    else:
        kind = "application/json" if raw.lstrip().startswith("{") else "application/yaml"
        try:
            data = queries.load_text(raw, kind)
            document = queries.parse_document(data)
        except Invalid as exc:
            problems.append((_("Document"), exc.localized()))
        except InvalidInput as exc:
            problems.extend((str(e["field"]), str(e["message"])) for e in exc.extra.get("errors", []))
    if problems or document is None:
        raise PolicyFormErrors(problems)
    return PolicyIn(name=name, enabled=typed["enabled"], mode=typed["mode"], document=document)


async def _page(
    session: AsyncSession,
    c: Console,
    template: str,
    *,
    item: Any = None,
    values: dict[str, Any] | None = None,
    problems: list[tuple[str, str]] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "modes": [(k, _(v)) for k, v in words.POLICY_MODE.items()],
        "example": EXAMPLE,
        "problems": problems or [],
        "error": error,
    }
    if item is None:
        rows = await queries.list_policies(session, c.actor)
        context["policies"] = [
            {
                "p": p,
                "trigger": label(words.TRIGGER, p.trigger_kind),
                "mode": label(words.POLICY_MODE, p.mode),
            }
            for p in rows
        ]
        context["values"] = values or {"name": "", "mode": "suggest", "enabled": True, "document": ""}
    else:
        versions = await queries.list_versions(session, c.actor, item.id)
        refs = {v.saved_by for v in versions}
        ids = {int(r.split(":")[1]) for r in refs if r.startswith("agent:") and r.split(":")[1].isdigit()}
        names = await accounts.agent_names(session, c.actor.workspace_id, set(ids))
        context["item"] = item
        context["versions"] = [
            {
                "v": v,
                "by": names.get(int(v.saved_by.split(":")[1]), v.saved_by)
                if v.saved_by.startswith("agent:") and v.saved_by.split(":")[1].isdigit()
                else _("WowDesk"),
                "mode": label(words.POLICY_MODE, v.mode),
                "text": as_text(v.document),
            }
            for v in versions
        ]
        context["values"] = values or {
            "name": item.name,
            "mode": item.mode,
            "enabled": item.enabled,
            "document": as_text(item.document),
        }
    return await admin_page(session, c, template, "policies", status=status, **context)


Again = Callable[[list[tuple[str, str]], str | None, int], Awaitable[Response]]


async def _attempt(
    request: Request, again: Again, act: Callable[[PolicyIn], Awaitable[Response]], typed: dict[str, Any]
) -> Response:
    """Save what was typed; refused, the page again with every problem and what was typed."""
    try:
        return await act(parse_policy(typed))
    except PolicyFormErrors as exc:
        if wants_fragment(request):
            raise
        return await again(exc.problems, None, 422)
    except (InvalidInput, Conflict) as exc:
        if wants_fragment(request):
            raise
        return await again([], exc.localized(None), exc.status)


@router.get(BASE)
async def index(c: CanManage, session: SessionDep) -> Response:
    return await _page(session, c, "admin/policies.html")


@router.post(BASE)
async def create(request: Request, c: CanManage, session: SessionDep) -> Response:
    typed = _typed(await request.form())

    async def act(data: PolicyIn) -> Response:
        row = await actions.do_create_policy(session, c.actor, data)
        return done(request, f"{BASE}/{row.id}", message=_("The policy {name} is saved.", name=row.name))

    async def again(problems: list[tuple[str, str]], error: str | None, status: int) -> Response:
        return await _page(
            session, c, "admin/policies.html", values=typed, problems=problems, error=error, status=status
        )

    return await _attempt(request, again, act, typed)


@router.get(BASE + "/{policy_id}")
async def show(policy_id: IdPath, c: CanManage, session: SessionDep) -> Response:
    item = await queries.get_policy(session, c.actor, policy_id)
    return await _page(session, c, "admin/policies_one.html", item=item)


@router.post(BASE + "/{policy_id}")
async def update(policy_id: IdPath, request: Request, c: CanManage, session: SessionDep) -> Response:
    item = await queries.get_policy(session, c.actor, policy_id)
    typed = _typed(await request.form())

    async def act(data: PolicyIn) -> Response:
        row = await actions.do_update_policy(session, c.actor, item, data)
        return done(
            request, f"{BASE}/{row.id}", message=_("Saved as version {version}.", version=row.version)
        )

    async def again(problems: list[tuple[str, str]], error: str | None, status: int) -> Response:
        return await _page(
            session,
            c,
            "admin/policies_one.html",
            item=item,
            values=typed,
            problems=problems,
            error=error,
            status=status,
        )

    return await _attempt(request, again, act, typed)


@router.post(BASE + "/{policy_id}/enabled")
async def switch(policy_id: IdPath, request: Request, c: CanManage, session: SessionDep) -> Response:
    """Turn a policy on (``enabled=1``) or off: a new version like any save."""
    item = await queries.get_policy(session, c.actor, policy_id)
    on = checked(await request.form(), "enabled")
    await actions.do_update_policy(session, c.actor, item, PolicyPatch(enabled=on))
    message = (
        _("The policy {name} is on.", name=item.name)
        if on
        else _("The policy {name} is off.", name=item.name)
    )
    return done(request, f"{BASE}/{policy_id}", message=message)


@router.post(BASE + "/{policy_id}/delete")
async def delete(policy_id: IdPath, request: Request, c: CanManage, session: SessionDep) -> Response:
    item = await queries.get_policy(session, c.actor, policy_id)
    await actions.do_delete_policy(session, c.actor, item)
    return done(request, BASE, message=_("The policy {name} is deleted.", name=item.name))
