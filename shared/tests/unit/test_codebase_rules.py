"""Rules of the codebase that review alone would let slip: one clock, and services that never import each other."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "src" / p.name).is_dir())
CLOCK = ROOT / "shared" / "src" / "coop_shared" / "clock.py"


def sources() -> Iterator[tuple[str, Path]]:
    """(owner, file) for every module of the shared library and of each service."""
    for path in sorted((ROOT / "shared" / "src").rglob("*.py")):
        yield "coop_shared", path
    for service in SERVICES:
        for path in sorted((ROOT / "services" / service / "src").rglob("*.py")):
            yield service, path


def reads_the_machine_time(node: ast.AST) -> bool:
    """``datetime.now(…)``, ``datetime.utcnow()``, ``date.today()`` (also as ``datetime.datetime.now``)."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    owner = node.func.value
    name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else ""
    return (name, node.func.attr) in {("datetime", "now"), ("datetime", "utcnow"), ("date", "today")}


def test_the_time_is_read_in_one_module() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for _, path in sources() if path != CLOCK
        for node in ast.walk(ast.parse(path.read_text(), str(path))) if reads_the_machine_time(node)
    ]
    # A business date reads a Clock; an infrastructure instant (TTL, lease) reads coop_shared.clock.wall_time.
    assert offenders == []


def test_the_cooperatives_time_zone_is_named_in_one_module() -> None:
    """Services take the zone from coop_shared.clock (COOPERATIVE_ZONE, COOPERATIVE_TZ) or from their
    settings' ``timezone``, whose default is that constant: never their own copy of the name."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for _, path in sources() if path != CLOCK
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Constant) and node.value == "Europe/Brussels"
    ]
    assert offenders == []


def modules_of_tests() -> Iterator[Path]:
    for top in (ROOT / "tests", ROOT / "shared" / "tests", *(ROOT / "services" / s / "tests" for s in SERVICES)):
        yield from sorted(top.rglob("*.py"))


def takes_the_machine_day(node: ast.AST) -> bool:
    """``date.today()`` or ``datetime.now(…).date()``: the machine's day, not the cooperative's."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    if node.func.attr == "date" and not node.args:
        return reads_the_machine_time(node.func.value)
    return node.func.attr == "today" and reads_the_machine_time(node)


def test_tests_count_days_as_the_services_do() -> None:
    """The services' today is Belgian; the machine's (UTC) is yesterday for an hour or two each night."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in modules_of_tests() if path.name != Path(__file__).name
        for node in ast.walk(ast.parse(path.read_text(), str(path))) if takes_the_machine_day(node)
    ]
    # Use coop_shared.testing.dates.cooperative_today, or the service's (fake) clock.
    assert offenders == []


def test_no_service_imports_another() -> None:
    crossings = []
    for owner, path in sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            crossings += [f"{path.relative_to(ROOT)} imports {name}" for name in names
                          if name.split(".")[0] in SERVICES and name.split(".")[0] != owner]
    assert crossings == []


def test_the_rules_see_what_they_look_for() -> None:
    """The scanners find an offence when there is one (an empty list above proves nothing otherwise)."""
    tree = ast.parse("import datetime\nfrom datetime import date\na = datetime.datetime.now()\nb = date.today()\n")
    assert sum(reads_the_machine_time(node) for node in ast.walk(tree)) == 2
    days = ast.parse("from datetime import UTC, date, datetime\na = date.today()\nb = datetime.now(UTC).date()\n"
                     "c = datetime.now(UTC).date().isoformat()\nd = datetime.now(UTC)\n")
    assert sum(takes_the_machine_day(node) for node in ast.walk(days)) == 3
    assert len(SERVICES) >= 7 and "payroll" in SERVICES
