"""Layout, thumbnail size and theme: saved per editor by a CSRF-protected POST, rendered by the
server (no flash of the wrong theme), applied in place for htmx. Real sandbox on loopback."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from assets_browser.models import EditorProfile
from tests.testdata import HTMX

pytestmark = pytest.mark.django_db

PREFERENCES = reverse("assets_browser:preferences")
BROWSE = reverse("assets_browser:browse")


def saved(user) -> dict[str, str]:
    return EditorProfile.objects.values("layout", "thumb_size", "theme").get(user=user)


def test_preferences_default_to_grid_medium_and_auto(editor_client, use_sandbox):
    html = editor_client.get(BROWSE).content.decode()
    assert '<html lang="en" data-theme="auto">' in html
    assert 'class="grid grid--grid thumbs--medium"' in html
    assert 'name="layout" value="grid" aria-pressed="true"' in html
    assert 'name="theme" value="auto" aria-pressed="true"' in html


def test_preferences_post_without_js_saves_and_returns_to_the_page(
    editor_client, editor, use_sandbox
):
    response = editor_client.post(PREFERENCES, {"layout": "list", "next": "/?type=VIDEO&page=2"})
    assert response.status_code == 302
    assert response["Location"] == "/?type=VIDEO&page=2"
    assert saved(editor) == {"layout": "list", "thumb_size": "medium", "theme": "auto"}
    html = editor_client.get(BROWSE + "?type=VIDEO&page=2").content.decode()
    assert 'class="grid grid--list thumbs--medium"' in html
    assert 'name="layout" value="list" aria-pressed="true"' in html
    assert 'name="layout" value="grid" aria-pressed="false"' in html


def test_preferences_theme_is_rendered_on_the_html_element(editor_client, editor, use_sandbox):
    editor_client.post(PREFERENCES, {"theme": "dark"})
    html = editor_client.get(BROWSE).content.decode()
    assert '<html lang="en" data-theme="dark">' in html
    assert 'name="theme" value="dark" aria-pressed="true"' in html


def test_preferences_htmx_answers_204_with_the_saved_values(editor_client, editor):
    EditorProfile.objects.create(user=editor, theme="dark")
    response = editor_client.post(PREFERENCES, {"thumb_size": "large"}, headers=HTMX)
    assert response.status_code == 204
    assert response.content == b""
    assert json.loads(response["HX-Trigger"]) == {
        "prefs-saved": {
            "layout": "grid",
            "thumb_size": "large",
            "theme": "dark",
            "filters": "open",
        }
    }
    assert "HX-Request" in response["Vary"]
    assert saved(editor) == {"layout": "grid", "thumb_size": "large", "theme": "dark"}


def test_preferences_fragment_carries_the_layout_classes(editor_client, editor, use_sandbox):
    EditorProfile.objects.create(user=editor, layout="list", thumb_size="small")
    html = editor_client.get(BROWSE + "?page=2", headers=HTMX).content.decode()
    assert "<html" not in html
    assert 'class="grid grid--list thumbs--small"' in html


@pytest.mark.parametrize(
    "data",
    [
        {"layout": "mosaic"},
        {"thumb_size": "huge"},
        {"theme": "sepia"},
        {"theme": "dark", "layout": "<b>list</b>"},
        {},
        {"next": "/"},
    ],
    ids=["layout", "thumb_size", "theme", "one-bad-of-two", "nothing", "only-next"],
)
def test_preferences_refuse_values_outside_the_choices(editor_client, editor, data):
    EditorProfile.objects.create(user=editor, layout="list")
    response = editor_client.post(PREFERENCES, data, headers=HTMX)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "<b>" not in response.content.decode()
    assert saved(editor) == {"layout": "list", "thumb_size": "medium", "theme": "auto"}


def test_preferences_need_a_csrf_token(editor, use_sandbox):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(PREFERENCES, {"theme": "dark"}).status_code == 403
    assert not EditorProfile.objects.filter(user=editor).exists()

    page = strict.get(BROWSE)
    token = page.context["csrf_token"]
    response = strict.post(PREFERENCES, {"theme": "dark"}, headers={"X-CSRFToken": str(token)})
    assert response.status_code == 302
    assert saved(editor)["theme"] == "dark"


def test_preferences_are_post_only(editor_client):
    assert editor_client.get(PREFERENCES).status_code == 405


def test_preferences_never_redirect_off_site(editor_client):
    response = editor_client.post(PREFERENCES, {"theme": "light", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == BROWSE


def test_preferences_belong_to_one_editor(editor_client, editor, django_user_model, use_sandbox):
    other = django_user_model.objects.create_user("jonas", password="slow-dissolve-7")
    EditorProfile.objects.create(user=other, layout="grid", thumb_size="small", theme="light")
    editor_client.post(PREFERENCES, {"layout": "list"})
    editor_client.post(PREFERENCES, {"theme": "dark"})
    assert saved(editor) == {"layout": "list", "thumb_size": "medium", "theme": "dark"}
    assert saved(other) == {"layout": "grid", "thumb_size": "small", "theme": "light"}

    jonas = Client()
    jonas.force_login(other)
    html = jonas.get(BROWSE).content.decode()
    assert '<html lang="en" data-theme="light">' in html
    assert 'class="grid grid--grid thumbs--small"' in html


def test_preferences_keep_the_current_board(editor_client, editor):
    board = editor.boards.create(name="Spring launch B-roll")
    EditorProfile.objects.create(user=editor, current_board=board)
    editor_client.post(PREFERENCES, {"layout": "list"})
    profile = EditorProfile.objects.get(user=editor)
    assert profile.current_board == board
    assert profile.layout == "list"


def test_login_page_follows_the_system_theme(client):
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en" data-theme="auto">' in html
    assert "theme-switch" not in html


def test_preferences_fold_the_filters_panel_and_render_it_folded(
    editor_client, editor, use_sandbox
):
    assert 'class="filters-panel"' in editor_client.get(BROWSE).content.decode()
    response = editor_client.post(PREFERENCES, {"filters": "collapsed"}, headers=HTMX)
    assert json.loads(response["HX-Trigger"])["prefs-saved"]["filters"] == "collapsed"
    assert EditorProfile.objects.get(user=editor).filters == "collapsed"
    html = editor_client.get(BROWSE).content.decode()
    # Rendered folded, with the button that unfolds it: nothing moves once the page is shown.
    assert 'class="filters-panel is-collapsed"' in html
    assert 'name="filters" value="open"' in html
    assert editor_client.post(PREFERENCES, {"filters": "wide"}).status_code == 400
