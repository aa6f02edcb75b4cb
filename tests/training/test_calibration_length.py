"""The long texts' calibration fitted apart (`calibration.LONG_CHARS`, issue 20 part 3): the
short fit is what the weights fold, the long one is served on top of it, and with no length
(`long_chars=None`) the calibration is the single fit it was; training and serving agree on
which texts are long."""

import copy

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
    # the shipped weights served with one calibration for every length, as `calibrate` needs
    # (a copy: `load_engine` keeps the engine it returns for the next call)
    engine = copy.copy(load_engine().without_encoder())
    engine.length = None
    return engine


def test_an_engine_serving_a_long_calibration_is_refused():
    shipped = load_engine().without_encoder()
    assert shipped.length is not None
    with pytest.raises(ValueError, match="long_calibration"):
        calibrate(shipped, _development(), labels=(L.PHISHING,), priors=(300.0,),
                  log=lambda _: None)


def test_the_long_record_maps_the_folded_logit_to_the_long_fit():
    fit = Calibration(300.0, {L.PHISHING: (0.4, -1.2)}, {}, {}, 120, {L.PHISHING: (0.9, 0.3)})
    record = fit.long_record()
    assert record["chars"] == 120
    slope, shift = record["labels"][L.PHISHING]
    raw = np.linspace(-5, 5, 11)
    assert np.allclose(slope * (0.4 * raw - 1.2) + shift, 0.9 * raw + 0.3)
    assert Calibration(300.0, {L.PHISHING: (0.4, -1.2)}, {}, {}).long_record() is None
    backwards = Calibration(300.0, {L.PHISHING: (0.4, -1.2)}, {}, {}, 120,
                            {L.PHISHING: (-0.9, 0.3)})
    with pytest.raises(ValueError, match="not positive"):  # the engine would refuse the file
        backwards.long_record()


def test_long_texts_are_fitted_apart(engine, monkeypatch):
    development = _development()
    single = calibrate(engine, development, labels=(L.PHISHING,), priors=(300.0,),
                       log=lambda _: None, long_chars=None)  # one fit for every length
    # a length no text of this pool reaches: one fit too
    assert calibrate(engine, development, labels=(L.PHISHING,), priors=(300.0,),
                     log=lambda _: None, long_chars=10_000).long_record() is None
    split = calibrate(engine, development, labels=(L.PHISHING,), priors=(300.0,),
                      log=lambda _: None, long_chars=200)
    assert single.long_chars is None and single.long_record() is None
    # The switch is read when calibrate runs: a driver that sets it is obeyed.
    monkeypatch.setattr(calibration, "LONG_CHARS", 200)
    assert calibrate(engine, development, labels=(L.PHISHING,), priors=(300.0,),
                     log=lambda _: None).long_chars == 200
    monkeypatch.setattr(calibration, "LONG_CHARS", None)
    assert calibrate(engine, development, labels=(L.PHISHING,), priors=(300.0,),
                     log=lambda _: None).long_chars is None
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


def _exactly(n: int, i: int, spam: bool) -> str:
    """Return a text of exactly `n` characters (a spam or a ham opening, then ordinary words)."""
    text = (SPAM if spam else HAM)[i % 2].format(i) + FILLER * 10
    return text[:n]


def test_a_text_of_long_chars_is_short_and_one_more_is_long_in_training_and_serving(engine):
    from types import SimpleNamespace

    from spectrum_rpc.training.fit import served_map

    n = calibration.LONG_CHARS
    assert n is not None
    # training: the calibration's long fit takes the texts of n + 1 characters, not those of n
    development = {"sms_dev": [Sample(_exactly(n, i, i % 4 == 0), "sms",
                                      {L.PHISHING: int(i % 4 == 0)}) for i in range(120)],
                   "enron_dev": [Sample(_exactly(n + 1, i, i % 4 == 0), "enron",
                                        {L.PHISHING: int(i % 4 == 0)}) for i in range(80)]}
    fit = calibrate(engine, development, labels=(L.PHISHING,), priors=(300.0,),
                    log=lambda _: None)
    assert fit.long_chars == n and fit.report["long"]["texts"][L.PHISHING] == 80
    # fine-tuning (`fit.served_map`) maps the logit of the longer text only
    model = SimpleNamespace(meta={"long_calibration": {"chars": n,
                                                       "labels": {L.PHISHING: [0.9, -2.0]}}})
    slope, shift = served_map(model, L.PHISHING, [_exactly(n, 0, True), _exactly(n + 1, 0, True)])
    assert list(slope) == [1.0, 0.9] and list(shift) == [0.0, -2.0]
    # serving: the shipped model's long calibration starts at the same length
    shipped = load_engine().without_encoder()
    assert shipped.length is not None and shipped.length.chars == n
    column = shipped.labels.index(L.PHISHING)
    texts = [_exactly(n, 0, True), _exactly(n + 1, 0, True)]
    assert [len(t) for t in texts] == [n, n + 1]
    served, plain = shipped.score(texts)[:, column], engine.score(texts)[:, column]
    assert served[0] == plain[0] and served[1] != pytest.approx(plain[1])
