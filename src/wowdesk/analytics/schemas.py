"""Reports in and out of the API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

ContactsBy = Literal["reason", "seller", "product"]


class ContactsRow(BaseModel):
    key: str  # the reason code, seller id or SKU ("" for contacts without a reason)
    label: str  # its name in the reader's language
    contacts: int
    orders: int  # orders placed in the period (all of them for a reason; the seller's or the product's)
    contacts_per_order: float | None  # contacts / orders; None when there were no orders
    share: float  # of all contacts counted in this report


class ContactsReport(BaseModel):
    by: ContactsBy
    reason: str | None  # only contacts with this reason, when given
    since: dt.datetime
    until: dt.datetime
    orders: int  # orders placed in the period
    contacts: int  # tickets made and chats begun in the period (a chat made a ticket counts once)
    contacts_about_an_order: int
    contacts_per_order: float | None
    rows: list[ContactsRow]
