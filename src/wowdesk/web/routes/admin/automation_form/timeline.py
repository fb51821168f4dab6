"""The ticket timeline's lines of automation firings, in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

from wowdesk.core.i18n import N_, translate
from wowdesk.web.routes.admin.automation_form.fields import EVENTS

# -- the ticket timeline's lines of automation firings ---------------------------------------------


def event_label(event: Any) -> str:
    msgid = EVENTS.get(str(event))
    return translate(msgid) if msgid else str(event or "")


def _reason(error: Any) -> str:
    if not isinstance(error, Mapping) or not isinstance(error.get("message"), str):
        return ""
    params = error.get("params") if isinstance(error.get("params"), Mapping) else {}
    try:
        return translate(error["message"], None, **{str(k): v for k, v in (params or {}).items()})
    except (KeyError, IndexError, ValueError):
        return str(error["message"])


def timeline_line(kind: str, new: Any, *, link: bool) -> Markup:
    """ "Automation Refunds first ran (Ticket created)" — the rule's name a link for those who may
    manage rules; a failed firing says why, in the reader's language."""
    new = new if isinstance(new, Mapping) else {}
    name = str(new.get("name") or "")
    rule_id = new.get("id")
    if link and isinstance(rule_id, int):
        rule: Markup = Markup('<a href="/admin/automations/{}">{}</a>').format(rule_id, name)
    else:
        rule = Markup("<strong>{}</strong>").format(name)
    event = event_label(new.get("event"))
    if kind == "automation":
        return escape(translate(N_("Automation {rule} ran ({event})"))).format(rule=rule, event=event)
    reason = _reason(new.get("error"))
    if not reason:
        template = translate(N_("Automation {rule} changed nothing ({event})"))
        return escape(template).format(rule=rule, event=event)
    template = translate(N_("Automation {rule} changed nothing ({event}): {reason}"))
    return escape(template).format(rule=rule, event=event, reason=reason)


def timeline_lines(entries: Iterable[Any], *, link: bool) -> dict[int, Markup]:
    """The automation lines of these timeline entries, by entry id."""
    return {
        e.id: timeline_line(e.kind, e.new, link=link)
        for e in entries
        if e.kind in ("automation", "automation_failed")
    }
