"""What the commerce API and connectors take and give: sellers, orders with their items, shipments
with their tracking, the store connection. Amounts are integer minor units with an ISO 4217 code
(``core.money``); times are ISO 8601 with an offset (a time without one is refused)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.money import MAX_MINOR, CurrencyCode, MinorAmount
from wowdesk.core.schemas import DbId, StrictModel
from wowdesk.core.validation import Email, Language, Phone

SellerKind = Literal["first_party", "marketplace"]
SellerStatus = Literal["active", "at_risk", "suspended"]
Fulfilment = Literal["platform", "seller"]
OrderStatus = Literal["placed", "paid", "shipped", "delivered", "cancelled"]
ServiceLevel = Literal["economy", "standard", "express", "next_day", "same_day"]
ShipmentStatus = Literal[
    "label_created",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "exception",
    "returned",
    "lost",
    "cancelled",
]
TrackingStatus = Literal[
    "label_created", "in_transit", "out_for_delivery", "delivered", "exception", "returned", "lost"
]

MAX_ITEMS = 200  # lines of one order
MAX_EVENTS = 500  # tracking events in one request
MAX_BATCH = 200  # documents in one batch
MAX_QUANTITY = 100_000
EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@#+~=-]{0,199}$"
_EXTERNAL_ID = re.compile(EXTERNAL_ID_PATTERN)


def check_external_id(value: str) -> str:
    if not _EXTERNAL_ID.match(value):
        raise Invalid(
            N_("An external id is 1-200 letters, digits or .:_@#+~=- starting with a letter or digit.")
        )
    return value


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC) if value is not None else None


ExternalId = Annotated[str, AfterValidator(check_external_id)]
Moment = Annotated[AwareDatetime, AfterValidator(_utc)]
Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]


# -- sellers ---------------------------------------------------------------------------------------------


class SellerIn(StrictModel):
    name: Text200
    kind: SellerKind
    contact_email: Email | None = Field(default=None, max_length=320)
    language: Language | None = None


class SellerBatchItem(SellerIn):
    external_id: ExternalId


class SellerSummary(BaseModel):
    id: int
    external_id: str
    name: str
    kind: SellerKind


class SellerOut(SellerSummary):
    contact_email: str | None
    language: str | None
    status: SellerStatus
    created_at: dt.datetime
    updated_at: dt.datetime


# -- orders ------------------------------------------------------------------------------------------------


class OrderCustomerIn(StrictModel):
    """Who ordered: a WowDesk customer id, or the store's customer id, e-mail or phone (the
    customer owning it is found, or created)."""

    id: DbId | None = None
    external_id: ExternalId | None = None
    email: Email | None = Field(default=None, max_length=320)
    phone: Phone | None = None
    name: str | None = Field(default=None, max_length=200)
    language: Language | None = None

    @model_validator(mode="after")
    def _one_key(self) -> OrderCustomerIn:
        if self.id is None and self.external_id is None and self.email is None and self.phone is None:
            raise Invalid(N_("Give the customer's id, external_id, email or phone."))
        return self


class OrderItemIn(StrictModel):
    sku: Annotated[str, Field(min_length=1, max_length=100)]
    name: Annotated[str, Field(min_length=1, max_length=300)]
    names: dict[Language, Annotated[str, Field(min_length=1, max_length=300)]] | None = Field(
        default=None, description='The name in other languages: {"en": …, "zh-Hant": …}'
    )
    quantity: Quantity
    unit_price_minor: MinorAmount
    condition: Annotated[str, Field(min_length=1, max_length=32)] | None = None

    @field_validator("names")
    @classmethod
    def _names(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        return v or None


class OrderIn(StrictModel):
    """An order as the store sends it (``PUT /commerce/orders/{external_id}``): the whole document
    each time. Times left out keep what an earlier document gave."""

    number: Annotated[str, Field(min_length=1, max_length=64)]
    customer: OrderCustomerIn
    seller_external_id: ExternalId
    fulfilment: Fulfilment
    status: OrderStatus
    cancel_reason: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    currency: CurrencyCode
    items: list[OrderItemIn] = Field(min_length=1, max_length=MAX_ITEMS)
    items_total_minor: MinorAmount | None = Field(
        default=None, description="The items' sum (quantity × unit price); checked when given"
    )
    shipping_minor: MinorAmount = 0
    total_minor: MinorAmount | None = Field(
        default=None,
        description="What the customer paid (after discounts, with taxes); default items + shipping",
    )
    placed_at: Moment
    ship_by: Moment | None = None
    shipped_at: Moment | None = None
    cancelled_at: Moment | None = None
    chargeback_at: Moment | None = None

    @model_validator(mode="after")
    def _amounts(self) -> OrderIn:
        total = sum(i.quantity * i.unit_price_minor for i in self.items)
        if total > MAX_MINOR:
            raise Invalid(N_("The items add up to more than the largest amount accepted."))
        if self.items_total_minor is None:
            self.items_total_minor = total
        elif self.items_total_minor != total:
            raise Invalid(
                N_("The items add up to {total}, not items_total_minor {given} (amounts in minor units)."),
                total=total,
                given=self.items_total_minor,
            )
        if self.total_minor is None:
            if total + self.shipping_minor > MAX_MINOR:
                raise Invalid(N_("This amount is too large."))
            self.total_minor = total + self.shipping_minor
        if self.cancel_reason is not None and self.status != "cancelled":
            raise Invalid(N_("Only a cancelled order has a cancel_reason."))
        return self


class OrderBatchItem(OrderIn):
    external_id: ExternalId


class OrderBatchIn(StrictModel):
    orders: list[OrderBatchItem] = Field(min_length=1, max_length=MAX_BATCH)


class OrderItemOut(BaseModel):
    sku: str
    name: str
    names: dict[str, str] | None
    quantity: int
    unit_price_minor: int
    condition: str | None


class TrackingEventOut(BaseModel):
    id: int
    external_id: str | None
    occurred_at: dt.datetime
    status: TrackingStatus
    code: str | None
    description: str
    location: str | None


class ShipmentOut(BaseModel):
    id: int
    external_id: str
    order_id: int
    carrier: str
    service_level: str
    tracking_number: str | None
    status: ShipmentStatus
    promised_at: dt.datetime | None
    shipped_at: dt.datetime | None
    last_event_at: dt.datetime | None
    delivered_at: dt.datetime | None
    stalled_at: dt.datetime | None
    stall_reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    events: list[TrackingEventOut]  # the tracking timeline, newest last


class OrderOut(BaseModel):
    id: int
    external_id: str
    number: str
    customer_id: int
    seller_id: int
    seller: SellerSummary
    fulfilment: Fulfilment
    status: OrderStatus
    cancel_reason: str | None
    currency: str
    items_total_minor: int
    shipping_minor: int
    total_minor: int  # what the customer paid
    placed_at: dt.datetime
    ship_by: dt.datetime | None
    shipped_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    chargeback_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    items: list[OrderItemOut]
    shipments: list[ShipmentOut]


# -- shipments and tracking ----------------------------------------------------------------------------------


class TrackingEventIn(StrictModel):
    external_id: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="The carrier's id of the event; without one, its contents identify it"
    )
    occurred_at: Moment
    status: TrackingStatus
    code: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    description: str = Field(default="", max_length=500)
    location: Annotated[str, Field(max_length=200)] | None = None


class TrackingIn(StrictModel):
    events: list[TrackingEventIn] = Field(min_length=1, max_length=MAX_EVENTS)


class ShipmentIn(StrictModel):
    """A parcel as the store sends it (``PUT /commerce/shipments/{external_id}``). Its status
    follows its tracking events when it has any; a document's ``delivered``, ``returned`` or
    ``cancelled`` always counts."""

    order_external_id: ExternalId
    carrier: Annotated[str, Field(min_length=1, max_length=100)]
    service_level: ServiceLevel = "standard"
    tracking_number: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    status: ShipmentStatus | None = None
    promised_at: Moment | None = None
    shipped_at: Moment | None = None
    delivered_at: Moment | None = None
    events: list[TrackingEventIn] = Field(default_factory=list, max_length=MAX_EVENTS)


class ShipmentBatchItem(ShipmentIn):
    external_id: ExternalId


class ShipmentBatchIn(StrictModel):
    shipments: list[ShipmentBatchItem] = Field(min_length=1, max_length=MAX_BATCH)


class UpsertResult(BaseModel):
    kind: Literal["seller", "order", "shipment", "tracking"]
    external_id: str
    id: int
    result: Literal["created", "updated", "unchanged"]
    added_events: int = 0


class BatchOut(BaseModel):
    results: list[UpsertResult]


# -- the store connection --------------------------------------------------------------------------------


class ConnectionIn(StrictModel):
    outbound_url: str | None = Field(
        default=None, max_length=500, description="Where compensations are delivered (https)"
    )
    rotate_inbound_secret: StrictBool = False
    rotate_outbound_secret: StrictBool = False

    @field_validator("outbound_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if not v:
            return None
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            raise Invalid(N_("The address is an http:// or https:// address without #."))
        return v


class ConnectionOut(BaseModel):
    """The connection with its secrets, for the code that signs and verifies (never an API answer
    as such: ``ConnectionSettingsOut`` shows the secrets once)."""

    workspace_id: int
    inbound_secret: str
    outbound_url: str | None
    outbound_secret: str
    updated_at: dt.datetime


class ConnectionSettingsOut(BaseModel):
    configured: bool
    webhook_path: str  # where the store posts its signed webhooks
    outbound_url: str | None
    # Shown in full only in the answer that made them (first save, rotation); otherwise a hint.
    inbound_secret: str | None
    outbound_secret: str | None
    inbound_secret_hint: str | None
    outbound_secret_hint: str | None
    updated_at: dt.datetime | None


# -- the webhook envelope ----------------------------------------------------------------------------------

WebhookType = Literal[
    "seller.created",
    "seller.updated",
    "order.created",
    "order.updated",
    "shipment.created",
    "shipment.updated",
    "shipment.tracking",
]


class WebhookIn(StrictModel):
    """A Standard Webhooks payload: ``{"type": …, "timestamp": …, "data": {…}}``; ``data`` is the
    document with its ``external_id`` (for ``shipment.tracking``: ``{"shipment_external_id", "events"}``)."""

    type: WebhookType
    timestamp: AwareDatetime | None = None
    data: dict[str, Any]


class TrackingWebhookData(TrackingIn):
    shipment_external_id: ExternalId
