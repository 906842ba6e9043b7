"""Imports flow one way: deploys → roles → sparklab; the tools (distributed, engines) sit beside roles and
reach role facts only through sparklab or the inventory."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("package", ["distributed", "engines"])
def test_tools_do_not_import_roles(package):
    offenders = [str(path.relative_to(REPO)) for path in sorted((REPO / package).rglob("*.py"))
                 if "roles" in imported_packages(path)]
    assert offenders == []
