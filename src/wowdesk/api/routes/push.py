"""Web Push for agents (docs/notifications.md): the key browsers subscribe with, the signed-in
agent's devices, and what they want to be told when their console is closed."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import TypeAdapter

from wowdesk.api.responses import JSON, model_response
from wowdesk.http.deps import ActorDep, IdPath, SessionDep
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.notifications import actions, queries
from wowdesk.notifications.schemas import (
    NotificationSettingsIn,
    NotificationSettingsOut,
    PublicKeyOut,
    SubscriptionIn,
    SubscriptionOut,
)

router = APIRouter(prefix="/api/v1", tags=["notifications"], route_class=StandardJSONRoute)
_SUBSCRIPTIONS = TypeAdapter(list[SubscriptionOut])


@router.get(
    "/push/key",
    response_model=PublicKeyOut,
    summary="The VAPID public key: pushManager.subscribe's applicationServerKey",
)
async def get_key(session: SessionDep, actor: ActorDep) -> Response:
    return model_response(PublicKeyOut(public_key=queries.application_server_key(session)))


@router.get("/push/subscriptions", response_model=list[SubscriptionOut], summary="Your devices")
async def list_subscriptions(session: SessionDep, actor: ActorDep) -> Response:
    rows = await queries.list_subscriptions(session, actor)
    items = [SubscriptionOut.model_validate(r) for r in rows]
    return Response(_SUBSCRIPTIONS.dump_json(items), media_type=JSON)


@router.post(
    "/push/subscriptions",
    response_model=SubscriptionOut,
    status_code=201,
    summary="Receive notifications on this device (its PushSubscription.toJSON()); 200 if it was known",
)
async def subscribe(data: SubscriptionIn, session: SessionDep, actor: ActorDep) -> Response:
    row, created = await actions.do_subscribe(session, actor, data)
    return model_response(SubscriptionOut.model_validate(row), status_code=201 if created else 200)


@router.delete("/push/subscriptions/{subscription_id}", status_code=204, summary="Forget one of your devices")
async def unsubscribe(subscription_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await actions.do_unsubscribe(session, actor, subscription_id)
    return Response(status_code=204)


@router.get(
    "/me/notifications",
    response_model=NotificationSettingsOut,
    summary="What you want pushed to your devices",
)
async def get_settings(session: SessionDep, actor: ActorDep) -> Response:
    agent_id = actions.agent_of(actor)
    return model_response(await queries.notification_settings(session, actor.workspace_id, agent_id))


@router.put("/me/notifications", response_model=NotificationSettingsOut, summary="Choose what is pushed")
async def put_settings(data: NotificationSettingsIn, session: SessionDep, actor: ActorDep) -> Response:
    row = await actions.do_set_notification_settings(session, actor, data)
    return model_response(NotificationSettingsOut.model_validate(row))
