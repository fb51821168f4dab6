"""What the notifications API takes and gives: a browser's push subscription (the JSON of its
``PushSubscription``), the devices an agent has, and what they want to be told."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import BaseModel, ConfigDict, Field, field_validator

from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import StrictModel
from wowdesk.notifications.models import MAX_ENDPOINT_LENGTH
from wowdesk.notifications.push import b64url_decode, b64url_encode

P256DH_BYTES = 65  # an uncompressed P-256 point: 0x04, x, y
AUTH_BYTES = 16
_PRINTABLE_ASCII = re.compile(r"^[\x21-\x7e]+$")


def check_endpoint(value: str) -> str:
    """An absolute http(s) URL with a host, no user name or password and no fragment, in printable
    ASCII (what push services hand out). Whether http is acceptable is the action's rule."""
    if _PRINTABLE_ASCII.match(value):
        try:
            url = urlsplit(value)
            port_ok = url.port is None or url.port > 0
        except ValueError:
            port_ok = False
        if (
            port_ok
            and url.scheme in ("https", "http")
            and url.hostname
            and url.username is None
            and url.password is None
            and not url.fragment
        ):
            return value
    raise Invalid(N_("The endpoint must be the https:// address the browser's push service gave."))


def check_p256dh(value: str) -> str:
    try:
        raw = b64url_decode(value)
    except ValueError:
        raise Invalid(N_("The key is not base64url.")) from None
    if len(raw) != P256DH_BYTES or raw[0] != 4:
        raise Invalid(N_("p256dh must be an uncompressed P-256 public key (65 bytes)."))
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise Invalid(N_("p256dh is not a point on the P-256 curve.")) from None
    return b64url_encode(raw)


def check_auth(value: str) -> str:
    try:
        raw = b64url_decode(value)
    except ValueError:
        raise Invalid(N_("The key is not base64url.")) from None
    if len(raw) != AUTH_BYTES:
        raise Invalid(N_("auth must be a 16-byte secret."))
    return b64url_encode(raw)


class SubscriptionKeys(StrictModel):
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)

    _p256dh = field_validator("p256dh")(classmethod(lambda cls, v: check_p256dh(v)))
    _auth = field_validator("auth")(classmethod(lambda cls, v: check_auth(v)))


class SubscriptionIn(StrictModel):
    """``PushSubscription.toJSON()`` of the browser, with a name for the device if the console
    knows one."""

    endpoint: str = Field(min_length=1, max_length=MAX_ENDPOINT_LENGTH)
    keys: SubscriptionKeys
    label: str | None = Field(default=None, max_length=100)
    # Part of toJSON(): when the browser will drop the subscription (ms since the epoch; nearly
    # always null). Accepted so the console can send toJSON() as it is; not stored.
    expiration_time: int | None = Field(default=None, alias="expirationTime", ge=0, le=2**53)

    _endpoint = field_validator("endpoint")(classmethod(lambda cls, v: check_endpoint(v)))

    @field_validator("label")
    @classmethod
    def _label(cls, v: str | None) -> str | None:
        return v or None


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    endpoint: str
    label: str | None
    created_at: dt.datetime
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    failures: int


class PublicKeyOut(BaseModel):
    public_key: str  # base64url of the VAPID public key: pushManager.subscribe's applicationServerKey


class NotificationSettingsIn(StrictModel):
    assignments: bool
    customer_replies: bool


class NotificationSettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    assignments: bool
    customer_replies: bool
