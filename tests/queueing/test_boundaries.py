"""Section 4: the queue is a platform, not a client of the apps built on it.

No module under ``madoguchi.queueing`` imports ``madoguchi.zones``, ``madoguchi.notices`` or
``madoguchi.opendata`` (at the top or inside a function): they plug into the queue's hooks
(``queueing/hooks.py``) and its read interface (``queueing/public_state.py``) from their own
``AppConfig.ready()``.
"""

import ast
from pathlib import Path

import madoguchi.queueing
from madoguchi.queueing import hooks, public_state

FORBIDDEN = ("madoguchi.zones", "madoguchi.notices", "madoguchi.opendata")
QUEUEING = Path(madoguchi.queueing.__file__).parent


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module an import statement in ``path`` names, with relative imports resolved."""
    package = ".".join(("madoguchi", *path.relative_to(QUEUEING.parent).with_suffix("").parts[:-1]))
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def test_the_queue_imports_no_app_built_on_it():
    offenders = [f"{path.relative_to(QUEUEING.parent)}:{line} imports {name}"
                 for path in sorted(QUEUEING.rglob("*.py"))
                 for line, name in imported_modules(path)
                 if name.startswith(FORBIDDEN)]
    assert offenders == []


def test_the_check_sees_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch):
    """The guard above bites: a lazy or relative import of zones is found."""
    fake = QUEUEING / "views" / "_boundary_probe.py"
    fake.write_text("def f():\n    from ...zones import public_state\n    import madoguchi.notices.services\n")
    try:
        names = [name for _, name in imported_modules(fake)]
    finally:
        fake.unlink()
    assert "madoguchi.zones.public_state" in names and "madoguchi.notices.services" in names


def test_the_apps_plug_in_at_ready():
    from madoguchi.notices.services import on_board_published as notices_on_board
    from madoguchi.zones.public_state import ZoneCopyState
    from madoguchi.zones.sync import on_board_published as zones_on_board

    assert zones_on_board in hooks.subscribers(hooks.BOARD_PUBLISHED)
    assert notices_on_board in hooks.subscribers(hooks.BOARD_PUBLISHED)
    assert isinstance(public_state._by_role["public"], ZoneCopyState)
    assert "notices/_optin.html" in hooks.ticket_page_parts()


def test_the_public_role_reads_the_zone_copy(settings, db):
    from madoguchi.zones.public_state import ZoneCopyState

    settings.ROLE = "public"
    assert isinstance(public_state.implementation(), ZoneCopyState)
    settings.ROLE = "internal"
    assert isinstance(public_state.implementation(), public_state.InternalState)
