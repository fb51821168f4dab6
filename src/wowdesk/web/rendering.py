"""Customer text and HTML made safe to show in an agent's browser.

Everything a customer wrote is untrusted: chat text, names, e-mail bodies, file names. Plain text
is escaped, its web addresses made links, its line breaks kept; HTML (an e-mail body) keeps only
harmless formatting. Both end in ``nh3`` (the Rust ``ammonia`` sanitiser) with an allowlist of
tags, attributes and URL schemes, so whatever an escaping slip let through is removed again, and
no script, event handler, ``javascript:`` address, style or form survives."""

from __future__ import annotations

import html
import re

import nh3

_URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}’”。，；：！？）】」』"

_TEXT_TAGS = {"a", "br"}
_HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "q", "s", "small", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
_SCHEMES = {"http", "https", "mailto", "tel"}
_LINK_REL = "noopener noreferrer nofollow ugc"


def _clean(markup: str, tags: set[str]) -> str:
    return nh3.clean(
        markup,
        tags=tags,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel=_LINK_REL,
        strip_comments=True,
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )


def _linked(match: re.Match[str]) -> str:
    url = match.group(0)
    tail = ""
    while url and url[-1] in _TRAILING:
        url, tail = url[:-1], url[-1] + tail
    safe = html.escape(url, quote=True)
    return f'<a href="{safe}">{safe}</a>{html.escape(tail)}'


def render_text(text: str) -> str:
    """Plain text as HTML: escaped, links for http(s) addresses, line breaks kept."""
    if not text:
        return ""
    parts: list[str] = []
    last = 0
    for m in _URL.finditer(text):
        parts.append(html.escape(text[last : m.start()]))
        parts.append(_linked(m))
        last = m.end()
    parts.append(html.escape(text[last:]))
    markup = "".join(parts).replace("\r\n", "\n").replace("\n", "<br>")
    return _clean(markup, _TEXT_TAGS)


def render_html(markup: str) -> str:
    """HTML from outside (an e-mail body): formatting kept, anything active removed."""
    return _clean(markup or "", _HTML_TAGS)
