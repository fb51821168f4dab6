"""The abuse score, a pure function of a customer's figures. The rules are deliberately generous:
one bad experience, or two on two orders, never reaches review; a pattern does.

* refund rate: 2+ orders refunded or replaced and half or more of their orders (+40), or 30% or
  more (+20);
* non-receipt: 3+ compensations for parcels that "never arrived" (+30), 2 (+10);
* velocity: 4+ compensations in the last 30 days (+20), 3 (+10).

Review at 60 and above: e.g. 3 of 4 orders refunded as never received within a month (40 + 30 +
10 = 80). A loyal customer with 20 orders and 2 refunds for lost parcels scores 10. Compensations
the platform made on its own for parcels it found lost (the lost-parcel sweep) never count."""

from __future__ import annotations

from dataclasses import dataclass, field

WINDOW_DAYS = 365
RECENT_DAYS = 30
REVIEW_AT = 60
NON_RECEIPT = frozenset({"not_received", "lost_parcel"})


@dataclass(frozen=True)
class Figures:
    orders: int  # placed in the window
    compensated_orders: int  # distinct orders refunded or replaced
    compensations: int  # every compensation counted (refunds, replacements, reimbursements, credits)
    non_receipt: int  # compensations for parcels that never arrived
    recent: int  # compensations in the last RECENT_DAYS


@dataclass(frozen=True)
class Scored:
    score: int
    factors: list[tuple[str, int]] = field(default_factory=list)  # (code, points)

    @property
    def review(self) -> bool:
        return self.score >= REVIEW_AT


def score(f: Figures) -> Scored:
    factors: list[tuple[str, int]] = []
    if f.compensated_orders >= 2:
        rate = f.compensated_orders / max(f.orders, f.compensated_orders)
        if rate >= 0.5:
            factors.append(("refund_rate", 40))
        elif rate >= 0.3:
            factors.append(("refund_rate", 20))
    if f.non_receipt >= 3:
        factors.append(("non_receipt", 30))
    elif f.non_receipt == 2:
        factors.append(("non_receipt", 10))
    if f.recent >= 4:
        factors.append(("velocity", 20))
    elif f.recent == 3:
        factors.append(("velocity", 10))
    return Scored(min(100, sum(p for _c, p in factors)), factors)
