"""The sandbox is a separate program: it and the dashboard never import each other."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD_PACKAGES = ("assets_browser", "argil_dashboard")


def imported_modules(package: str) -> set[str]:
    """Every module named by an import statement anywhere in the package (top level or nested)."""
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module)
    return found


def roots(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_the_sandbox_imports_nothing_of_the_dashboard_nor_django():
    imported = roots(imported_modules("argil_sandbox"))
    assert imported.isdisjoint({*DASHBOARD_PACKAGES, "django"}), imported


@pytest.mark.parametrize("package", DASHBOARD_PACKAGES)
def test_the_dashboard_never_imports_the_sandbox(package):
    assert "argil_sandbox" not in roots(imported_modules(package))


def test_the_check_sees_imports_at_all():
    # Guards the two tests above against passing on an empty walk.
    assert {"django", "requests"} <= roots(imported_modules("assets_browser"))
    assert "cheroot" in roots(imported_modules("argil_sandbox"))
