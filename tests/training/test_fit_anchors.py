"""Fine-tuning's anchor rows do not depend on the written solicitation rows.

`dataset.load_base` appends the sexual-only solicitation rows to the base corpus; the seeded
anchor draw must be the same with and without them, or every label's feedback retraining would
anchor on other base texts than before they were added.
"""

from __future__ import annotations

from spectrum_rpc.training.corpus import Sample
from spectrum_rpc.training.fit import ANCHOR_ROWS, _anchors
from spectrum_rpc.training.solicitation import SOURCE, solicitation_samples


def test_the_anchor_draw_ignores_the_solicitation_rows():
    real = [Sample(f"text {i}", "olid", {"toxicity": i % 2}) for i in range(ANCHOR_ROWS * 3)]
    written = solicitation_samples()
    assert written and all(s.source == SOURCE for s in written)
    with_rows = _anchors([*real, *written])
    assert with_rows == _anchors(real)
    assert len(with_rows) == ANCHOR_ROWS
    assert not any(s.source == SOURCE for s in _anchors([*real[:10], *written]))
