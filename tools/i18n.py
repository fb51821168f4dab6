"""Keep the translation catalogues in step with the code.

    .venv/bin/python tools/i18n.py          # add new msgids to zh-Hant.po / zh-Hans.po, list the untranslated
    .venv/bin/python tools/i18n.py --check  # exit 1 if a msgid is missing or untranslated

Messages are the English strings wrapped in ``_()`` or ``N_()`` anywhere under src/wowdesk: in the
Python code and in the console's Jinja2 templates (``{{ _("…") }}``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "wowdesk"
LOCALE = SRC / "locale"
LANGUAGES = ("zh-Hant", "zh-Hans")


def extract() -> dict[str, list[str]]:
    """msgid → places it is used."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
        str(SRC),
        method_map=[("migrations/**.py", "ignore"), ("**.py", "python"), ("web/templates/**.html", "jinja2")],
        options_map={"web/templates/**.html": {"trimmed": "false", "silent": "false"}},
        keywords={"_": None, "N_": None},
        comment_tags=(),
        strip_comment_tags=True,
    ):
        if isinstance(message, tuple):
            message = message[0]
        if message:
            found.setdefault(str(message), []).append(f"{filename}:{lineno}")
    return found


def load(language: str) -> Catalog:
    path = LOCALE / f"{language}.po"
    if path.exists():
        with path.open("rb") as fh:
            return read_po(fh, locale=language.replace("-", "_"))
    return Catalog(locale=language.replace("-", "_"), project="WowDesk")


def main(check: bool) -> int:
    messages = extract()
    problems = 0
    for language in LANGUAGES:
        cat = load(language)
        for msgid, places in sorted(messages.items()):
            if msgid not in cat:
                where = [(p.rsplit(":", 1)[0], int(p.rsplit(":", 1)[1])) for p in places]
                cat.add(msgid, "", locations=where)
        untranslated = [m for m in messages if not (cat.get(m) and cat.get(m).string)]
        obsolete = [str(m.id) for m in cat if m.id and m.id not in messages]
        for msgid in untranslated:
            print(f"{language}: untranslated: {msgid!r}  ({', '.join(messages[msgid][:2])})")
        for msgid in obsolete:
            print(f"{language}: no longer used: {msgid!r}")
        problems += len(untranslated)
        if not check:
            for msgid in obsolete:
                cat.delete(msgid)
            with (LOCALE / f"{language}.po").open("wb") as fh:
                write_po(fh, cat, width=0, omit_header=False, sort_output=True, no_location=True)
    print(f"{len(messages)} messages; {problems} untranslated entries")
    return 1 if (check and problems) else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
