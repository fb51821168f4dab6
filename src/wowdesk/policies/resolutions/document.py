"""A resolution policy's document: what it reacts to (``trigger``) and what it grants (``then``),
as data an admin writes in JSON or YAML. Validated by the Pydantic models below; every error is
given in plain words with its place (``then[1].goodwill_credit.amount``).

Amounts are whole numbers of minor units (1250 is NT$12.50) in the document's ``currency`` (the
workspace's when the document names none); a policy applies only to orders in that currency.

Example (the lost parcel)::

    trigger:
      kind: shipment_stalled
      days_without_progress: 7      # no tracking event for 7 days
      days_past_promised: 3         # or 3 days past the promised date
      fulfilment: [platform, seller]
      order_total_max: 500000
    then:
      - refund: {scope: order}      # the whole order, shipping included
      - goodwill_credit: {amount: 10000}
      - offer_shipping_reimbursement: {up_to: 20000}
      - no_return_required: true
      - open_claim: {reason: lost_in_transit}
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from wowdesk.core.i18n import N_, Invalid, _
from wowdesk.core.money import MAX_MINOR, CurrencyCode
from wowdesk.core.schemas import StrictModel
from wowdesk.core.validation import standard_json
from wowdesk.policies.ledger.schemas import REASON_CODES
from wowdesk.policies.ledger.schemas import ReasonCode as LedgerReason

MAX_DAYS = 365
MAX_STEPS = 10
MAX_DOCUMENT_BYTES = 64 * 1024
TRIGGER_KINDS = ("shipment_stalled", "contact_reason")
ACTIONS = ("refund", "goodwill_credit", "offer_shipping_reimbursement", "no_return_required", "open_claim")
FULFILMENTS = ("platform", "seller")
SELLER_KINDS = ("first_party", "marketplace")
REASON_RE = r"^[a-z][a-z0-9_]{0,63}$"


def _whole_minor(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(N_("must be a whole number of minor units (1250 for 12.50)"))
    if value < 0 or value > MAX_MINOR:
        raise Invalid(N_("must be between 0 and {max} minor units"), max=MAX_MINOR)
    return value


def _positive_minor(value: Any) -> Any:
    value = _whole_minor(value)
    if value == 0:
        raise Invalid(N_("must be more than zero"))
    return value


def _days(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(N_("must be a whole number of days"))
    if not 0 <= value <= MAX_DAYS:
        raise Invalid(N_("must be between 0 and {max} days"), max=MAX_DAYS)
    return value


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Amount = Annotated[int, BeforeValidator(_whole_minor)]
PositiveAmount = Annotated[int, BeforeValidator(_positive_minor)]
Days = Annotated[int, BeforeValidator(_days)]
Fulfilment = Literal["platform", "seller"]
SellerKind = Literal["first_party", "marketplace"]
ReasonCode = Annotated[str, Field(min_length=1, max_length=64, pattern=REASON_RE)]


class _OrderFilters(StrictModel):
    fulfilment: Annotated[list[Fulfilment], BeforeValidator(_one_or_many)] | None = Field(
        default=None, min_length=1, max_length=2
    )
    order_total_max: Amount | None = None  # what the customer paid, at most
    seller_kind: Annotated[list[SellerKind], BeforeValidator(_one_or_many)] | None = Field(
        default=None, min_length=1, max_length=2
    )


class ShipmentStalled(_OrderFilters):
    """A parcel with no tracking progress for N days since its last event (or since it shipped),
    and/or M days past its promised delivery date; either is enough."""

    kind: Literal["shipment_stalled"]
    days_without_progress: Days | None = None
    days_past_promised: Days | None = None

    @model_validator(mode="after")
    def _some_delay(self) -> ShipmentStalled:
        if self.days_without_progress is None and self.days_past_promised is None:
            raise Invalid(N_("give days_without_progress, days_past_promised, or both"))
        if self.days_without_progress == 0:
            raise Invalid(N_("days_without_progress must be at least 1"))
        return self


class ContactReason(_OrderFilters):
    """A ticket given a contact reason (e.g. ``item_not_as_described``) about an order."""

    kind: Literal["contact_reason"]
    reason: ReasonCode


Trigger = Annotated[ShipmentStalled | ContactReason, Field(discriminator="kind")]


class Refund(StrictModel):
    """``order``: everything paid, shipping included; ``items``: the items only; ``fixed``: an
    amount (at most what was paid)."""

    scope: Literal["order", "items", "fixed"] = "order"
    amount: PositiveAmount | None = None

    @model_validator(mode="after")
    def _amount(self) -> Refund:
        if self.scope == "fixed" and self.amount is None:
            raise Invalid(N_("a fixed refund needs an amount"))
        if self.scope != "fixed" and self.amount is not None:
            raise Invalid(N_("only a fixed refund takes an amount"))
        return self


class GoodwillCredit(StrictModel):
    amount: PositiveAmount


class ShippingOffer(StrictModel):
    """An offer to reimburse the fastest shipping of a replacement order, up to an amount: a
    proposed shipping reimbursement the agent grants once the customer takes it up."""

    service_level: Literal["fastest"] = "fastest"
    up_to: PositiveAmount


class OpenClaim(StrictModel):
    """For seller-fulfilled orders: claim the refund back from the seller."""

    reason: ReasonCode = "lost_in_transit"


class Step(StrictModel):
    """One action: an object with exactly one of these keys."""

    refund: Refund | None = None
    goodwill_credit: GoodwillCredit | None = None
    offer_shipping_reimbursement: ShippingOffer | None = None
    no_return_required: bool | None = None
    open_claim: OpenClaim | None = None

    @model_validator(mode="before")
    @classmethod
    def _known(cls, data: Any) -> Any:
        if isinstance(data, str) and data in ("no_return_required",):
            return {data: True}
        if isinstance(data, dict):
            unknown = [k for k in data if k not in ACTIONS]
            if unknown:
                raise Invalid(
                    N_("{name} is not an action; use one of: {actions}"),
                    name=str(unknown[0])[:40],
                    actions=", ".join(ACTIONS),
                )
            if len(data) != 1:
                raise Invalid(N_("each step is one action (an object with one key)"))
        return data

    @property
    def action(self) -> str:
        return next(name for name in ACTIONS if getattr(self, name) is not None)


class PolicyDocument(StrictModel):
    trigger: Trigger
    then: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
    currency: CurrencyCode | None = None  # the workspace's when absent (filled in when saved)
    # Why the grants are recorded in the ledger (its fixed vocabulary); by default lost_parcel for a
    # stalled shipment, and for a contact reason the ledger reason of the same meaning.
    reason_code: LedgerReason | None = Field(default=None, validate_default=True)

    @field_validator("then")
    @classmethod
    def _once_each(cls, steps: list[Step]) -> list[Step]:
        seen: set[str] = set()
        for step in steps:
            if step.action in seen:
                raise Invalid(N_("{action} appears twice; each action may appear once"), action=step.action)
            seen.add(step.action)
        if seen <= {"no_return_required", "open_claim"}:
            raise Invalid(N_("the policy grants nothing: add a refund, a credit or an offer"))
        if "open_claim" in seen and "refund" not in seen:
            raise Invalid(N_("open_claim claims a refund back from the seller: add a refund"))
        return steps

    @field_validator("reason_code")
    @classmethod
    def _reason(cls, v: str | None, info: ValidationInfo) -> str | None:
        trigger = info.data.get("trigger")
        if v is None and isinstance(trigger, ContactReason) and trigger.reason not in _CONTACT_TO_LEDGER:
            raise Invalid(
                N_("say which ledger reason the grants are recorded under (one of: {codes})"),
                codes=", ".join(REASON_CODES),
            )
        return v

    def step(self, action: str) -> Step | None:
        return next((s for s in self.then if s.action == action), None)

    @property
    def reason(self) -> str:
        """The ledger reason code of the grants."""
        return self.reason_code or _ledger_reason(self) or "other"


# Contact reasons whose ledger reason is plain (any other needs the document's reason_code).
_CONTACT_TO_LEDGER = {
    "item_not_as_described": "not_as_described",
    "not_as_described": "not_as_described",
    "damaged_item": "damaged_item",
    "item_damaged": "damaged_item",
    "wrong_item": "wrong_item",
    "missing_item": "missing_item",
    "not_received": "not_received",
    "late_delivery": "late_delivery",
}


def _ledger_reason(doc: PolicyDocument) -> str | None:
    if isinstance(doc.trigger, ShipmentStalled):
        return "lost_parcel"
    return _CONTACT_TO_LEDGER.get(doc.trigger.reason)


# -- reading a document and saying what is wrong with it -----------------------------------------------------

_MESSAGES = {
    "union_tag_not_found": N_("say which kind of trigger this is (kind: shipment_stalled or contact_reason)"),
    "union_tag_invalid": N_("{tag} is not a kind of trigger; use shipment_stalled or contact_reason"),
    "missing": N_("this is required"),
    "extra_forbidden": N_("this field is not allowed here"),
    "string_pattern_mismatch": N_("use lower-case letters, digits and _ (like item_not_as_described)"),
    "bool_type": N_("must be true or false"),
    "bool_parsing": N_("must be true or false"),
    "list_type": N_("must be a list"),
    "too_short": N_("must have at least {min_length} entries"),
    "too_long": N_("must have at most {max_length} entries"),
    "model_type": N_("must be an object"),
    "dict_type": N_("must be an object"),
    "literal_error": N_("must be one of: {expected}"),
    "string_type": N_("must be text"),
    "string_too_long": N_("must be at most {max_length} characters long"),
    "string_too_short": N_("must not be empty"),
}


def place(loc: tuple[Any, ...], prefix: str = "") -> str:
    """``("then", 1, "goodwill_credit", "amount")`` → ``then[1].goodwill_credit.amount``; the
    discriminated trigger's own tag (``shipment_stalled``) is left out."""
    out = prefix
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i > 0 and loc[i - 1] == "trigger" and part in TRIGGER_KINDS:
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "document"


