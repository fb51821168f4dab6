"""Roles and what they may do. Routes declare the permission they need; actions check it again
when the rule depends on the data (e.g. an agent may revoke only their own API keys)."""

from __future__ import annotations

ROLES = ("admin", "supervisor", "agent")

TICKETS_READ = "tickets.read"
TICKETS_WRITE = "tickets.write"
CUSTOMERS_READ = "customers.read"
CUSTOMERS_WRITE = "customers.write"
CUSTOMERS_MERGE = "customers.merge"
AGENTS_READ = "agents.read"
AGENTS_MANAGE = "agents.manage"
TEAMS_MANAGE = "teams.manage"
FIELDS_MANAGE = "fields.manage"
APIKEYS_OWN = "apikeys.own"
APIKEYS_ALL = "apikeys.all"
AUDIT_READ = "audit.read"
JOBS_READ = "jobs.read"
JOBS_MANAGE = "jobs.manage"
CONVERSATIONS_READ = "conversations.read"
CONVERSATIONS_WRITE = "conversations.write"
CONVERSATIONS_ALL = "conversations.all"  # every conversation, not only one's own and one's teams'
CHANNELS_MANAGE = "channels.manage"
INBOX_MANAGE = "inbox.manage"  # shared inbox views and shared canned responses
CALENDARS_MANAGE = "calendars.manage"  # business-hour calendars and their holidays
SLA_MANAGE = "sla.manage"  # SLA policies
ROUTING_MANAGE = "routing.manage"  # teams' assignment rules, agents' out-of-office
AUTOMATIONS_MANAGE = "automations.manage"  # event triggers and time-based rules
MACROS_MANAGE = "macros.manage"  # shared macros (everyone keeps personal ones)
TICKETS_MERGE = "tickets.merge"  # merge and split tickets
REPORTS_READ = "reports.read"  # satisfaction (CSAT) and other reports
COMMERCE_READ = "commerce.read"  # sellers, orders, shipments and their tracking
COMMERCE_WRITE = "commerce.write"  # import and update them (the REST connector, an integration's key)
COMMERCE_MANAGE = "commerce.manage"  # sellers' settings, the store connection and its secrets
COMPENSATION_GRANT = "compensation.grant"  # refunds, credits, reimbursements within one's limit
APPROVALS_DECIDE = "approvals.decide"  # approve or decline grants above an agent's limit
LEDGER_READ = "ledger.read"  # the whole compensation ledger and its export
LIMITS_MANAGE = "limits.manage"  # authority limits per role and per agent
POLICIES_MANAGE = "policies.manage"  # resolution policies
CLAIMS_MANAGE = "claims.manage"  # claims against sellers
REASONS_MANAGE = "reasons.manage"  # the contact-reason taxonomy

_AGENT = frozenset(
    {
        TICKETS_READ,
        TICKETS_WRITE,
        CUSTOMERS_READ,
        CUSTOMERS_WRITE,
        AGENTS_READ,
        APIKEYS_OWN,
        CONVERSATIONS_READ,
        CONVERSATIONS_WRITE,
        COMMERCE_READ,
        COMPENSATION_GRANT,
    }
)
_SUPERVISOR = _AGENT | {
    CUSTOMERS_MERGE,
    TEAMS_MANAGE,
    JOBS_READ,
    CONVERSATIONS_ALL,
    INBOX_MANAGE,
    ROUTING_MANAGE,
    MACROS_MANAGE,
    TICKETS_MERGE,
    REPORTS_READ,
    APPROVALS_DECIDE,
    LEDGER_READ,
    CLAIMS_MANAGE,
    REASONS_MANAGE,
}
_ADMIN = _SUPERVISOR | {
    AGENTS_MANAGE,
    FIELDS_MANAGE,
    APIKEYS_ALL,
    AUDIT_READ,
    JOBS_MANAGE,
    CHANNELS_MANAGE,
    CALENDARS_MANAGE,
    SLA_MANAGE,
    AUTOMATIONS_MANAGE,
    COMMERCE_WRITE,
    COMMERCE_MANAGE,
    LIMITS_MANAGE,
    POLICIES_MANAGE,
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "agent": _AGENT,
    "supervisor": frozenset(_SUPERVISOR),
    "admin": frozenset(_ADMIN),
}


def permissions_for(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())
