"""The demo workspace (slug ``demo``): a small online shop's support desk in three languages,
built through the same actions the API uses. Seeded once; its logins are kept in the data directory
(mode 0600) so ``make run`` can show them again on the next start."""

from __future__ import annotations

import json
import os
import secrets
import string
from typing import Any

from wowdesk.accounts import actions as accounts
from wowdesk.accounts import queries as account_queries
from wowdesk.accounts.schemas import AgentCreate, TeamCreate, WorkspaceCreate
from wowdesk.commerce import queries as commerce_queries
from wowdesk.conversations import actions as chat_actions
from wowdesk.conversations.schemas import AgentMessageIn, ConversationUpdate, ProfileIn, VisitorMessageIn
from wowdesk.core.actor import Actor
from wowdesk.core.runtime import Runtime
from wowdesk.customers import actions as customers
from wowdesk.customers.schemas import CustomerCreate, RequesterIn
from wowdesk.demo.commerce import seed_commerce
from wowdesk.demo.data import AGENTS, CHATS, CUSTOMERS, TICKET_ABOUT, TICKETS
from wowdesk.demo.resolutions import seed_resolutions
from wowdesk.demo.ticketing import seed_ticket_system
from wowdesk.policies.reasons import actions as reason_actions
from wowdesk.tickets import actions as tickets
from wowdesk.tickets.schemas import CommentCreate, FieldCreate, TicketCreate, TicketUpdate

SLUG = "demo"
CREDENTIALS_FILE = "demo-credentials.json"
DOMAIN = "demo.wowdesk.test"


def _password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(16))


def _load_credentials(rt: Runtime) -> list[dict[str, str]] | None:
    path = rt.settings.data_dir / CREDENTIALS_FILE
    if not path.exists():
        return None
    data: list[dict[str, str]] = json.loads(path.read_text())
    return data


def _save_credentials(rt: Runtime, creds: list[dict[str, str]]) -> None:
    path = rt.settings.data_dir / CREDENTIALS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(creds, fh, ensure_ascii=False, indent=2)


async def seed_demo(rt: Runtime) -> tuple[list[dict[str, str]] | None, bool]:
    """Create the demo workspace unless it exists. Returns (logins if known, created now?)."""
    async with rt.uow(write=False) as session:
        if await account_queries.find_workspace(session, SLUG) is not None:
            return _load_credentials(rt), False
    creds = [
        {"email": f"{key}@{DOMAIN}", "password": _password(), "role": role, "name": name}
        for key, name, role, _lang, _tz in AGENTS
    ]
    async with rt.uow() as session:
        ws, admin = await accounts.do_create_workspace(
            session,
            WorkspaceCreate(
                slug=SLUG,
                name="WowDesk Demo Shop 示範商店",
                admin_email=creds[0]["email"],
                admin_password=creds[0]["password"],
                admin_name=AGENTS[0][1],
                default_language="zh-Hant",
                time_zone="Asia/Taipei",
                currency="TWD",
            ),
            is_demo=True,
        )
        system = Actor.system(ws.id)
        agents = {"admin": admin}
        for (key, name, role, lang, tz), cred in zip(AGENTS[1:], creds[1:], strict=True):
            agents[key] = await accounts.do_create_agent(
                session,
                system,
                AgentCreate(
                    email=cred["email"],
                    name=name,
                    role=role,
                    password=cred["password"],
                    language=lang,
                    time_zone=tz,
                ),
            )
        taipei_team = await accounts.do_create_team(
            session,
            system,
            TeamCreate(name="台北客服 Taipei", member_ids=[agents["meiling"].id, agents["wei"].id]),
        )
        await accounts.do_create_team(
            session, system, TeamCreate(name="Global", member_ids=[agents["alex"].id])
        )
        channel = await chat_actions.do_create_default_channel(session, ws.id)
        await reason_actions.do_seed_default_reasons(session, ws.id)
        await seed_ticket_system(session, system, taipei_team.id)
        await tickets.do_create_field(
            session,
            system,
            FieldCreate(
                key="order_number",
                label="Order number",
                labels={"zh-Hant": "訂單編號", "zh-Hans": "订单编号"},
                type="text",
                position=1,
            ),
        )
        await tickets.do_create_field(
            session,
            system,
            FieldCreate(
                key="product_line",
                label="Product line",
                labels={"zh-Hant": "產品線", "zh-Hans": "产品线"},
                type="dropdown",
                options=["Electronics", "Books", "Home"],
                position=2,
            ),
        )
        people = [
            await customers.do_create_customer(session, system, CustomerCreate.model_validate(c))
            for c in CUSTOMERS
        ]
        made = []
        for who, subject, body, prio, kind, assignee, tags, fields, comments, status in TICKETS:
            agent = agents.get(assignee) if assignee else None
            ticket = await tickets.do_create_ticket(
                session,
                _as(agents["admin"]),
                TicketCreate(
                    subject=subject,
                    description=body,
                    requester=RequesterIn(id=people[who].id),
                    priority=prio,
                    type=kind,
                    assignee_id=agent.id if agent else None,
                    tags=tags,
                    custom_fields=fields,
                    channel="web",
                ),
            )
            if agent is not None and status != "new":
                await tickets.do_update_ticket(session, _as(agent), ticket, TicketUpdate(status="open"))
            for author, text, public in comments:
                await tickets.do_add_comment(
                    session, _as(agents[author]), ticket, CommentCreate(body=text, public=public)
                )
            if status not in ("new", "open"):
                await tickets.do_update_ticket(
                    session, _as(agent or agents["admin"]), ticket, TicketUpdate(status=status)
                )
            made.append((ticket, agent or agents["admin"]))
        await seed_commerce(session, system, [p.id for p in people])
        for (ticket, agent), (reason, order) in zip(made, TICKET_ABOUT, strict=True):
            about: dict[str, object] = {"contact_reason": reason}
            if order is not None:
                about["order_id"] = (
                    await commerce_queries.get_order_by_external_id(session, system, order)
                ).id
            await tickets.do_update_ticket(session, _as(agent), ticket, TicketUpdate.model_validate(about))
        await seed_resolutions(session, system)
        for n, (name, email, language, lines, assignee) in enumerate(CHATS):
            customer_id = await chat_actions.do_identify_visitor(
                session, channel, identity=None, profile=ProfileIn(name=name, email=email), language=language
            )
            conversation = None
            for i, (who, text) in enumerate(lines):
                if who == "customer":
                    conversation, _message, _new = await chat_actions.do_receive_message(
                        session,
                        channel,
                        customer_id,
                        VisitorMessageIn(client_id=f"demo-{n}-{i}", body=text),
                        language=language,
                    )
                elif conversation is not None:
                    await chat_actions.do_send_message(
                        session, _as(agents[who]), conversation, AgentMessageIn(body=text)
                    )
            if conversation is not None and assignee is not None:
                await chat_actions.do_update_conversation(
                    session, system, conversation, ConversationUpdate(assignee_id=agents[assignee].id)
                )
    _save_credentials(rt, creds)
    return creds, True


# Taiwan's fixed-date public holidays (the lunar ones move: import the government's .ics for them).
def _as(agent: Any) -> Actor:
    return account_queries.actor_for(agent, "demo")
