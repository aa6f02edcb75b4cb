"""The Settings page's reject / review pairs in headless Chromium against a real server (the
server of test_browser.py, started for this module): a pair typed in the form is stored, a
field left empty turns that threshold off, and a review above reject is refused with the field
named."""

from __future__ import annotations

from tests.helpers import browser as e2e

pytestmark = e2e.MARKS
SETTINGS = "/api/v1/admin/projects/default/settings"


live_server, tab = e2e.module_fixtures("e2e-pairs")


def test_the_settings_page_edits_a_labels_pair(tab):  # type: ignore[no-untyped-def]
    tab.goto("/admin/settings?project=default")
    assert tab.get_by_label("hate", exact=True).input_value() == ""  # off by default
    tab.get_by_label("hate", exact=True).fill("0.6")
    tab.get_by_label("hate review", exact=True).fill("0.4")
    tab.get_by_label("insult review", exact=True).fill("")  # off: insult only rejects
    tab.get_by_role("button", name="Save settings").click()
    tab.get_by_role("status").get_by_text("Saved at").wait_for()
    pairs = tab.request.get(SETTINGS).json()["pairs"]
    assert pairs["hate"] == {"reject": 0.6, "review": 0.4}
    assert pairs["insult"]["review"] is None and pairs["insult"]["reject"] is not None
    tab.reload()
    assert float(tab.get_by_label("hate review", exact=True).input_value()) == 0.4
    # Review above reject: refused, the field named, nothing stored.
    tab.get_by_label("hate review", exact=True).fill("0.7")
    tab.get_by_role("button", name="Save settings").click()
    alert = tab.locator("#settings-form .error")
    alert.wait_for()
    assert "thresholds.hate.review" in alert.inner_text()
    assert tab.request.get(SETTINGS).json()["pairs"]["hate"] == {"reject": 0.6, "review": 0.4}
