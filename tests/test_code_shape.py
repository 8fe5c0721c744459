"""The shape of the code that later work must keep: short functions and walls between rooms.

A function that grows past a screen hides its steps; a module that reaches into a room
downstream of it (the engine's core into Django, the farm's records into the engine)
makes every change travel further than it should. Both are cheap to check and easy to
lose one commit at a time.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "aquagrowth"
MAX_FUNCTION_LINES = 80

WALLS = {
    "aquagrowth.engine.core": ("aquagrowth", "django", "rest_framework", "celery"),
    "aquagrowth.db": ("aquagrowth",),
    "aquagrowth.farm": (
        "aquagrowth.engine",
        "aquagrowth.generator",
        "aquagrowth.distributed",
        "aquagrowth.analysis",
        "aquagrowth.demo",
    ),
    "aquagrowth.generator": (
        "aquagrowth.engine",
        "aquagrowth.distributed",
        "aquagrowth.analysis",
        "aquagrowth.demo",
    ),
    "aquagrowth.engine": ("aquagrowth.distributed", "aquagrowth.analysis", "aquagrowth.demo"),
    "aquagrowth.distributed": ("aquagrowth.analysis", "aquagrowth.demo"),
    "aquagrowth.analysis": ("aquagrowth.demo",),
    "aquagrowth.server": ("aquagrowth.demo",),
    "aquagrowth.ingest": ("aquagrowth.analysis", "aquagrowth.demo"),
    "aquagrowth.accounts": (
        "aquagrowth.engine",
        "aquagrowth.generator",
        "aquagrowth.distributed",
        "aquagrowth.analysis",
        "aquagrowth.demo",
    ),
}
"""Package -> module prefixes it may not import (its own prefix excepted)."""


def _modules() -> list[tuple[str, Path, ast.Module]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append((name, path, ast.parse(path.read_text(), str(path))))
    return found


def _imports(tree: ast.Module) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_no_function_is_longer_than_a_screen():
    long = [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name} "
        f"({node.end_lineno - node.lineno + 1} lines)"
        for _, path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == [], f"functions over {MAX_FUNCTION_LINES} lines, docstring included"


def test_no_room_reaches_downstream():
    breaches = []
    for module, _, tree in _modules():
        rooms = [room for room in WALLS if _within(module, room)]
        if not rooms:
            continue
        room = max(rooms, key=len)  # the innermost room's rule (core within engine)
        for imported in _imports(tree):
            if _within(imported, room):
                continue
            if any(_within(imported, banned) for banned in WALLS[room]):
                breaches.append(f"{module} imports {imported}")
    assert breaches == []
