from __future__ import annotations

from typing import ClassVar

from wowdesk.core.events import Event


class WorkspaceCreated(Event):
    name = "workspace.created"
    slug: str


class AgentCreated(Event):
    name = "agent.created"
    agent_id: int
    role: str


class AgentUpdated(Event):
    name = "agent.updated"
    agent_id: int
    changes: dict[str, list[object]]


class TeamChanged(Event):
    name = "team.changed"
    team_id: int
    member_ids: list[int]


class ApiKeyCreated(Event):
    name = "apikey.created"
    api_key_id: int
    agent_id: int


class ApiKeyRevoked(Event):
    name = "apikey.revoked"
    api_key_id: int
    agent_id: int


class AgentPresenceChanged(Event):
    """An agent went online, away or offline for chats (shown live to the team)."""

    name = "agent.presence_changed"
    logged: ClassVar[bool] = True
    agent_id: int
    availability: str
