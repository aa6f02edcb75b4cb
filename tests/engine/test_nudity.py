"""engine/nudity.py: NudeNet's raw output read into detections (threshold, cross-class
suppression) and the documented porn / sexual / neutral rule."""

from __future__ import annotations

import numpy as np
import pytest

from spectrum_rpc.engine import nudity


def output(*boxes: tuple[str, float, tuple[float, float, float, float]]) -> np.ndarray:
    """Return one image's raw output (22 x 2100) with the given boxes (label, score, cx/cy/w/h)."""
    raw = np.zeros((22, 2100), dtype=np.float32)
    for i, (label, score, box) in enumerate(boxes):
        raw[:4, i] = box
        raw[4 + nudity.LABELS.index(label), i] = score
    return raw


def test_the_rule_maps_exposed_parts_to_porn_and_covered_ones_to_sexual():
    found = nudity.detections(output(
        ("FEMALE_BREAST_EXPOSED", 0.8, (100, 100, 40, 40)),
        ("BUTTOCKS_COVERED", 0.6, (200, 200, 40, 40)),
        ("FACE_FEMALE", 0.9, (50, 50, 30, 30)),
        ("BELLY_EXPOSED", 0.95, (250, 100, 40, 40))))
    score = nudity.score(found)
    assert score.porn == pytest.approx(0.8) and score.sexual == pytest.approx(0.6)
    assert score.neutral == pytest.approx(0.2)
    assert (score.category, score.confidence) == ("porn", pytest.approx(0.8))


def test_faces_bellies_and_feet_count_for_nothing():
    score = nudity.score(nudity.detections(output(
        ("FACE_MALE", 0.9, (50, 50, 30, 30)), ("FEET_EXPOSED", 0.9, (150, 250, 30, 30)),
        ("MALE_BREAST_EXPOSED", 0.9, (150, 100, 60, 60)))))
    assert score == nudity.NONE and score.category == "neutral" and score.confidence == 1.0


def test_weak_boxes_are_dropped_and_overlaps_suppressed_across_classes():
    found = nudity.detections(output(
        ("ANUS_EXPOSED", 0.22, (10, 10, 20, 20)),  # kept by NudeNet's 0.2, not above NMS's 0.25
        ("FEMALE_GENITALIA_COVERED", 0.7, (160, 160, 50, 50)),
        ("FEMALE_GENITALIA_EXPOSED", 0.5, (162, 161, 50, 50))))  # the same place: suppressed
    assert [(d.label, round(d.score, 2)) for d in found] == [("FEMALE_GENITALIA_COVERED", 0.7)]
    assert nudity.score(found) == nudity.NudityScore(0.0, pytest.approx(0.7))


def test_several_frames_or_images_take_the_highest_of_each():
    worst = nudity.worst([nudity.NudityScore(0.1, 0.7), nudity.NudityScore(0.6, 0.2)])
    assert worst == nudity.NudityScore(0.6, 0.7) and worst.category == "sexual"
    assert nudity.worst([]) == nudity.NONE


@pytest.mark.parametrize(("count", "wanted", "expected"), [
    (1, 8, [0]), (5, 8, [0, 1, 2, 3, 4]), (12, 4, [0, 4, 7, 11]), (100, 1, [0]),
    (100, 3, [0, 50, 99]),
])
def test_frames_are_sampled_evenly_first_and_last_included(count, wanted, expected):
    assert nudity.sample(count, wanted) == expected
