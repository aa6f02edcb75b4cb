"""NudeNet's detector (the `320n` ONNX model inside the `nudenet` wheel), run with onnxruntime.

Both come with the optional `images` extra (`pip install 'spectrum-rpc[images]'`). The model
file is read from the installed package: nothing is downloaded, and the `nudenet` module itself
is never imported (it would import OpenCV, which this server does not need).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from ..engine import nudity
from .errors import UNSUPPORTED, MediaError

MODEL_FILE = "320n.onnx"
INSTALL = "pip install 'spectrum-rpc[images]'"


def model_path() -> Path:
    """Return the path of NudeNet's model file; raise MediaError when it is not installed."""
    spec = importlib.util.find_spec("nudenet")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / MODEL_FILE
        if path.is_file():
            return path
    raise MediaError(UNSUPPORTED, "Image moderation needs the optional `images` extra, which "
                     f"is not installed on this server ({INSTALL}).")


class Detector:
    """Score letterboxed frames; one session, shared by the threads that call `score`."""

    def __init__(self, path: Path):
        try:
            import onnxruntime
        except ImportError:
            raise MediaError(UNSUPPORTED, "Image moderation needs onnxruntime, which is not "
                             f"installed on this server ({INSTALL}).") from None
        options = onnxruntime.SessionOptions()
        # One thread per run: concurrency comes from images.concurrency runs at once, and the
        # text engine keeps its cores.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        # No memory arena: it keeps the largest batch's buffers for good (measured in
        # docs/BENCHMARKS.md, "Image moderation").
        options.enable_cpu_mem_arena = False
        self.session = onnxruntime.InferenceSession(str(path), options,
                                                    providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name

    def score(self, pixels: np.ndarray) -> list[nudity.NudityScore]:
        """Return each frame's scores (pixels: frames x 3 x 320 x 320)."""
        output = self.session.run(None, {self.input: pixels.astype(np.float32)})[0]
        return [nudity.score(nudity.detections(frame)) for frame in output]

    def detect(self, pixels: np.ndarray) -> list[list[nudity.Detection]]:
        """Return each frame's detections (what `score` reads)."""
        output = self.session.run(None, {self.input: pixels.astype(np.float32)})[0]
        return [nudity.detections(frame) for frame in output]


def load() -> Detector:
    """Return the detector; raise MediaError (unsupported) without the `images` extra."""
    return Detector(model_path())
