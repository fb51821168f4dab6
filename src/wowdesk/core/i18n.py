"""Translations: one gettext catalogue per language, en (the source), zh-Hant and zh-Hans.

Messages are English msgids marked with ``_()`` (translate now) or ``N_()`` (mark for later, e.g.
in an error raised deep in a domain and translated at the API boundary in the caller's language).
The ``.po`` files in ``wowdesk/locale`` are read at first use with Babel; nothing is compiled.
"""

from __future__ import annotations

import contextvars
from functools import cache
from importlib import resources
from typing import Any

from babel.messages.pofile import read_po

LANGUAGES = ("en", "zh-Hant", "zh-Hans")
DEFAULT_LANGUAGE = "en"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("wowdesk_language", default=DEFAULT_LANGUAGE)


@cache
def catalogue(language: str) -> dict[str, str]:
    if language == DEFAULT_LANGUAGE:
        return {}
    path = resources.files("wowdesk") / "locale" / f"{language}.po"
    with path.open("rb") as fh:
        cat = read_po(fh, locale=language.replace("-", "_"))
    return {str(m.id): str(m.string) for m in cat if m.id and m.string and not m.fuzzy}


def N_(message: str) -> str:
    """Mark a message for translation without translating it now."""
    return message


class Invalid(ValueError):
    """A validation message that stays translatable: raised in validators with an English msgid
    and its parameters; the API shows it in the caller's language."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(template.format(**params) if params else template)

    def localized(self, language: str | None = None) -> str:
        return translate(self.template, language, **self.params)


def translate(message: str, language: str | None = None, /, **params: Any) -> str:
    text = catalogue(normalize_language(language or _current.get())).get(message, message)
    return text.format(**params) if params else text


def _(message: str, /, **params: Any) -> str:
    """Translate into the language of the current request/job."""
    return translate(message, None, **params)


def set_language(language: str) -> contextvars.Token[str]:
    return _current.set(normalize_language(language))


def reset_language(token: contextvars.Token[str]) -> None:
    _current.reset(token)


def current_language() -> str:
    return _current.get()


def normalize_language(tag: str | None) -> str:
    """Map a BCP 47 tag to one of our three languages (zh-TW/HK/MO → zh-Hant, zh/zh-CN/SG → zh-Hans)."""
    if not tag:
        return DEFAULT_LANGUAGE
    t = tag.strip().replace("_", "-").lower()
    if t in ("en", "zh-hant", "zh-hans"):
        return {"en": "en", "zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}[t]
    if t.startswith("zh"):
        if "hant" in t or t.split("-")[-1] in ("tw", "hk", "mo"):
            return "zh-Hant"
        return "zh-Hans"
    return DEFAULT_LANGUAGE


def negotiate(accept_language: str | None) -> str:
    """Pick the best of our languages from an ``Accept-Language`` header (q-values honoured)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    choices: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept_language.split(",")[:20]):
        piece = part.strip()
        if not piece:
            continue
        tag, _sep, rest = piece.partition(";")
        q = 1.0
        if rest.strip().startswith("q="):
            try:
                q = float(rest.strip()[2:])
            except ValueError:
                q = 0.0
        tag = tag.strip()
        if tag == "*" or q <= 0:
            continue
        if tag.lower().startswith(("en", "zh")):
            choices.append((-q, i, normalize_language(tag)))
    return sorted(choices)[0][2] if choices else DEFAULT_LANGUAGE
