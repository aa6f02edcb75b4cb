"""The long texts' calibration fitted apart (`calibration.LONG_CHARS`, issue 20 part 3): the
short fit is what the weights fold, the long one is served on top of it, and with no length
given the calibration is the single fit it was."""

import numpy as np
import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.engine import load_engine
from spectrum_rpc.training import Sample, calibration
from spectrum_rpc.training.calibration import Calibration, calibrate

SPAM = ("win a free prize now, call {} to claim", "urgent: your account is locked, visit {}")
HAM = ("see you at {} tomorrow", "thanks for dinner, it was lovely, {}")
FILLER = " and here is a long stretch of ordinary words about the weekly meeting notes"


def _development() -> dict[str, list[Sample]]:
    short = [Sample(t.format(i), "sms", {L.PHISHING: int(t in SPAM)})
             for i in range(30) for t in (*SPAM, *HAM)]
    # Long texts whose spam reads weaker than the short texts' (diluted by ordinary words).
    long = [Sample(t.format(i) + FILLER * 4, "enron", {L.PHISHING: int(t in SPAM)})
            for i in range(30) for t in (*SPAM, *HAM, *HAM)]
    return {"sms_dev": short, "enron_dev": long}


@pytest.fixture(scope="module")
def engine():
    return load_engine().without_encoder()


def test_the_long_record_maps_the_folded_logit_to_the_long_fit():
    fit = Calibration(300.0, {L.PHISHING: (0.4, -1.2)}, {}, {}, 120, {L.PHISHING: (0.9, 0.3)})
    record = fit.long_record()
    assert record["chars"] == 120
    slope, shift = record["labels"][L.PHISHING]
    raw = np.linspace(-5, 5, 11)
    assert np.allclose(slope * (0.4 * raw - 1.2) + shift, 0.9 * raw + 0.3)
    assert Calibration(300.0, {L.PHISHING: (0.4, -1.2)}, {}, {}).long_record() is None


def test_long_texts_are_fitted_apart(engine, monkeypatch):
    development = _development()
    monkeypatch.setattr(calibration, "LONG_CHARS", None)  # one fit for every length
    single = calibrate(engine, development, labels=(L.PHISHING,), priors=(300.0,),
                       log=lambda _: None)
    # a length no text of this pool reaches: one fit too
    assert calibrate(engine, development, labels=(L.PHISHING,), priors=(300.0,),
                     log=lambda _: None, long_chars=10_000).long_record() is None
    split = calibrate(engine, development, labels=(L.PHISHING,), priors=(300.0,),
                      log=lambda _: None, long_chars=200)
    assert single.long_chars is None and single.long_record() is None
    assert "long" not in single.report
    assert split.long_chars == 200 and split.report["long"]["texts"][L.PHISHING] == 160  # 25 % spam
    assert split.platt[L.PHISHING] != pytest.approx(single.platt[L.PHISHING])
    assert split.long_platt[L.PHISHING] != pytest.approx(split.platt[L.PHISHING])
    # the pooled log-loss is no worse with two fits than with one (each fit is its best, up to the
    # fits' own regularisation on texts this easy)
    assert (split.report["evidence_prior_grid"]["300"]["log_loss"]
            <= single.report["evidence_prior_grid"]["300"]["log_loss"] + 1e-3)


def test_the_threshold_is_chosen_on_both_fits_probabilities(engine):
    split = calibrate(engine, _development(), labels=(L.PHISHING,), priors=(300.0,),
                      log=lambda _: None, long_chars=200)
    per_source = split.thresholds[L.PHISHING].per_source
    assert set(per_source) == {"sms_dev", "enron_dev"}
