"""Events of resolution policies and their suggestions."""

from __future__ import annotations

from typing import ClassVar

from wowdesk.core.events import Event


class ResolutionPolicySaved(Event):
    name = "resolution_policy.saved"
    policy_id: int
    version: int
    enabled: bool
    mode: str
    trigger_kind: str


class ResolutionSuggested(Event):
    name = "resolution.suggested"
    logged: ClassVar[bool] = True
    suggestion_id: int
    ticket_id: int
    policy_id: int
    policy_version: int
    customer_id: int
    order_id: int
    shipment_id: int | None


class ResolutionSuggestionDecided(Event):
    name = "resolution.suggestion_decided"
    logged: ClassVar[bool] = True
    suggestion_id: int
    ticket_id: int
    policy_id: int
    status: str  # accepted | dismissed
