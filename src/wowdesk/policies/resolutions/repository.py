"""Every query of resolution policies and suggestions, scoped to one workspace (ORM: cold paths)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.repository import WorkspaceRepository
from wowdesk.policies.resolutions.models import (
    ResolutionPolicy,
    ResolutionPolicyVersion,
    ResolutionSuggestion,
)


class ResolutionsRepository(WorkspaceRepository):
    async def policies(self, *, include_archived: bool = False) -> list[ResolutionPolicy]:
        q = self.scoped(ResolutionPolicy)
        if not include_archived:
            q = q.where(ResolutionPolicy.archived_at.is_(None))
        return list((await self.session.scalars(q.order_by(ResolutionPolicy.id))).all())

    async def enabled(self, trigger_kind: str) -> list[ResolutionPolicy]:
        """The enabled policies of one trigger kind, oldest first (the first that applies acts)."""
        q = self.scoped(ResolutionPolicy).where(
            ResolutionPolicy.trigger_kind == trigger_kind,
            ResolutionPolicy.enabled.is_(True),
            ResolutionPolicy.archived_at.is_(None),
        )
        return list((await self.session.scalars(q.order_by(ResolutionPolicy.id))).all())

    async def count(self) -> int:
        q = (
            select(func.count())
            .select_from(ResolutionPolicy)
            .where(ResolutionPolicy.workspace_id == self.workspace_id, ResolutionPolicy.archived_at.is_(None))
        )
        return int(await self.session.scalar(q) or 0)

    async def policy(self, policy_id: int, *, for_update: bool = False) -> ResolutionPolicy | None:
        q = self.scoped(ResolutionPolicy).where(ResolutionPolicy.id == policy_id)
        if for_update:
            q = q.with_for_update()
        return (await self.session.scalars(q)).first()

    async def versions(self, policy_id: int) -> list[ResolutionPolicyVersion]:
        q = self.scoped(ResolutionPolicyVersion).where(ResolutionPolicyVersion.policy_id == policy_id)
        return list((await self.session.scalars(q.order_by(ResolutionPolicyVersion.version.desc()))).all())

    async def version(self, policy_id: int, version: int) -> ResolutionPolicyVersion | None:
        q = self.scoped(ResolutionPolicyVersion).where(
            ResolutionPolicyVersion.policy_id == policy_id, ResolutionPolicyVersion.version == version
        )
        return (await self.session.scalars(q)).first()

    # -- suggestions -----------------------------------------------------------------------------------
    async def suggestions(self, ticket_id: int) -> list[ResolutionSuggestion]:
        q = self.scoped(ResolutionSuggestion).where(ResolutionSuggestion.ticket_id == ticket_id)
        return list((await self.session.scalars(q.order_by(ResolutionSuggestion.id.desc()))).all())

    async def suggestion(
        self, ticket_id: int, suggestion_id: int, *, for_update: bool = False
    ) -> ResolutionSuggestion | None:
        q = self.scoped(ResolutionSuggestion).where(
            ResolutionSuggestion.id == suggestion_id, ResolutionSuggestion.ticket_id == ticket_id
        )
        if for_update:
            q = q.with_for_update()
        return (await self.session.scalars(q.execution_options(populate_existing=True))).first()

    async def latest_for(self, ticket_id: int, policy_id: int, order_id: int) -> ResolutionSuggestion | None:
        q = self.scoped(ResolutionSuggestion).where(
            ResolutionSuggestion.ticket_id == ticket_id,
            ResolutionSuggestion.policy_id == policy_id,
            ResolutionSuggestion.order_id == order_id,
        )
        return (await self.session.scalars(q.order_by(ResolutionSuggestion.id.desc()).limit(1))).first()

    async def open_suggestion(self, ticket_id: int, policy_id: int, kind: str) -> ResolutionSuggestion | None:
        q = self.scoped(ResolutionSuggestion).where(
            ResolutionSuggestion.open_ticket_id == ticket_id,
            ResolutionSuggestion.policy_id == policy_id,
            ResolutionSuggestion.kind == kind,
        )
        return (await self.session.scalars(q)).first()


async def workspaces_with(session: AsyncSession, trigger_kind: str) -> list[int]:
    """Across workspaces (the sweep's job): those with an enabled policy of this trigger."""
    q = (
        select(ResolutionPolicy.workspace_id)
        .where(
            ResolutionPolicy.trigger_kind == trigger_kind,
            ResolutionPolicy.enabled.is_(True),
            ResolutionPolicy.archived_at.is_(None),
        )
        .distinct()
        .order_by(ResolutionPolicy.workspace_id)
    )
    return [int(w) for w in (await session.scalars(q)).all()]
