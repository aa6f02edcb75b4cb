"""Fine-tuning learns the score serving gives: for a text longer than the long calibration's
length, the label's logit z is served as sigmoid(slope * z + shift) (engine.json
"long_calibration"), so fine-tuning fits that and not sigmoid(z); shorter texts are fitted as
before."""

from __future__ import annotations

import numpy as np
import pytest

from spectrum_rpc.engine import load_engine

pytestmark = pytest.mark.slow  # every test fits a candidate model

LONG = {"chars": 400, "labels": {"phishing": [0.934, -2.33]}}  # the shipped map, about


def _corrections(padding: int) -> list:
    from tests.helpers.training import padded_corrections

    return padded_corrections("phishing", padding)


def _fit(tmp_path, long: dict | None, fixes: list, name: str, weight: float = 1.0):
    from spectrum_rpc.training.dataset import load_base
    from spectrum_rpc.training.fit import fit_candidate, read_model, write_candidate
    from tests.helpers.training import write_base, write_model

    base_dir = tmp_path / "base"
    if not base_dir.exists():
        write_base(base_dir)
        write_model(tmp_path / "model", base_dir)
    model = read_model(tmp_path / "model")
    if long is not None:
        model.meta["long_calibration"] = long
    candidate = fit_candidate(model, load_base(base_dir), fixes, ["phishing"], weight,
                              lambda _: None, method="finetune")
    write_candidate(tmp_path / name, "tiny-2", model, candidate, {})
    return candidate, load_engine(tmp_path / name)


def test_long_corrections_are_learnt_as_served(tmp_path):
    """Corrections of about 550 characters, weighing 10 (at weight 1 the spam word, one gram
    among some hundred of small talk, is too faint to move past the L2 pull either way):
    fitting sigmoid(z) instead of the served score left 4 of the 40 spam corrections served at
    0.5 or more (mean 0.30), so the moderators' corrections were under-learnt."""
    fixes = _corrections(padding=80)
    assert min(len(s.text) for s in fixes) > LONG["chars"]
    _, after = _fit(tmp_path, LONG, fixes, "candidate", weight=10.0)
    assert after.length is not None  # the candidate serves the long map
    served = after.score([s.text for s in fixes])[:, after.labels.index("phishing")]
    assert (served[:40] >= 0.5).all(), served[:40]  # the spam corrections
    assert (served[40:] < 0.5).all(), served[40:]


def test_short_rows_are_fitted_as_without_a_long_calibration(tmp_path):
    """The base texts and these corrections are all short: the long map changes nothing of
    the fit, to the bit."""
    fixes = _corrections(padding=2)
    assert max(len(s.text) for s in fixes) <= LONG["chars"]
    plain, _ = _fit(tmp_path, None, fixes, "plain")
    mapped, _ = _fit(tmp_path, LONG, fixes, "mapped")
    assert np.array_equal(plain.fitted["phishing"].weights, mapped.fitted["phishing"].weights)
    assert plain.fitted["phishing"].bias == mapped.fitted["phishing"].bias


def test_short_rows_beside_long_ones_are_fitted_as_without_a_map():
    """With some rows long, `served` is set for all: the short rows' slope 1 and shift 0 must
    leave the fit exactly as without a map, and a single long row must move it."""
    import scipy.sparse as sp

    from spectrum_rpc.training.fit import finetune

    rng = np.random.default_rng(7)
    x = sp.csr_matrix(rng.random((60, 12)) * (rng.random((60, 12)) < 0.3))
    y = (rng.random(60) < 0.4).astype(float)
    w, w0 = np.ones(60), rng.normal(size=12) * 0.1
    plain = finetune(x, y, w, w0, -0.2)
    identity = finetune(x, y, w, w0, -0.2, served=(np.ones(60), np.zeros(60)))
    assert np.array_equal(plain[0], identity[0]) and plain[1] == identity[1]
    slope, shift = np.ones(60), np.zeros(60)
    slope[0], shift[0] = 0.934, -2.33  # one long row
    moved = finetune(x, y, w, w0, -0.2, served=(slope, shift))
    assert not np.array_equal(plain[0], moved[0])
