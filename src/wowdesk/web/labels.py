"""The words the console shows for the values it stores (statuses, priorities, roles …)."""

from __future__ import annotations

from wowdesk.core.i18n import N_, translate

STATUS = {
    "new": N_("New"),
    "open": N_("Open"),
    "pending": N_("Pending"),
    "on_hold": N_("On hold"),
    "snoozed": N_("Snoozed"),
    "solved": N_("Solved"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
}
PRIORITY = {"low": N_("Low"), "normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent")}
TICKET_TYPE = {
    "question": N_("Question"),
    "incident": N_("Incident"),
    "problem": N_("Problem"),
    "task": N_("Task"),
}
ROLE = {"admin": N_("Admin"), "supervisor": N_("Supervisor"), "agent": N_("Agent")}
AVAILABILITY = {"online": N_("Online"), "away": N_("Away"), "offline": N_("Offline")}
LANGUAGE = {"auto": N_("Same as the browser"), "en": "English", "zh-Hant": "繁體中文", "zh-Hans": "简体中文"}
KIND = {"ticket": N_("Ticket"), "conversation": N_("Conversation")}
FIELD_TYPE = {
    "text": N_("Text"),
    "number": N_("Number"),
    "date": N_("Date"),
    "dropdown": N_("Drop-down list"),
    "checkbox": N_("Checkbox"),
}
WEEKDAYS = {
    "mon": N_("Monday"),
    "tue": N_("Tuesday"),
    "wed": N_("Wednesday"),
    "thu": N_("Thursday"),
    "fri": N_("Friday"),
    "sat": N_("Saturday"),
    "sun": N_("Sunday"),
}
# What changed on a ticket's timeline, by field.
FIELD = {
    "status": N_("status"),
    "priority": N_("priority"),
    "type": N_("type"),
    "assignee_id": N_("assignee"),
    "team_id": N_("team"),
    "subject": N_("subject"),
    "tags": N_("tags"),
    "requester_id": N_("requester"),
    "custom_fields": N_("fields"),
}


def label(table: dict[str, str], value: str | None) -> str:
    if value is None:
        return ""
    msgid = table.get(value)
    return translate(msgid) if msgid is not None else value
