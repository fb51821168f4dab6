"""What in a message could take a buyer off the platform: e-mail addresses, phone numbers, links
outside the workspace's own domains, invitations to a messaging app. Pure functions (no I/O).

Text is scanned in its NFKC form, so full-width ``＠`` and ``０９１２…`` (common in Chinese text) are
read as ``@`` and ``0912…``; every finding keeps its span in the *original* text, so masking
replaces exactly what the writer typed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import phonenumbers

from wowdesk.core.i18n import N_

PHONE_REGIONS = ("TW", "CN", "HK", "US")
EMAIL_MASK = N_("[email hidden]")  # what a seller sees instead (translated by the caller)
PHONE_MASK = N_("[phone hidden]")

# name@host.tld, also written "name (at) host (dot) tld" or "name [at] host . tld".
_AT = r"(?:@|\s*[(\[]\s*at\s*[)\]]\s*)"
_DOT = r"(?:\.|\s*[(\[]\s*dot\s*[)\]]\s*)"
_EMAIL = re.compile(
    rf"[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+)*{_AT}"
    rf"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:{_DOT}[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+",
    re.IGNORECASE,
)
_TLDS = (
    "com|net|org|info|biz|io|co|me|app|dev|shop|store|online|site|xyz|link|ly|gl|cc|tv|to|"
    "tw|cn|hk|mo|sg|my|jp|kr|us|uk|de|fr|au|ca|in|ru|top|vip|club"
)
_URL = re.compile(
    r"(?:(?:https?|ftp)://|www\.)[^\s<>\"'，。、）)\]]+"
    rf"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:[/?#][^\s<>\"'，。、）)\]]*)?",
    re.IGNORECASE,
)
_APPS = re.compile(
    r"\b(?:line\s*id|line\s*[:：]|wechat|weixin|whats\s*app|telegram|signal\s*app|kakao\s*talk)\b"
    r"|加\s*(?:我|一下)?\s*(?:line|賴|微信|vx|wx)|微信號?|私訊我|私信我|私下交易|站外",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # email | phone | link | messaging_app
    start: int  # span in the original text
    end: int
    text: str  # what was written there (original characters)

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


def _normalised(text: str) -> tuple[str, list[int]]:
    """NFKC of `text` character by character, and for each character of the result the index of
    the original character it came from (one more at the end, for spans that reach it)."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch)
        out.append(n)
        origin.extend([i] * len(n))
    origin.append(len(text))
    return "".join(out), origin


def _host(url: str) -> str:
    s = re.sub(r"^(?:[a-z]+://)", "", url.lower())
    s = re.split(r"[/?#:]", s, maxsplit=1)[0]
    return s.rsplit("@", 1)[-1].strip(".")


def _allowed(host: str, allowed: Sequence[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in allowed)


def scan(text: str, *, allowed_domains: Sequence[str] = ()) -> list[Finding]:
    """Everything in `text` that points off the platform, in order, without overlaps."""
    norm, origin = _normalised(text)
    allowed = [d.lower().strip(".") for d in allowed_domains if d]
    spans: list[tuple[int, int, str]] = []
    for m in _EMAIL.finditer(norm):
        spans.append((m.start(), m.end(), "email"))
    for region in PHONE_REGIONS:
        for pm in phonenumbers.PhoneNumberMatcher(norm, region):
            spans.append((pm.start, pm.end, "phone"))
    for m in _URL.finditer(norm):
        if not _allowed(_host(m.group(0)), allowed):
            spans.append((m.start(), m.end(), "link"))
    for m in _APPS.finditer(norm):
        spans.append((m.start(), m.end(), "messaging_app"))
    found: list[Finding] = []
    last_end = -1
    # Earliest first; of two starting together the longer; e-mails win over the links inside them.
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < last_end:
            continue
        a, b = origin[start], origin[end]
        found.append(Finding(kind=kind, start=a, end=b, text=text[a:b]))
        last_end = end
    return found


def mask(
    text: str,
    findings: Iterable[Finding],
    *,
    known: Iterable[str] = (),
    placeholders: tuple[str, str] = (EMAIL_MASK, PHONE_MASK),
) -> str:
    """`text` with every e-mail address and phone number found replaced by a placeholder (e-mail,
    phone), and any of `known` (the customer's own addresses and numbers, as stored) hidden
    wherever they appear."""
    email_mask, phone_mask = placeholders
    out = text
    for f in sorted((f for f in findings if f.kind in ("email", "phone")), key=lambda f: -f.start):
        out = out[: f.start] + (email_mask if f.kind == "email" else phone_mask) + out[f.end :]
    for value in sorted({k for k in known if len(k) >= 5}, key=len, reverse=True):
        placeholder = email_mask if "@" in value else phone_mask
        out = re.sub(re.escape(value), placeholder, out, flags=re.IGNORECASE)
        if value.startswith("+"):  # a stored +886912345678 written as 0912345678
            national = _national(value)
            if national:
                out = re.sub(rf"(?<!\d){re.escape(national)}(?!\d)", placeholder, out)
    return out


def _national(e164: str) -> str | None:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    digits = phonenumbers.national_significant_number(number)
    prefix = "0" if phonenumbers.region_code_for_number(number) in ("TW", "CN", "GB", "JP", "KR") else ""
    return prefix + digits


def screened_for_seller(
    text: str, *, known: Iterable[str], placeholders: tuple[str, str] = (EMAIL_MASK, PHONE_MASK)
) -> str:
    """What a seller is shown of a message not their own: contact details hidden."""
    return mask(text, scan(text), known=known, placeholders=placeholders)
