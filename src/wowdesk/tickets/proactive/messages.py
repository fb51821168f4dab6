"""What a proactive contact says, in the customer's language (en, zh-Hant, zh-Hans): the ticket's
subject, the message that tells the customer what happened and what they get (amounts formatted
for their language), and the internal note for agents."""

from __future__ import annotations

from typing import Any

from wowdesk.core.i18n import N_, translate
from wowdesk.core.money import format_money

SUBJECT = N_("Your parcel for order {number} seems to be lost")
NO_PROGRESS = N_(
    "We noticed that your parcel for order {number} ({carrier} {tracking}) has had no tracking "
    "update for {days} days. We are sorry: we presume it lost."
)
PAST_PROMISED = N_(
    "Your parcel for order {number} ({carrier} {tracking}) was due {days} days ago and has not "
    "arrived. We are sorry: we presume it lost."
)
REFUNDED = N_("We have refunded {amount} to you.")
REFUND_PENDING = N_("We are refunding {amount} to you.")
CREDITED = N_("We have added a credit of {amount} to your account.")
OFFER = N_("If you order a replacement, we will reimburse its fastest shipping, up to {amount}.")
NO_RETURN = N_("You do not need to return anything.")
AGENT_WILL = N_("One of our team will contact you shortly with what we can do for you.")
CHECKING = N_("We are checking with the carrier and will get back to you shortly.")
CLOSING = N_("Reply here if you have any questions.")

NOTE = N_(
    "Proactive contact: the parcel {carrier} {tracking} of order {number} is presumed lost "
    "(no tracking progress for {days} days / past its promised date). {policy}"
)
NOTE_POLICY = N_("Policy {name} (version {version}, {mode}) applied.")
NOTE_NO_POLICY = N_("No resolution policy applied: please decide what to offer.")


def subject(language: str, number: str) -> str:
    return translate(SUBJECT, language, number=number)


def customer_message(
    language: str,
    *,
    why: str,
    days: int,
    number: str,
    carrier: str,
    tracking: str | None,
    granted: list[dict[str, Any]],
    offers: list[dict[str, Any]],
    no_return: bool,
    suggested: bool,
) -> str:
    """The words to the customer: what happened, then what they get (granted now, offered), or
    that an agent will be in touch."""
    intro = PAST_PROMISED if why == "past_promised" else NO_PROGRESS
    lines = [translate(intro, language, number=number, carrier=carrier, tracking=tracking or "", days=days)]
    for g in granted:
        amount = format_money(g["amount_minor"], g["currency"], language)
        if g["kind"] == "refund":
            done = g.get("status") in ("delivered", "recorded")
            lines.append(translate(REFUNDED if done else REFUND_PENDING, language, amount=amount))
        elif g["kind"] == "goodwill_credit":
            lines.append(translate(CREDITED, language, amount=amount))
    for o in offers:
        lines.append(
            translate(OFFER, language, amount=format_money(o["amount_minor"], o["currency"], language))
        )
    if granted and no_return:
        lines.append(translate(NO_RETURN, language))
    if suggested:
        lines.append(translate(AGENT_WILL, language))
    elif not granted and not offers:
        lines.append(translate(CHECKING, language))
    lines.append(translate(CLOSING, language))
    return "\n\n".join(lines)


def agent_note(
    language: str,
    *,
    number: str,
    carrier: str,
    tracking: str | None,
    days: int,
    policy: tuple[str, int, str] | None,
) -> str:
    said = (
        translate(NOTE_POLICY, language, name=policy[0], version=policy[1], mode=policy[2])
        if policy is not None
        else translate(NOTE_NO_POLICY, language)
    )
    return translate(
        NOTE, language, carrier=carrier, tracking=tracking or "", number=number, days=days, policy=said
    )
