"""The chat widget script: ``static/widget.js`` with its texts from the translation catalogue.

The widget's every visible string is a msgid here, translated into all three languages when the
script is served; the browser picks one (docs/chat.md). Built once per process."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from wowdesk.core.i18n import LANGUAGES, N_, translate

STRINGS = {
    "launcher_open": N_("Chat with us"),
    "launcher_close": N_("Close chat"),
    "title": N_("Chat"),
    "placeholder": N_("Type a message…"),
    "send": N_("Send"),
    "attach": N_("Attach a file"),
    "sound_on": N_("Sound on"),
    "sound_off": N_("Sound off"),
    "typing": N_("Someone is typing…"),
    "connecting": N_("Connecting…"),
    "reconnecting": N_("Connection lost. Reconnecting…"),
    "offline_title": N_("We are away right now"),
    "offline_body": N_("Leave a message and we will answer by e-mail."),
    "offline_wait_body": N_("Leave a message: we will answer here as soon as we are back."),
    "email_needed": N_("Give us your e-mail address so that we can answer you."),
    "back_at": N_("We are back {time}."),
    "prechat_title": N_("Before we start"),
    "name": N_("Your name"),
    "email": N_("Your e-mail"),
    "start": N_("Start chat"),
    "read": N_("Read"),
    "delivered": N_("Delivered"),
    "sending": N_("Sending…"),
    "failed": N_("Not sent. Tap to retry."),
    "error_too_large": N_("This file is too large."),
    "you": N_("You"),
    "unread": N_("{count} unread messages"),
}


def strings() -> dict[str, dict[str, str]]:
    # {count} stays a placeholder for the script to fill: translate() formats only what it is given.
    return {lang: {key: translate(msgid, lang) for key, msgid in STRINGS.items()} for lang in LANGUAGES}


@cache
def widget_script() -> str:
    source = resources.files("wowdesk.web").joinpath("static/widget.js").read_text(encoding="utf-8")
    texts = json.dumps(strings(), ensure_ascii=True, separators=(",", ":"))
    # BASE empty: the script talks to the origin it was loaded from (right behind any proxy).
    return source.replace('"__WOWDESK_BASE__"', '""').replace("__WOWDESK_STRINGS__", texts)
