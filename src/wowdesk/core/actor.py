"""Who is acting: an agent (by password/session/token), an API key acting for its agent, a customer,
or the system (jobs, automations). Actions receive one and record it on the timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ActorKind = Literal["agent", "customer", "system", "seller"]  # seller: a marketplace seller's API key


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    workspace_id: int
    id: int | None = None
    role: str | None = None
    name: str = ""
    permissions: frozenset[str] = field(default_factory=frozenset)
    via: str | None = None  # "apikey:9", "session", "token"
    language: str = "en"  # or "auto": the console follows the browser's
    time_zone: str = "UTC"

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}" if self.id is not None else self.kind

    @property
    def principal(self) -> str:
        """Identity for idempotency keys and rate limits: the API key if one was used."""
        return self.via if self.via and self.via.startswith("apikey:") else self.ref

    def can(self, permission: str) -> bool:
        """The system (jobs, automations) may do anything; people only what their role grants."""
        return self.kind == "system" or permission in self.permissions

    def require(self, permission: str) -> None:
        if not self.can(permission):
            from wowdesk.core.errors import Forbidden

            raise Forbidden()

    @classmethod
    def system(cls, workspace_id: int, via: str | None = None) -> Actor:
        """WowDesk itself (a job, a rule, a policy); `via` says which, for the audit."""
        return cls(kind="system", workspace_id=workspace_id, name="WowDesk", via=via)
