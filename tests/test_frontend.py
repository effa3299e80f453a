"""The front end's wiring that a browser would not complain about: every ES module is preloaded,
and pages behind the login ask search engines to stay away."""

import re
from pathlib import Path

from django.conf import settings
from django.test import Client

STATIC = Path(settings.BASE_DIR) / "static"
IMPORT = re.compile(r'^import (?:[^"]* from )?"(\.\.?/[^"]+)";', re.MULTILINE)


def modules_reached_from(path: Path) -> set[Path]:
    """Every module main.js loads, directly or through another module."""
    seen: set[Path] = set()
    todo = [path]
    while todo:
        module = todo.pop()
        for relative in IMPORT.findall(module.read_text()):
            found = (module.parent / relative).resolve()
            if found not in seen:
                seen.add(found)
                todo.append(found)
    return seen


def test_every_module_main_js_loads_is_preloaded(editor_client, use_sandbox):
    html = editor_client.get("/").content.decode()
    preloaded = set(re.findall(r'<link rel="modulepreload" href="/static/([^"]+)">', html))
    reached = modules_reached_from(STATIC / "assets_browser/js/main.js")
    assert reached, "main.js imports nothing?"
    assert {str(p.relative_to(STATIC.resolve())) for p in reached} == preloaded


NOINDEX = '<meta name="robots" content="noindex, nofollow">'


def test_what_a_crawler_reaches_asks_not_to_be_indexed(use_sandbox):
    crawler = Client()
    assert crawler.get("/").url.startswith("/login/")  # every page sends it to the login
    assert NOINDEX in crawler.get("/login/").content.decode()


def test_an_editors_page_has_a_description(editor_client, use_sandbox):
    html = editor_client.get("/").content.decode()
    assert '<meta name="description" content="' in html
    assert NOINDEX not in html  # a crawler never gets here: nothing to say (see base.html)


def test_template_comments_close_on_their_line():
    # {# … #} is one line only: a second line would print the comment on the page.
    for template in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if "{#" in line:
                assert "#}" in line[line.index("{#") :], f"{template.name}:{number}"
