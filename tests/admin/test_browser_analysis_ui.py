"""The Settings page's filter and the Playground's full analysis in headless Chromium against a
real server (the server of test_browser.py, started for this module): a mode changed in the
form is stored; a toxic span is highlighted and a `<script>` in the text stays text."""

from __future__ import annotations

import json
import urllib.request

from tests.helpers import browser as e2e

pytestmark = e2e.MARKS


live_server, tab = e2e.module_fixtures("e2e-analysis")


def test_a_filter_mode_changed_on_the_settings_page_is_stored(tab):  # type: ignore[no-untyped-def]
    tab.goto("/admin/settings?project=default")
    tab.get_by_label("email mode").select_option("PARANOID")
    tab.get_by_label("mask phone").uncheck()
    tab.get_by_label("Banned words (one per line: they count as profanity)").fill("frack\ngrok\n")
    tab.get_by_role("button", name="Save settings").click()
    tab.get_by_role("status").get_by_text("Saved at").wait_for()
    stored = tab.request.get("/api/v1/admin/projects/default/settings").json()["filter"]
    assert stored["email"]["mode"] == "PARANOID"
    assert stored["phone"]["masking"] is False
    assert stored["profanity"]["bannedWords"] == ["frack", "grok"]
    assert stored["name"]["components"] == ["first", "middle", "last"]
    tab.reload()
    assert tab.get_by_label("email mode").input_value() == "PARANOID"
    # A bad mask is refused with the field named, and shown.
    tab.get_by_label("profanity mask").fill(" ")
    tab.get_by_role("button", name="Save settings").click()
    alert = tab.locator("#settings-form .error")
    alert.wait_for()
    assert "filter.profanity.mask" in alert.inner_text()


def test_the_playground_highlights_a_toxic_span_and_escapes_markup(tab):  # type: ignore[no-untyped-def]
    tab.goto("/admin/playground?project=default")
    text = "You stupid idiot <script>window.pwned = 1</script> mail bob@example.com"
    tab.get_by_label("Text").fill(text)
    tab.get_by_role("button", name="Classify").click()
    spans = tab.locator("p.span mark.span")
    spans.first.wait_for()
    assert "stupid idiot" in spans.all_inner_texts()
    # The script is shown as text in every copy, never run nor parsed into an element.
    result = tab.locator("#playground-result")
    assert result.locator("script").count() == 0
    assert tab.evaluate("window.pwned") is None
    assert "<script>window.pwned = 1</script>" in tab.locator("p.span").inner_text()
    assert "{{ email hidden }}" in tab.locator("#masked").inner_text()
    assert "<script>" in tab.locator("#masked").inner_text()
    assert tab.locator("#pii-table").get_by_text("bob@example.com").is_visible()
    assert "email" in tab.locator("p.match mark.match").first.get_attribute("data-tags")


def test_an_actor_history_is_one_click_from_the_actors_page(tab, live_server, tmp_path):  # type: ignore[no-untyped-def]
    body = json.dumps({"text": "you are a stupid idiot", "options": {"actorId": "forum-7"}})
    request = urllib.request.Request(
        live_server.base + "/text", data=body.encode(), method="POST",
        headers={"Authorization": f"Bearer {live_server.first_key}",
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.status == 200
    tab.goto("/admin/actors?project=default")
    tab.locator("#actors-table").get_by_role("link", name="forum-7").click()
    history = tab.locator("#actor-history")
    history.wait_for()
    assert "contentmod" in history.inner_text() and "flagged" in history.inner_text()
    e2e.snap(tab, tmp_path, "actors")  # no element sticks out at phone width
