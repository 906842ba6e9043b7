"""Guards on the layout: imports only go down (deploys -> roles -> the libraries), and every module has a name
of its own that no stdlib module has."""

import ast
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LIBRARIES = ("sparklab", "distributed", "engines", "simlab")
# Top-level packages a module may not import, by the packages it lives in.
FORBIDDEN = {**{package: {"roles", "deploys"} for package in LIBRARIES}, "roles": {"deploys"}}
PACKAGES = ("deploys", "roles", *LIBRARIES, "bench")


def modules(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Top-level packages a module imports: import statements, and importlib.import_module("x.y") or f"x.{y}"."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            first = node.args[0] if node.args else None
            if isinstance(first, ast.JoinedStr) and first.values:
                first = first.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
    return {name.split(".")[0] for name in names}


def test_imports_only_go_down():
    upwards = {str(path.relative_to(REPO)): sorted(imported(path) & forbidden)
               for package, forbidden in FORBIDDEN.items() for path in modules(package)}
    assert {path: names for path, names in upwards.items() if names} == {}


def test_module_names_are_unique_and_not_the_stdlibs():
    by_name = defaultdict(list)
    for package in PACKAGES:
        for path in modules(package):
            if path.stem not in ("__init__", "__main__"):
                by_name[path.stem].append(str(path.relative_to(REPO)))
    shared = {name: paths for name, paths in by_name.items() if len(paths) > 1}
    stdlib = {name: paths for name, paths in by_name.items() if name in sys.stdlib_module_names}
    assert (shared, stdlib) == ({}, {})


def test_test_file_names_are_unique_in_the_suite():
    """pytest imports test files without packages by their basename: two test_x.py stop the whole collection.
    (tests/checkpoints is its own suite, collected only with --inventory.)"""
    by_name = defaultdict(list)
    for path in sorted((REPO / "tests").rglob("test_*.py")):
        if "checkpoints" not in path.relative_to(REPO / "tests").parts:
            by_name[path.name].append(str(path.relative_to(REPO)))
    assert {name: paths for name, paths in by_name.items() if len(paths) > 1} == {}
