"""Our preprocessing and post-processing (Pillow and numpy) against NudeNet's own (OpenCV), on
the same images: the same pixels to within rounding, the same detections to within 0.02."""

from __future__ import annotations

import pytest

from spectrum_rpc.media import detector
from spectrum_rpc.media.decode import decode
from spectrum_rpc.settings import ImageSettings
from tests.helpers.images import gif, grace_hopper, jpeg

nudenet = pytest.importorskip("nudenet", reason="the `images` extra is not installed "
                              "(pip install 'spectrum-rpc[images]')")
pytest.importorskip("cv2", reason="NudeNet's own preprocessing needs OpenCV (its dependency)")


def images() -> list[bytes]:
    found = [jpeg((640, 480)), jpeg((300, 900)), jpeg((3000, 2000))]
    hopper = grace_hopper()
    return found + ([hopper] if hopper is not None else [])


@pytest.fixture(scope="module")
def both():  # type: ignore[no-untyped-def]
    return detector.load(), nudenet.NudeDetector()


def test_the_pixels_fed_to_the_model_are_nudenets():
    from nudenet.nudenet import _read_image

    for data in images():
        ours = decode(data, ImageSettings()).pixels[0]
        theirs = _read_image(data)[0][0]
        assert ours.shape == theirs.shape == (3, 320, 320)
        assert abs(ours - theirs).max() <= 1.01 / 255  # OpenCV's fixed-point rounding


def test_the_detections_are_nudenets(both):
    ours, theirs = both
    hopper = grace_hopper()
    if hopper is None:
        pytest.skip("matplotlib's sample photograph (grace_hopper.jpg) is not installed")
    [found] = ours.detect(decode(hopper, ImageSettings()).pixels)
    expected = theirs.detect(hopper)
    assert [d.label for d in found] == [d["class"] for d in expected] == ["FACE_FEMALE"]
    assert found[0].score == pytest.approx(expected[0]["score"], abs=0.02)
    # A face is no nudity: the score's rule ignores it.
    [score] = ours.score(decode(hopper, ImageSettings()).pixels)
    assert (score.porn, score.sexual, score.category) == (0.0, 0.0, "neutral")


def test_every_sampled_gif_frame_is_scored(both):
    ours, _ = both
    frames = decode(gif(frames=20), ImageSettings(sample_frames=5))
    assert frames.frames == 20 and frames.pixels.shape == (5, 3, 320, 320)
    assert len(ours.score(frames.pixels)) == 5
