"""The Settings page's flag rates in headless Chromium against a real server (the server of
test_browser.py, started for this module): classifyText traffic shows as each label's flag
rate at the saved threshold, the rate at a typed threshold follows as the user types, before
saving, and becomes the saved one after."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import browser as e2e

pytestmark = e2e.MARKS
TEXTS = ["have a lovely day", "you are a stupid idiot", "thanks for the help",
         "see you at the meeting"]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[e2e.Server]:  # type: ignore[no-untyped-def]
    yield from e2e.live_server(tmp_path_factory.mktemp("e2e-rates"))


@pytest.fixture(scope="module")
def tab(live_server):  # type: ignore[no-untyped-def]
    """A logged-in page."""
    with e2e.logged_in_page(live_server.base) as page:
        yield page


def test_flag_rates_follow_a_typed_threshold_before_saving(tab, live_server, tmp_path):  # type: ignore[no-untyped-def]
    shots = Path(os.environ.get("SPECTRUM_RPC_E2E_SCREENSHOTS") or tmp_path)
    scores = [live_server.rpc(live_server.first_key, "classifyText", {"text": t})["result"]
              ["toxicityConfidence"] for t in TEXTS]
    tab.goto("/admin/settings?project=default")
    basis = tab.locator("#flag-rates-basis")
    basis.get_by_text(f"{len(TEXTS)} texts from").wait_for()
    row = tab.locator('tr[data-rates="toxicity"]')
    saved = float(tab.get_by_label("toxicity", exact=True).input_value())
    flagged = sum(s >= saved for s in scores)
    current = row.locator(".rate-current")
    assert current.inner_text().startswith(
        f"{100 * flagged / len(TEXTS):.1f} % ({flagged} of {len(TEXTS)}) at {saved}")
    # Typed, not saved: only the typed column moves.
    tab.get_by_label("toxicity", exact=True).fill("0")
    proposed = row.locator(".rate-proposed")
    proposed.get_by_text(f"100.0 % ({len(TEXTS)} of {len(TEXTS)}) at 0").wait_for()
    assert current.inner_text().endswith(f"at {saved}")
    top = max(scores)
    tab.get_by_label("toxicity", exact=True).fill("1")
    proposed.get_by_text(f"{0 if top < 1 else 100:.1f} %").wait_for()
    # Saved: the typed threshold is now the current one.
    tab.get_by_label("toxicity", exact=True).fill("0")
    tab.get_by_role("button", name="Save settings").click()
    tab.get_by_role("status").get_by_text("Saved at").wait_for()
    current.get_by_text(f"100.0 % ({len(TEXTS)} of {len(TEXTS)}) at 0").wait_for()
    assert tab.locator("#flag-rates-error").is_hidden()
    e2e.snap(tab, shots, "settings-flag-rates")  # nothing sticks out at phone width
