"""The sandbox is a separate program: it and the dashboard never import each other. Inside the
dashboard, layers point one way; test modules do not import each other."""

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


# Inside the dashboard, layers point one way: the upstream client knows no Django; plain
# modules (formatting, labels, the browse query) and the data layers (services, boards, exports,
# cards) know nothing of forms, views or template tags.


def dashboard_imports(module: str) -> set[str]:
    """Modules of ours (and others) that one assets_browser module imports, relative ones
    resolved: ``from . import boards`` in services.py is assets_browser.boards."""
    path = ROOT / (module.replace(".", "/") + ".py")
    package = module.rsplit(".", 1)[0].split(".")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            parent = ".".join([*base, *([node.module] if node.module else [])])
            found.add(parent)
            found.update(f"{parent}.{alias.name}" for alias in node.names)
    return found


UPPER_LAYERS = ("assets_browser.forms", "assets_browser.views", "assets_browser.templatetags")


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("assets_browser.api", ("django", "assets_browser")),
        ("assets_browser.formatting", UPPER_LAYERS),
        ("assets_browser.labels", ("django", *UPPER_LAYERS)),
        ("assets_browser.browse_query", ("django", *UPPER_LAYERS)),
        ("assets_browser.services", UPPER_LAYERS),
        ("assets_browser.boards", UPPER_LAYERS),
        ("assets_browser.exports", UPPER_LAYERS),
        ("assets_browser.cards", ("assets_browser.boards", *UPPER_LAYERS)),
        ("assets_browser.catalogue_search", UPPER_LAYERS),
        ("assets_browser.upstream_slots", ("assets_browser.upstream_cache", *UPPER_LAYERS)),
    ],
)
def test_layers_point_one_way(module, forbidden):
    wrong = {
        name
        for name in dashboard_imports(module)
        if any(name == prefix or name.startswith(prefix + ".") for prefix in forbidden)
    }
    assert not wrong, f"{module} imports {sorted(wrong)}"


def test_the_layer_check_resolves_relative_imports():
    assert "assets_browser.upstream_cache" in dashboard_imports("assets_browser.services")
    assert "assets_browser.formatting" in dashboard_imports(
        "assets_browser.templatetags.assets_browser"
    )


def test_test_modules_share_helpers_through_helper_modules_not_each_other():
    """Builders and steps live in tests/testdata.py, boards_data.py, browser/board_steps.py...:
    a test module that imported another would run (and collect) that one's tests with it."""
    imported = imported_modules("tests")
    assert "tests.testdata" in imported  # the walk sees the tests' imports at all
    test_modules = {
        name for name in imported if name.rsplit(".", 1)[-1].startswith(("test_", "conftest"))
    }
    assert not test_modules, sorted(test_modules)
