"""Fine-tuning's anchor rows do not depend on the written rows (solicitation, contrast).

`dataset.load_base` appends the sexual-only solicitation rows and the toxicity-only contrast
rows to the base corpus; the seeded
anchor draw must be the same with and without them, or every label's feedback retraining would
anchor on other base texts than before they were added.
"""

from __future__ import annotations

from spectrum_rpc.training.corpus import Sample
from spectrum_rpc.training.fit import ANCHOR_ROWS, _anchors
from spectrum_rpc.training.recipe import written_samples


def test_the_anchor_draw_ignores_the_written_rows():
    real = [Sample(f"text {i}", "olid", {"toxicity": i % 2}) for i in range(ANCHOR_ROWS * 3)]
    written = written_samples(contrasts=True)
    sources = {s.source for s in written}
    assert sources == {"solicitation", "contrast"}
    with_rows = _anchors([*real, *written])
    assert with_rows == _anchors(real)
    assert len(with_rows) == ANCHOR_ROWS
    assert not any(s.source in sources for s in _anchors([*real[:10], *written]))
