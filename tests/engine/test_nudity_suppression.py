"""Non-maximum suppression: the same boxes kept as the greedy box-by-box rule, and linear numpy
steps per kept box, so that the model's worst output (2100 boxes, none overlapping) costs a
frame little (a GIF's sampled frames are each scored)."""

from __future__ import annotations

import numpy as np

from spectrum_rpc.engine import nudity

BOXES = 2100  # the model's candidates per frame (40 x 40 + 20 x 20 + 10 x 10)


def greedy(boxes: np.ndarray, scores: np.ndarray) -> list[int]:
    """The rule written out box by box (NudeNet's: cv2.dnn.NMSBoxes)."""
    def iou(a, b):  # type: ignore[no-untyped-def]
        width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
        height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
        inter = max(width, 0.0) * max(height, 0.0)
        union = a[2] * a[3] + b[2] * b[3] - inter
        return inter / union if union > 0 else 0.0

    kept: list[int] = []
    for i in np.argsort(-scores, kind="stable"):
        if scores[i] > nudity.NMS_SCORE and all(iou(boxes[i], boxes[j]) <= nudity.NMS_OVERLAP
                                                for j in kept):
            kept.append(int(i))
    return kept


def test_the_boxes_kept_are_the_greedy_rules():
    rng = np.random.default_rng(7)
    for _ in range(20):
        count = int(rng.integers(0, 300))
        corners = rng.uniform(0, 300, (count, 2))
        sizes = rng.uniform(0, 60, (count, 2))
        sizes[rng.random(count) < 0.05] = 0.0  # empty boxes: a union of nothing
        boxes = np.concatenate([corners, sizes], axis=1).astype(np.float32)
        scores = rng.choice([0.2, 0.3, 0.5, 0.9], count).astype(np.float32)  # ties too
        assert nudity.suppress(boxes, scores) == greedy(boxes, scores)


def output(rng: np.random.Generator) -> np.ndarray:
    """Return a frame's model output (22 x boxes) where every box is kept: small, apart."""
    grid = np.stack(np.meshgrid(np.arange(50), np.arange(42)), axis=-1).reshape(-1, 2)[:BOXES]
    rows = np.zeros((BOXES, 22), dtype=np.float32)
    rows[:, :2] = grid * 6.0 + 3.0  # centres 6 pixels apart
    rows[:, 2:4] = 2.0
    rows[np.arange(BOXES), 4 + rng.integers(0, 18, BOXES)] = rng.uniform(0.3, 0.9, BOXES)
    return rows.T


def test_a_gifs_frames_of_the_worst_output_are_all_read():
    # Eight sampled frames of 2100 boxes each took 160 s box by box (over the suite's 120 s
    # timeout); every box is its own detection.
    rng = np.random.default_rng(3)
    for _ in range(8):
        found = nudity.detections(output(rng))
        assert len(found) == BOXES