def error_items(exc: ValidationError, prefix: str = "") -> list[dict[str, Any]]:
    """The errors of a document as ``{field, message, type}`` (the API's 422 ``errors`` list, as
    for every other body), each message a plain sentence in the caller's language."""
    items = []
    for e in exc.errors()[:50]:
        ctx = e.get("ctx") or {}
        cause = ctx.get("error")
        kind = str(e.get("type"))
        if isinstance(cause, Invalid):
            message = cause.localized()
        elif kind in _MESSAGES:
            try:
                message = _(_MESSAGES[kind], **{k: v for k, v in ctx.items() if k != "error"})
            except (KeyError, IndexError, ValueError):
                message = _(_MESSAGES[kind].split(":")[0])
        else:
            message = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        where = place(tuple(e.get("loc", ())), prefix)
        if kind.startswith("union_tag"):
            where += ".kind"
        items.append({"field": where, "message": message, "type": kind})
    return items


def load_text(raw: bytes | str, content_type: str) -> Any:
    """A document's text as data: JSON, or YAML (``yaml.safe_load``, plain data only) when the
    content type says so. Raises ``Invalid`` with a plain-words reason."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise Invalid(N_("The document is larger than {max} KB."), max=MAX_DOCUMENT_BYTES // 1024)
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise Invalid(N_("The document is not UTF-8 text.")) from None
    if is_yaml(content_type):
        import yaml  # type: ignore[import-untyped]

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
            raise Invalid(N_("The YAML could not be read{where}."), where=where) from None
    try:
        return standard_json(text)
    except ValueError as exc:
        raise Invalid(
            N_("The JSON could not be read (line {line}, column {column})."),
            line=getattr(exc, "lineno", 1),
            column=getattr(exc, "colno", 1),
        ) from None


def is_yaml(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind in ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
