"""Seller metrics in and out of the API. Rates and thresholds are percentages (0.7 = 0.7%)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, model_validator

from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import StrictModel
from wowdesk.policies.reasons.schemas import ReasonCode

# Contacts for these reasons are about the item: they count against the seller whoever shipped it.
ITEM_REASONS = ("wrong_item", "item_not_as_described", "defective_item")
# These are about the delivery: they count against the seller only when the seller shipped it.
DELIVERY_REASONS = ("lost_parcel", "late_delivery", "damaged_in_transit")


def _percent(v: float) -> float:
    if Decimal(str(v)).as_tuple().exponent < -2:  # type: ignore[operator]
        raise Invalid(N_("A percentage has at most two decimal places."))
    return v


Percent = Annotated[float, Field(ge=0, le=100), AfterValidator(_percent)]


def bp(percent: float) -> int:
    """0.7 (%) → 70 basis points."""
    return round(percent * 100)


class MetricSettings(BaseModel):
    window_days: int = 60
    min_orders: int = 50  # fewer orders in the window: the seller is not judged (too few to tell)
    odr_at_risk_percent: float = 0.7
    odr_suspend_percent: float = 1.0
    cancellation_at_risk_percent: float = 2.5
    late_shipment_at_risk_percent: float = 4.0
    complaint_reasons: list[str] = Field(default_factory=lambda: [*ITEM_REASONS, *DELIVERY_REASONS])


class MetricSettingsIn(StrictModel):
    """PUT: the whole set; what is left out takes its default."""

    window_days: int = Field(default=60, ge=7, le=365)
    min_orders: int = Field(default=50, ge=1, le=1_000_000)
    odr_at_risk_percent: Percent = 0.7
    odr_suspend_percent: Percent = 1.0
    cancellation_at_risk_percent: Percent = 2.5
    late_shipment_at_risk_percent: Percent = 4.0
    complaint_reasons: list[ReasonCode] = Field(
        default_factory=lambda: [*ITEM_REASONS, *DELIVERY_REASONS], max_length=100
    )

    @model_validator(mode="after")
    def _ordered(self) -> MetricSettingsIn:
        if self.odr_at_risk_percent > self.odr_suspend_percent:
            raise Invalid(N_("The at-risk order defect rate cannot be above the suspension rate."))
        return self


class Crossed(BaseModel):
    metric: str  # order_defect_rate | cancellation_rate | late_shipment_rate
    value_percent: float
    threshold_percent: float
    consequence: str  # at_risk | suspended


class SellerRef(BaseModel):
    id: int
    external_id: str
    name: str
    kind: str
    status: str


class ScorecardOut(BaseModel):
    seller: SellerRef
    computed_at: dt.datetime
    since: dt.datetime
    orders: int
    order_defect_rate: float | None  # % of orders with a complaint, a claim or a chargeback
    defective_orders: int
    complaint_orders: int
    claim_orders: int
    chargeback_orders: int
    cancellation_rate: float | None  # % cancelled before shipping for being out of stock
    cancelled_out_of_stock: int
    late_shipment_rate: float | None  # % of orders due to ship that shipped (or are still) late
    shipped_late: int
    due_to_ship: int
    median_first_response_minutes: float | None  # to buyers' messages
    responses: int
    judged: str  # active | at_risk | suspended | too_few_orders
    crossed: list[Crossed]


class ReinstateIn(StrictModel):
    reason: str = Field(min_length=3, max_length=500)
