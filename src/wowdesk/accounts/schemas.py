from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from wowdesk.core.money import CurrencyCode
from wowdesk.core.schemas import DbId, StrictModel
from wowdesk.core.validation import AgentLanguage, Email, Language, Slug, TimeZone

Role = Literal["admin", "supervisor", "agent"]


class WorkspaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    slug: str
    name: str
    default_language: str
    time_zone: str
    currency: str


class WorkspaceCreate(StrictModel):
    slug: Slug
    name: str = Field(min_length=1, max_length=200)
    admin_email: Email = Field(max_length=320)
    admin_password: str = Field(min_length=10, max_length=200)
    admin_name: str = Field(default="Administrator", min_length=1, max_length=200)
    default_language: Language = "en"
    time_zone: TimeZone = "UTC"
    currency: CurrencyCode = "USD"


class AgentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    name: str
    role: str
    language: str
    time_zone: str
    active: bool
    last_login_at: dt.datetime | None
    created_at: dt.datetime
    availability: str = "offline"
    chat_capacity: int = 5


class AgentCreate(StrictModel):
    email: Email = Field(max_length=320)
    name: str = Field(min_length=1, max_length=200)
    role: Role = "agent"
    password: str | None = Field(default=None, min_length=10, max_length=200)
    language: AgentLanguage = "en"  # or "auto": the console follows the browser
    time_zone: TimeZone = "UTC"


class AgentUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    language: AgentLanguage | None = None
    time_zone: TimeZone | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=200)
    chat_capacity: int | None = Field(default=None, ge=0, le=100)


class MeOut(AgentOut):
    workspace: WorkspaceOut
    permissions: list[str]
    team_ids: list[int]


class LoginIn(StrictModel):
    workspace: str = Field(min_length=1, max_length=40)
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=200)


class SessionIn(LoginIn):
    # Remembered: the cookie outlives the browser (``session_days``); else the session ends with
    # the browser or after ``session_idle_hours`` unused.
    remember: bool = True


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class SessionOut(BaseModel):
    csrf_token: str
    expires_at: dt.datetime
    agent: AgentOut


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    description: str
    member_ids: list[int] = []


class TeamCreate(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=500)
    member_ids: list[DbId] = Field(default_factory=list, max_length=1000)


class TeamUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    member_ids: list[DbId] | None = Field(default=None, max_length=1000)


class SkillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    description: str


class SkillCreate(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=500)


class AgentSkillIn(StrictModel):
    skill_id: DbId
    level: int = Field(default=3, ge=1, le=5)


class AgentSkillsIn(StrictModel):
    skills: list[AgentSkillIn] = Field(max_length=200)


class ApiKeyCreate(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    agent_id: DbId | None = None  # admins may create keys for another agent


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    agent_id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str  # shown once


class SecurityEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    agent_id: int | None
    actor: str | None
    email: str | None
    ip: str | None
    user_agent: str | None
    detail: dict[str, object]
    created_at: dt.datetime


class OutOfOfficeIn(StrictModel):
    """Out of office for good (no `until`), until a moment (with its time zone), or back."""

    out_of_office: bool
    until: dt.datetime | None = None


class OutOfOfficeOut(BaseModel):
    agent_id: int
    out_of_office: bool  # now: an absence whose end has passed is over
    until: dt.datetime | None
