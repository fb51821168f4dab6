"""The placeholders of a macro's reply: ``{{ name.attr }}`` from a fixed list, replaced as plain
text. Nothing is evaluated (domains do not use Jinja2): a placeholder is a name, never code.

* Saving a macro refuses any ``{{ … }}`` that is not on the list (``unknown_placeholders``).
* A known placeholder without a value (a customer without an e-mail address) renders as nothing.
* Texts per language fall back in the order of ``pick``: the language asked for, then English,
  then Traditional and Simplified Chinese, whichever the macro has first.
"""

from __future__ import annotations

import re

from wowdesk.core.i18n import LANGUAGES, N_

PLACEHOLDERS: dict[str, str] = {
    "ticket.number": N_("the ticket's number"),
    "ticket.subject": N_("the ticket's subject"),
    "ticket.status": N_("the ticket's status, in the reply's language"),
    "ticket.priority": N_("the ticket's priority, in the reply's language"),
    "customer.name": N_("the customer's name"),
    "customer.first_name": N_("the customer's first name"),
    "customer.email": N_("the customer's e-mail address"),
    "agent.name": N_("the name of the agent applying the macro"),
    "agent.first_name": N_("the first name of the agent applying the macro"),
    "workspace.name": N_("the name of your workspace"),
}

_ANY = re.compile(r"\{\{(.*?)\}\}", re.S)

# The words for the values placeholders show, by the same msgids the console uses.
STATUS_WORDS = {
    "new": N_("New"),
    "open": N_("Open"),
    "pending": N_("Pending"),
    "on_hold": N_("On hold"),
    "solved": N_("Solved"),
    "closed": N_("Closed"),
}
PRIORITY_WORDS = {"low": N_("Low"), "normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent")}


def unknown_placeholders(text: str) -> list[str]:
    """Every ``{{ … }}`` in `text` that is not a known placeholder, as written (trimmed)."""
    out: list[str] = []
    for m in _ANY.finditer(text):
        name = m.group(1).strip()
        if name not in PLACEHOLDERS and name not in out:
            out.append(name)
    return out


def render(text: str, values: dict[str, str]) -> str:
    """`text` with each known placeholder replaced by its value (empty when there is none)."""

    def one(m: re.Match[str]) -> str:
        name = m.group(1).strip()
        return values.get(name, "") if name in PLACEHOLDERS else m.group(0)

    return _ANY.sub(one, text)


def pick(texts: dict[str, str], language: str) -> tuple[str, str] | None:
    """(language, text) of the best text for `language`, or None when there is none at all."""
    for lang in (language, "en", *LANGUAGES):
        if texts.get(lang):
            return lang, texts[lang]
    return None


def first_word(name: str) -> str:
    """A first name: the first word of a name ("John Miller" → "John"; "王伟" stays whole)."""
    parts = name.split()
    return parts[0] if parts else ""
