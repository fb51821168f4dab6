"""Events of the contact-reason taxonomy."""

from __future__ import annotations

from wowdesk.core.events import Event


class ContactReasonCreated(Event):
    name = "contact_reason.created"
    code: str
    parent_code: str | None


class ContactReasonUpdated(Event):
    name = "contact_reason.updated"
    code: str
    changes: list[str]
