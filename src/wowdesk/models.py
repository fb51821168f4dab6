"""Every ORM model, imported once so the metadata is complete (migrations, schema checks)."""

from wowdesk.accounts import models as _accounts  # noqa: F401
from wowdesk.accounts.calendars import models as _calendars  # noqa: F401
from wowdesk.commerce import models as _commerce  # noqa: F401
from wowdesk.conversations import models as _conversations  # noqa: F401
from wowdesk.conversations.sellers import models as _seller_messaging  # noqa: F401
from wowdesk.core.counters import Counter  # noqa: F401
from wowdesk.core.db import Base
from wowdesk.core.eventlog import EventLogEntry  # noqa: F401
from wowdesk.core.idempotency import IdempotencyRecord  # noqa: F401
from wowdesk.core.jobs import models as _jobs  # noqa: F401
from wowdesk.core.search import SearchDocument  # noqa: F401
from wowdesk.customers import models as _customers  # noqa: F401
from wowdesk.inbox import models as _inbox  # noqa: F401
from wowdesk.notifications import models as _notifications  # noqa: F401
from wowdesk.policies.authority import models as _authority  # noqa: F401
from wowdesk.policies.claims import models as _claims  # noqa: F401
from wowdesk.policies.ledger import models as _ledger  # noqa: F401
from wowdesk.policies.reasons import models as _reasons  # noqa: F401
from wowdesk.policies.resolutions import models as _resolutions  # noqa: F401
from wowdesk.tickets import models as _tickets  # noqa: F401
from wowdesk.tickets.automations import models as _automations  # noqa: F401
from wowdesk.tickets.csat import models as _csat  # noqa: F401
from wowdesk.tickets.links import models as _ticket_links  # noqa: F401
from wowdesk.tickets.macros import models as _macros  # noqa: F401
from wowdesk.tickets.proactive import models as _proactive  # noqa: F401
from wowdesk.tickets.routing import models as _routing  # noqa: F401
from wowdesk.tickets.sla import models as _sla  # noqa: F401

metadata = Base.metadata
