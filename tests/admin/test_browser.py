"""The admin UI end to end: headless Chromium against the real server in a subprocess.

One server, one receiver and one logged-in browser page for the whole module; the tests run in
order and build on each other (a key, a webhook, feedback). Screenshots of every page at
1280 px and 390 px go to a temporary directory (or $SPECTRUM_RPC_E2E_SCREENSHOTS).
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.browser import (
    ADMIN_NAME,
    ADMIN_PASSWORD,
    CHROMIUM,
    HOOK_PASSWORD,
    HOOK_USER,
    MARKS,
    Receiver,
    Server,
    playwright_sync,
    snap,
)

pytestmark = MARKS


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("e2e"))
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    wanted = os.environ.get("SPECTRUM_RPC_E2E_SCREENSHOTS")
    path = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server.base)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()




# -- the story ------------------------------------------------------------------------------


def test_logged_out_visitors_are_refused_then_log_in(page, server):  # type: ignore[no-untyped-def]
    api = page.request.get("/api/v1/admin/me")
    assert api.status == 401
    page.goto("/admin/keys")
    assert "/admin/login" in page.url
    page.get_by_label("User name").fill(ADMIN_NAME)
    page.get_by_label("Password").fill("wrong password!!")
    page.get_by_label("Password").press("Enter")
    assert "Wrong user name or password" in page.get_by_role("alert").inner_text()
    page.get_by_label("User name").fill(ADMIN_NAME)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_label("Password").press("Enter")  # keyboard only
    page.wait_for_url("**/admin/keys")
    assert page.get_by_role("heading", name="API keys").is_visible()


def test_api_key_created_in_the_ui_answers_json_rpc(page, server, shots):  # type: ignore[no-untyped-def]
    page.goto("/admin/keys?project=default")
    page.get_by_label("New key name").fill("e2e-client")
    page.get_by_role("button", name="Create key").click()
    key = page.locator("#new-key-value").inner_text()
    assert key.startswith("sk_")
    page.locator("#new-key").get_by_role("button", name="Copy").click()
    page.locator("#new-key").get_by_role("button", name="Copied").wait_for()
    assert page.locator("#keys-table").get_by_text("e2e-client").is_visible()
    answer = server.rpc(key, "classifyText", {"text": "you are an idiot"})
    assert "toxicityConfidence" in answer["result"]
    for text in ("hello there", "have a nice day", "click here to verify your password"):
        server.rpc(key, "classifyText", {"text": text})
    snap(page, shots, "keys")
    row = page.locator("#keys-table tr", has_text="e2e-client")
    row.get_by_role("button", name="Revoke").click()
    row.get_by_text("revoked").wait_for()
    with pytest.raises(urllib.error.HTTPError) as refused:
        server.rpc(key, "classifyText", {"text": "hello"})
    assert refused.value.code == 401


def test_csrf_less_and_logged_out_api_calls_are_refused(page, browser, server):  # type: ignore[no-untyped-def]
    url = "/api/v1/admin/projects/default/keys"
    assert page.request.post(url, data={"name": "no-csrf"}).status == 403
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    allowed = page.request.post(url, data={"name": "with-csrf"}, headers={"X-CSRF-Token": token})
    assert allowed.status == 201
    stranger = browser.new_context(base_url=server.base)
    refused = stranger.request.post(url, data={"name": "x"}, headers={"X-CSRF-Token": token})
    assert refused.status == 401
    with_key = stranger.request.get(url, headers={"Authorization": f"Apikey {server.first_key}"})
    assert with_key.status == 401  # an API key is not an admin login
    stranger.close()


def test_webhook_test_event_failure_and_replay(page, server, receiver, shots):  # type: ignore[no-untyped-def]
    page.goto("/admin/webhooks?project=default")
    form = page.locator("form[data-api$='/webhooks']")
    form.get_by_label("URL").fill(receiver.url)
    form.get_by_label("all", exact=True).uncheck()
    form.get_by_label("flagged").check()
    form.get_by_label("User").fill(HOOK_USER)
    form.get_by_label("Password").fill(HOOK_PASSWORD)
    form.get_by_label("Description").fill("e2e receiver")
    form.get_by_role("button", name="Create webhook").click()
    assert page.locator("#new-secret").inner_text()
    page.locator("#new-webhook").get_by_role("link").click()
    page.wait_for_url("**/admin/webhooks/wh_*")

    page.get_by_role("button", name="Send test event").click()
    result = page.locator("#test-result")
    result.get_by_text("delivered").wait_for()
    assert "status 200" in result.inner_text()
    assert receiver.requests[-1]["auth_ok"]

    receiver.status = 500
    page.get_by_role("button", name="Send test event").click()
    result.get_by_text("failed").wait_for()
    assert "status 500" in result.inner_text()
    page.reload()
    failed_row = page.locator("tr.delivery[data-state='failed']")
    assert failed_row.count() == 1
    assert "receiver answered 500" in failed_row.inner_text()

    receiver.status = 200
    failed_row.get_by_role("button", name="Replay").click()
    for _ in range(50):
        page.wait_for_load_state()
        if page.locator("tr.delivery[data-state='failed']").count() == 0 and \
                page.locator("tr.delivery[data-state='delivered']").count() == 2:
            break
        time.sleep(0.2)
        page.reload()
    assert page.locator("tr.delivery[data-state='delivered']").count() == 2
    snap(page, shots, "webhook-deliveries")
    page.goto("/admin/webhooks?project=default")
    snap(page, shots, "webhooks")


def test_feedback_recorded_over_rpc_shows_on_the_feedback_page(page, server, shots):  # type: ignore[no-untyped-def]
    key = server.first_key
    assert server.rpc(key, "recordUserClassification", {
        "content": "you absolute idiot", "shouldBlock": True, "labels": {"toxic": True}},
    )["result"] == "OK"
    server.rpc(key, "recordUserClassification", {"content": "lovely weather", "shouldBlock": False})
    page.goto("/admin/feedback?project=default")
    table = page.locator("#feedback-table")
    assert table.get_by_text("you absolute idiot").is_visible()
    page.get_by_label("Text contains").fill("weather")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**q=weather*")
    assert table.get_by_text("lovely weather").is_visible()
    assert table.get_by_text("you absolute idiot").count() == 0
    table.get_by_role("button", name="Exclude").click()
    table.get_by_role("button", name="Include").wait_for()
    page.goto("/admin/feedback?project=default")
    snap(page, shots, "feedback")


def test_threshold_change_flips_the_playground_decision(page, server, shots):  # type: ignore[no-untyped-def]
    def decide(threshold: str) -> str:
        page.goto("/admin/settings?project=default")
        page.get_by_label("toxicity", exact=True).fill(threshold)
        # review must not be above reject (a pair's rule): at most the reject threshold
        page.get_by_label("toxicity review", exact=True).fill(threshold)
        page.get_by_role("button", name="Save settings").click()
        page.get_by_role("status").get_by_text("Saved").wait_for()
        page.goto("/admin/playground?project=default")
        page.get_by_label("Text").fill("you are an idiot, fuck off")
        page.get_by_role("button", name="Classify").click()
        return page.locator("[data-decision='toxicity']").inner_text()

    assert decide("0") == "flagged"
    assert page.locator("#playground-result mark").count() >= 1  # the lexicon span
    snap(page, shots, "playground")
    assert decide("1") == "ok"
    page.goto("/admin/settings?project=default")
    snap(page, shots, "settings")


def test_dashboard_and_audit_log(page, server, shots):  # type: ignore[no-untyped-def]
    page.goto("/admin/?project=default")
    assert page.get_by_role("img", name="Classifications per minute, last 24 hours").is_visible()
    assert page.get_by_role("img", name="Share flagged per label, last 24 hours").is_visible()
    snap(page, shots, "dashboard")
    page.goto("/admin/audit?project=default")
    text = page.locator("main").inner_text()
    for action in ("login", "key.create", "webhook.create", "webhook.replay", "settings.update",
                   "feedback.exclude"):
        assert action in text
    snap(page, shots, "audit")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/admin/login")
    assert page.request.get("/api/v1/admin/me").status == 401
    print(f"\nscreenshots in {shots}")
