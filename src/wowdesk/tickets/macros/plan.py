"""What a macro's stored actions mean for one ticket: the ticket update they make, and — for a
preview — which fields that would change, without writing anything."""

from __future__ import annotations

from typing import Any

from wowdesk.tickets.macros.schemas import CUSTOM_PREFIX
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.schemas import TicketUpdate


def ticket_update(actions: list[dict[str, Any]]) -> TicketUpdate:
    """The PATCH a macro's actions amount to (validated when the macro was saved)."""
    data: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    add: list[str] = []
    remove: list[str] = []
    for a in actions:
        if "set" in a:
            name = str(a["set"])
            if name.startswith(CUSTOM_PREFIX):
                custom[name.removeprefix(CUSTOM_PREFIX)] = a.get("value")
            else:
                data[name] = a.get("value")
        elif "add_tags" in a:
            add.extend(t for t in a["add_tags"] if t not in add)
        elif "remove_tags" in a:
            remove.extend(t for t in a["remove_tags"] if t not in remove)
    if custom:
        data["custom_fields"] = custom
    if add:
        data["add_tags"] = add
    if remove:
        data["remove_tags"] = remove
    return TicketUpdate.model_validate(data)


def planned_changes(ticket: TicketRow, tags: list[str], update: TicketUpdate) -> dict[str, list[Any]]:
    """field → [now, after] for what `update` would change on `ticket` (tags: the lists)."""
    changes: dict[str, list[Any]] = {}
    given = update.model_fields_set
    for name in ("status", "priority", "type", "assignee_id", "team_id"):
        if name in given and getattr(update, name) != getattr(ticket, name):
            changes[name] = [getattr(ticket, name), getattr(update, name)]
    if update.custom_fields:
        merged = dict(ticket.custom_fields or {})
        for key, value in update.custom_fields.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        if merged != (ticket.custom_fields or {}):
            changes["custom_fields"] = [dict(ticket.custom_fields or {}), merged]
    if update.add_tags or update.remove_tags:
        drop = set(update.remove_tags or [])
        wanted = [t for t in tags if t not in drop] + [t for t in update.add_tags or [] if t not in tags]
        if sorted(wanted) != sorted(tags):
            changes["tags"] = [tags, wanted]
    return changes
