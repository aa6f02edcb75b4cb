"""The long texts' calibration (engine.json "long_calibration", `engine.LengthCalibration`):
a listed label's logit of every unit of a text longer than N characters is mapped, every other
score is left as it is, and the worst-part rule still picks a long text's worst window."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.engine import (
    ENGINE_FILE,
    SHIPPED_MODELS,
    load_engine,
    model_files,
    write_manifest,
)

CHARS = 100
SLOPE, SHIFT = 2.0, 1.0
SENTENCE = "Thanks for the notes, see the agenda at www.example.org before we meet. "


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """The shipped files with one calibration for every length, and with a long calibration
    of their own, both without the encoder tier (its band would see the moved score)."""
    return tuple(load_engine(_model(tmp_path_factory.mktemp(name), long)).without_encoder()
                 for name, long in (("plain", None), ("long", {L.PHISHING: [SLOPE, SHIFT]})))


def _model(folder: Path, long: dict | None) -> Path:
    """Write the shipped files into `folder` with `long` as the long calibration's labels."""
    files, meta = model_files(SHIPPED_MODELS)
    for file in files:
        shutil.copyfile(SHIPPED_MODELS / file, folder / file)
    meta.pop("long_calibration", None)
    if long is not None:
        meta["long_calibration"] = {"chars": CHARS, "labels": long}
    (folder / ENGINE_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    write_manifest(folder, list(files))
    return folder


def _mapped(p: np.ndarray) -> np.ndarray:
    logit = np.log(p / (1 - p))
    return 1.0 / (1.0 + np.exp(-(SLOPE * logit + SHIFT)))


def test_short_texts_keep_their_scores(engines):
    served, long = engines
    texts = ["Win a free prize, call now", "see you at 5", "x" * CHARS]
    assert np.array_equal(served.score(texts), long.score(texts))


@pytest.mark.parametrize("repeats", [2, 30, 300])  # one unit, windows, a stream of windows
def test_long_texts_take_the_long_calibration_on_the_listed_label_only(engines, repeats):
    served, long = engines
    text = SENTENCE * repeats
    before, after = served.score([text])[0], long.score([text])[0]
    column = served.labels.index(L.PHISHING)
    assert after[column] == pytest.approx(_mapped(before[column]), rel=1e-9)
    assert after[column] != pytest.approx(before[column])
    others = [k for k in range(len(served.labels)) if k != column]
    assert np.array_equal(before[others], after[others])


def test_a_text_scores_the_same_alone_and_in_a_batch(engines):
    _, long = engines
    texts = ["hello there", SENTENCE * 2, SENTENCE * 30, "x" * (CHARS + 1), SENTENCE * 300]
    batch = long.score(texts)
    for k, text in enumerate(texts):
        assert np.array_equal(long.score([text])[0], batch[k])


@pytest.mark.parametrize("slope", [0.0, -1.0])
def test_a_slope_that_is_not_positive_is_refused_at_load(tmp_path, slope):
    # The worst window before the map is the worst after it only for an increasing map.
    with pytest.raises(ValueError, match="slope of phishing is not positive"):
        load_engine(_model(tmp_path, {L.PHISHING: [slope, SHIFT]}))
