"""The rules of ARCHITECTURE.md that import-linter cannot express, checked on the source itself:

* a domain imports another domain only through its public modules (actions, queries, schemas,
  events, permissions) — never its models or repository;
* ``select()`` appears only in repositories and core;
* actions never commit: nothing outside core's unit of work and the composition root calls
  ``commit()``.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "wowdesk"
DOMAINS = {"accounts", "customers", "commerce", "policies", "conversations", "tickets", "analytics"}
PUBLIC = {"actions", "queries", "schemas", "events", "permissions"}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [
        (p, ast.parse(p.read_text(), str(p)))
        for p in sorted(SRC.rglob("*.py"))
        if "migrations" not in p.parts
    ]


def _domain_of(path: Path) -> str | None:
    rel = path.relative_to(SRC).parts
    return rel[0] if rel and rel[0] in DOMAINS else None


def _imports(tree: ast.Module) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
            out.extend(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
    return out


def _private(parts: list[str], allowed: set[str]) -> bool:
    """Whether ``wowdesk.<domain>.…`` names a module other domains may not import. A sub-package
    of a domain is a room of its own (``tickets/sla/``, ``accounts/calendars/``): its public
    modules are public too, and names its ``__init__`` gives are."""
    folder, rest = SRC / parts[1], parts[2:]
    while rest and (folder / rest[0]).is_dir():
        folder, rest = folder / rest[0], rest[1:]
    return bool(rest) and (folder / f"{rest[0]}.py").exists() and rest[0] not in allowed


def test_domains_use_only_each_others_public_modules() -> None:
    """Domains see each other's public modules; the API may also name models (the types of the
    objects its path dependencies load) but never reaches into a repository. Only the composition
    root, the CLI and the demo seed (top-level modules) see everything."""
    bad = []
    for path, tree in _modules():
        if path.parent == SRC:
            continue
        mine = _domain_of(path)
        allowed = PUBLIC if mine else PUBLIC | {"models"}
        for name in _imports(tree):
            parts = name.split(".")
            if (
                len(parts) >= 3
                and parts[0] == "wowdesk"
                and parts[1] in DOMAINS
                and parts[1] != mine
                and _private(parts, allowed)
            ):
                bad.append(f"{path.relative_to(SRC)} imports {name}")
    assert not bad, "\n".join(bad)


def test_select_only_in_repositories_and_core() -> None:
    bad = []
    for path, tree in _modules():
        rel = path.relative_to(SRC)
        if rel.parts[0] == "core" or path.name == "repository.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "select":
                bad.append(f"{rel}:{node.lineno}")
    assert not bad, "select() outside a repository: " + ", ".join(bad)


def test_only_units_of_work_commit() -> None:
    bad = []
    for path, tree in _modules():
        rel = path.relative_to(SRC)
        if rel.as_posix() in ("core/uow.py", "core/sqlite_inline.py", "migrations/env.py"):  # UoW, DBAPI shim
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "commit":
                bad.append(f"{rel}:{node.lineno}")
    assert not bad, "commit() outside the unit of work: " + ", ".join(bad)


def test_domains_do_not_read_the_environment() -> None:
    bad = []
    for path, tree in _modules():
        rel = path.relative_to(SRC)
        if rel.as_posix() in ("settings.py", "cli.py"):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("environ", "getenv")
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ):
                bad.append(f"{rel}:{node.lineno}")
    assert not bad, "environment read outside settings: " + ", ".join(bad)
