"""Nudity scores from the raw output of NudeNet's detector (the `320n` ONNX model of the
`nudenet` package), in numpy: boxes kept, overlaps suppressed, classes mapped to three scores.

The model answers, per image, 2100 candidate boxes, each with a centre, a size and 18 class
scores. As NudeNet itself does: a box counts when its best class scores at least 0.2, and
boxes are suppressed across classes (non-maximum suppression, score above 0.25, overlap above
0.45), so one body part is one detection.

The rule (documented in the README, "Image moderation"):

- `porn`: the highest score of an EXPOSED detection of genitalia (female or male), anus, female
  breast or buttocks;
- `sexual`: the highest score of a COVERED detection of those parts (underwear, swimwear,
  tight clothing: suggestive, not explicit);
- `neutral`: 1 - max(porn, sexual).

Faces, feet, armpits, bellies and male chests, exposed or not, count for nothing: a beach photo
is not nudity. The three are not a probability distribution (they need not sum to 1); the
category is the largest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIZE = 320  # the model's input side, in pixels (square, letterboxed)
LABELS = (
    "FEMALE_GENITALIA_COVERED", "FACE_FEMALE", "BUTTOCKS_EXPOSED", "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED", "MALE_BREAST_EXPOSED", "ANUS_EXPOSED", "FEET_EXPOSED",
    "BELLY_COVERED", "FEET_COVERED", "ARMPITS_COVERED", "ARMPITS_EXPOSED", "FACE_MALE",
    "BELLY_EXPOSED", "MALE_GENITALIA_EXPOSED", "ANUS_COVERED", "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
)
EXPLICIT = frozenset({"FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "ANUS_EXPOSED",
                      "FEMALE_BREAST_EXPOSED", "BUTTOCKS_EXPOSED"})
SUGGESTIVE = frozenset({"FEMALE_GENITALIA_COVERED", "ANUS_COVERED", "FEMALE_BREAST_COVERED",
                        "BUTTOCKS_COVERED"})
MIN_SCORE = 0.2
NMS_SCORE = 0.25
NMS_OVERLAP = 0.45
PORN, SEXUAL, NEUTRAL = "porn", "sexual", "neutral"


@dataclass(frozen=True)
class Detection:
    """One body part found: its class, score and box (x, y, width, height in input pixels)."""

    label: str
    score: float
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class NudityScore:
    """An image's three scores, each 0 to 1 (see the module's rule)."""

    porn: float
    sexual: float

    @property
    def neutral(self) -> float:
        return 1.0 - max(self.porn, self.sexual)

    @property
    def nudity(self) -> float:
        """The highest of porn and sexual: what `hit` compares with the threshold."""
        return max(self.porn, self.sexual)

    @property
    def category(self) -> str:
        """The prevailing category (porn, sexual or neutral)."""
        ranked = ((self.porn, PORN), (self.sexual, SEXUAL), (self.neutral, NEUTRAL))
        return max(ranked, key=lambda pair: pair[0])[1]

    @property
    def confidence(self) -> float:
        """The prevailing category's score."""
        return max(self.porn, self.sexual, self.neutral)


NONE = NudityScore(0.0, 0.0)


def detections(output: np.ndarray) -> list[Detection]:
    """Return the detections in one image's output (shape 22 x boxes), as NudeNet keeps them."""
    rows = np.asarray(output, dtype=np.float32).T  # boxes x (cx, cy, w, h, 18 scores)
    classes = rows[:, 4:]
    best = classes.max(axis=1)
    keep = best >= MIN_SCORE
    rows, best, ids = rows[keep], best[keep], classes[keep].argmax(axis=1)
    boxes = np.stack([rows[:, 0] - rows[:, 2] / 2, rows[:, 1] - rows[:, 3] / 2,
                      rows[:, 2], rows[:, 3]], axis=1)
    return [Detection(LABELS[ids[i]], float(best[i]), tuple(float(v) for v in boxes[i]))
            for i in suppress(boxes, best)]


def suppress(boxes: np.ndarray, scores: np.ndarray) -> list[int]:
    """Return the indices kept by greedy non-maximum suppression (across classes)."""
    order = [i for i in np.argsort(-scores, kind="stable") if scores[i] > NMS_SCORE]
    kept: list[int] = []
    for i in order:
        if all(overlap(boxes[i], boxes[j]) <= NMS_OVERLAP for j in kept):
            kept.append(int(i))
    return kept


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Return the intersection over union of two (x, y, width, height) boxes."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    inter = max(width, 0.0) * max(height, 0.0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


def score(found: list[Detection]) -> NudityScore:
    """Return an image's scores from its detections (the module's rule)."""
    porn = max((d.score for d in found if d.label in EXPLICIT), default=0.0)
    sexual = max((d.score for d in found if d.label in SUGGESTIVE), default=0.0)
    return NudityScore(porn, sexual)


def worst(scores: list[NudityScore]) -> NudityScore:
    """Return the scores of several frames or images together: the highest of each."""
    return NudityScore(max((s.porn for s in scores), default=0.0),
                       max((s.sexual for s in scores), default=0.0))


def sample(count: int, wanted: int) -> list[int]:
    """Return up to `wanted` frame indices spread evenly over `count`, first and last included."""
    if count <= wanted:
        return list(range(count))
    if wanted == 1:
        return [0]
    return sorted({round(i * (count - 1) / (wanted - 1)) for i in range(wanted)})
