"""The Settings page saves only the threshold fields typed (the others keep following the
server's defaults) and gives a label back to its default with its Default button, in headless
Chromium against a real server."""

from __future__ import annotations

from tests.helpers import browser as e2e

pytestmark = e2e.MARKS
SETTINGS = "/api/v1/admin/projects/default/settings"


live_server, tab = e2e.module_fixtures("e2e-partials")


def test_the_settings_page_saves_only_what_changed_and_resets_a_label(  # type: ignore[no-untyped-def]
        tab):
    tab.goto("/admin/settings?project=default")
    default = tab.get_by_role("button", name="hate: back to the default")
    assert default.is_hidden()  # nothing of its own yet
    tab.get_by_label("hate", exact=True).fill("0.6")
    tab.get_by_role("button", name="Save settings").click()
    tab.get_by_role("status").get_by_text("Saved at").wait_for()
    answer = tab.request.get(SETTINGS).json()
    assert answer["own"] == {"hate": {"reject": 0.6}}  # not every label's current default
    assert answer["pairs"]["hate"] == {"reject": 0.6, "review": None}
    default.wait_for()  # shown once the label is the project's own
    assert tab.locator('tr[data-pair="hate"] .pair-source').inner_text() == "this project"
    # Saving again with nothing typed stores nothing more.
    with tab.expect_response(lambda r: r.request.method == "PUT" and r.url.endswith(SETTINGS)):
        tab.get_by_role("button", name="Save settings").click()
    assert tab.request.get(SETTINGS).json()["own"] == {"hate": {"reject": 0.6}}
    default.click()
    default.wait_for(state="hidden")
    assert tab.request.get(SETTINGS).json()["own"] == {}
    assert tab.get_by_label("hate", exact=True).input_value() == ""  # off again: the default
    assert tab.locator('tr[data-pair="hate"] .pair-source').inner_text() == "default"
