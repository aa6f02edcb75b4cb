"""The Settings page's flag rates in headless Chromium against a real server (the server of
test_browser.py, started for this module): classifyText traffic shows as each label's flag
rate at the saved threshold, the rate at a typed threshold follows as the user types, before
saving, and becomes the saved one after. Each count is shown as the texts it estimates and the
sampled rows it rests on."""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from tests.helpers import browser as e2e

pytestmark = e2e.MARKS
TEXTS = ["have a lovely day", "you are a stupid idiot", "thanks for the help",
         "see you at the meeting"]


live_server, tab = e2e.module_fixtures("e2e-rates")


def test_flag_rates_follow_a_typed_threshold_before_saving(tab, live_server, tmp_path):  # type: ignore[no-untyped-def]
    shots = Path(os.environ.get("SPECTRUM_RPC_E2E_SCREENSHOTS") or tmp_path)
    scores = [live_server.rpc(live_server.first_key, "classifyText", {"text": t})["result"]
              ["toxicityConfidence"] for t in TEXTS]
    tab.goto("/admin/settings?project=default")
    basis = tab.locator("#flag-rates-basis")
    n = len(TEXTS)  # a handful of texts: each is its own sampled row, of weight 1
    basis.get_by_text(f"≈{n} texts ({n} sampled) from").wait_for()
    row = tab.locator('tr[data-rates="toxicity"]')
    saved = float(tab.get_by_label("toxicity", exact=True).input_value())
    flagged = sum(s >= saved for s in scores)
    current = row.locator(".rate-current")
    assert current.inner_text().startswith(
        f"{100 * flagged / n:.1f} % (≈{flagged} of {n} texts, {flagged} of {n} sampled) "
        f"at {saved}")
    # Typed, not saved: only the typed column moves.
    tab.get_by_label("toxicity", exact=True).fill("0")
    proposed = row.locator(".rate-proposed")
    proposed.get_by_text(f"100.0 % (≈{n} of {n} texts, {n} of {n} sampled) at 0").wait_for()
    assert current.inner_text().endswith(f"at {saved}")
    top = max(scores)
    tab.get_by_label("toxicity", exact=True).fill("1")
    proposed.get_by_text(f"{0 if top < 1 else 100:.1f} %").wait_for()
    # Saved: the typed threshold is now the current one (review, at most reject, with it).
    tab.get_by_label("toxicity", exact=True).fill("0")
    tab.get_by_label("toxicity review", exact=True).fill("0")
    tab.get_by_role("button", name="Save settings").click()
    tab.get_by_role("status").get_by_text("Saved at").wait_for()
    current.get_by_text(f"100.0 % (≈{n} of {n} texts, {n} of {n} sampled) at 0").wait_for()
    assert tab.locator("#flag-rates-error").is_hidden()
    e2e.snap(tab, shots, "settings-flag-rates")  # nothing sticks out at phone width


def test_estimated_counts_show_the_sampled_rows_they_rest_on(tab, live_server):  # type: ignore[no-untyped-def]
    # A busy project's kept sample, as the recorder writes it: 270 rows standing for 1,250 texts
    # (230 of weight 5 from busy intervals, 40 of weight 2.5), 30 of the heavy ones toxic.
    now = time.time()
    rows = [("busy", now - i, 0.99 if i < 30 else 0.01, 0.01, 0.01, 5.0) for i in range(230)]
    rows += [("busy", now - 300 - i, 0.01, 0.01, 0.01, 2.5) for i in range(40)]
    with closing(sqlite3.connect(live_server.db, timeout=30)) as conn, conn:
        conn.executemany("INSERT INTO recent_scores(project, at, toxicity, sexual, phishing, "
                         "weight) VALUES (?, ?, ?, ?, ?, ?)", rows)
    tab.goto("/admin/settings?project=busy")
    tab.locator("#flag-rates-basis").get_by_text("≈1,250 texts (270 sampled) from").wait_for()
    current = tab.locator('tr[data-rates="toxicity"] .rate-current')
    current.get_by_text("12.0 % (≈150 of 1,250 texts, 30 of 270 sampled) at").wait_for()
