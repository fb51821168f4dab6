"""The abuse score out of the API."""

from __future__ import annotations

from pydantic import BaseModel


class Factor(BaseModel):
    code: str  # refund_rate | non_receipt | velocity
    points: int
    explanation: str  # in the reader's language, with the figures


class AbuseScoreOut(BaseModel):
    customer_id: int
    score: int  # 0–100
    review: bool  # at or above the review threshold: grants for this customer need an approval
    threshold: int
    window_days: int
    orders: int
    compensated_orders: int
    compensations: int
    factors: list[Factor]  # only those that added points
