"""The Settings page's flag and review rates for every label with thresholds, in headless
Chromium against a real server (its own, for this module): moderateText's sub-labels show
their rates at the saved reject and review thresholds, a label off says so, and a typed review
threshold moves only the typed review column, before saving."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import browser as e2e

pytestmark = e2e.MARKS
INSULTS = ["you are a pathetic worthless idiot", "thanks for the help"]

live_server, tab = e2e.module_fixtures("e2e-rates-labels")


def test_sub_label_rates_at_reject_and_review(tab, live_server, tmp_path):  # type: ignore[no-untyped-def]
    shots = Path(os.environ.get("SPECTRUM_RPC_E2E_SCREENSHOTS") or tmp_path)
    scores = [live_server.rpc(live_server.first_key, "moderateText", {
        "text": t, "options": {"detect": ["labels"]}})["result"]["labels"]["insult"]
        for t in INSULTS]
    n = len(INSULTS)
    tab.goto("/admin/settings?project=default")
    tab.locator("#flag-rates-basis").get_by_text(f"≈{n} texts ({n} sampled) from").wait_for()
    row = tab.locator('tr[data-rates="insult"]')
    reject = float(tab.get_by_label("insult", exact=True).input_value())
    review = float(tab.get_by_label("insult review", exact=True).input_value())
    for cell, line in ((".rate-current", reject), (".rate-current-review", review)):
        hit = sum(s >= line for s in scores)
        assert row.locator(cell).inner_text() == (
            f"{100 * hit / n:.1f} % (≈{hit} of {n} texts, {hit} of {n} sampled) at {line}")
    assert tab.locator('tr[data-rates="hate"] .rate-current').inner_text() == "off"
    # A typed review threshold: only the typed review column moves.
    tab.get_by_label("insult review", exact=True).fill("0")
    row.locator(".rate-proposed-review").get_by_text(
        f"100.0 % (≈{n} of {n} texts, {n} of {n} sampled) at 0").wait_for()
    assert row.locator(".rate-proposed").inner_text().endswith(f"at {reject}")
    assert row.locator(".rate-current-review").inner_text().endswith(f"at {review}")
    assert tab.locator("#flag-rates-error").is_hidden()
    e2e.snap(tab, shots, "settings-flag-rates-labels")
