"""The webhook pages as a user trips on them (issue 15, item 18), in headless Chromium against
a real server: "Send test event" updates the deliveries table without a reload, the new-webhook
form cannot create a twin by a second click, and the one-time secret is shown where the user is
looking. The server, receiver and browser are those of test_browser.py, started for this module.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import browser as e2e

pytestmark = e2e.MARKS


@pytest.fixture(scope="module")
def hook_receiver() -> Iterator[e2e.Receiver]:
    r = e2e.Receiver()
    r.start()
    yield r
    r.stop()


# The page is 1280x700: a short window, so that what is below the fold shows.
live_server, tab = e2e.module_fixtures("e2e-webhooks", height=700, timeout=10_000,
                                       accept_dialogs=True)


def test_a_new_webhook_is_made_once_and_its_secret_is_in_view(tab, hook_receiver):  # type: ignore[no-untyped-def]
    tab.goto("/admin/webhooks?project=default")
    for n in range(12):  # a long table pushes the form below the fold
        tab.request.post("/api/v1/admin/projects/default/webhooks",
                         data={"url": f"https://example.com/hook/{n}"},
                         headers={"X-CSRF-Token": _csrf(tab)})
    tab.reload()
    form = tab.locator("form[data-api$='/webhooks']")
    form.get_by_label("URL").fill(hook_receiver.url)
    form.get_by_label("User").fill(e2e.HOOK_USER)
    form.get_by_label("Password").fill(e2e.HOOK_PASSWORD)
    button = form.get_by_role("button", name="Create webhook")
    button.click()
    secret = tab.locator("#new-secret")
    secret.wait_for()
    assert secret.inner_text().startswith("whsec_")
    assert _in_viewport(tab, "#new-secret")
    # Cleared and off: a second click adds nothing.
    assert form.get_by_label("URL").input_value() == ""
    assert button.is_disabled()
    button.click(force=True)
    tab.wait_for_timeout(300)  # a request, had one been sent, would have been answered
    urls = [w["url"] for w in tab.request.get(
        "/api/v1/admin/projects/default/webhooks").json()["webhooks"]]
    assert urls.count(hook_receiver.url) == 1
    form.get_by_label("URL").fill("https://example.com/other")
    assert button.is_enabled()


def test_send_test_event_fills_the_deliveries_table_without_a_reload(tab, hook_receiver):  # type: ignore[no-untyped-def]
    tab.goto("/admin/webhooks?project=default")
    tab.locator("#webhooks-table").get_by_role("link", name=hook_receiver.url).click()
    tab.wait_for_url("**/admin/webhooks/wh_*")
    assert tab.locator("tr.delivery").count() == 0
    tab.evaluate("window.__notReloaded = true")
    tab.get_by_role("button", name="Send test event").click()
    tab.locator("#test-result").get_by_text("delivered").wait_for()
    row = tab.locator("tr.delivery[data-state='delivered']")
    row.wait_for()
    assert row.count() == 1 and "200" in row.inner_text()
    hook_receiver.status = 500
    try:
        tab.get_by_role("button", name="Send test event").click()
        tab.locator("tr.delivery[data-state='failed']").wait_for()
    finally:
        hook_receiver.status = 200
    failed = tab.locator("tr.delivery[data-state='failed']")
    assert "receiver answered 500" in failed.inner_text()
    assert failed.get_by_role("button", name="Replay").is_visible()
    assert tab.evaluate("window.__notReloaded") is True
    assert b'"type":"TEST"' in hook_receiver.requests[-1]["body"]


def _csrf(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator('meta[name="csrf-token"]').get_attribute("content")


def _in_viewport(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("""(sel) => {
        const r = document.querySelector(sel).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight; }""", selector)
