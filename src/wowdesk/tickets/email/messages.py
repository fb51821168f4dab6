"""What tickets answered by e-mail say, in the customer's language (en, zh-Hant, zh-Hans): the
confirmation in the chat, and the e-mail of a reply (subject, body, footer)."""

from __future__ import annotations

from wowdesk.core.i18n import N_, translate

CONFIRMATION = N_("We got your message: it is request #{number}. We will answer you by e-mail at {email}.")
FOOTER = N_(
    "This is the answer to your request #{number} to {workspace}. To add something, reply to this "
    "e-mail or write to us in the chat on our website."
)
SIGNATURE_SEPARATOR = "-- "  # RFC 3676: mail clients fold what follows as a signature


def confirmation(language: str, *, number: int, email: str) -> str:
    return translate(CONFIRMATION, language, number=number, email=email)


def subject(number: int, ticket_subject: str) -> str:
    """``[#12] Where is my parcel?``: the number first, so every reply threads under one subject."""
    return f"[#{number}] {ticket_subject}"


def body(language: str, *, reply: str, number: int, workspace: str) -> str:
    footer = translate(FOOTER, language, number=number, workspace=workspace)
    return f"{reply.rstrip()}\n\n{SIGNATURE_SEPARATOR}\n{footer}\n"
