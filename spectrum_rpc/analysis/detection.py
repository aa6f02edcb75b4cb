"""The detectors besides the labels, run over one text as a caller's options ask.

Each detector is an adapter from an engine module to plain JSON-able data, with offsets in code
points into the original text. They run in a worker thread (`Detection.run`), so a long text
does not hold up the event loop; each is built on first use, once per process, since several
load a model or dictionary of their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ..engine import pii
from .options import Options

PII_TYPES = tuple(pii.DETECTORS)
MASK_TEMPLATES = dict(pii.DEFAULT_TEMPLATES)


def _pii(text: str, options: Options, out: dict[str, Any], spans: list) -> None:
    mode = pii.Mode[options.mode("pii")]
    found: dict[str, Any] = {}
    for kind, find in pii.DETECTORS.items():
        matches = find(text, mode)
        spans.extend(matches)
        found[kind] = {
            "found": bool(matches),
            "mode": mode.name,
            "matches": [{"text": m.text, "begin": m.begin, "end": m.end} for m in matches],
        }
    out["pii"] = found


class Detection:
    """The detectors of one process; `run` is thread-safe and blocking (call it off the loop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._steps: dict[str, Callable[[str, Options, dict[str, Any], list], None]] = {
            "pii": _pii,
        }

    @property
    def available(self) -> frozenset[str]:
        """Detectors this process can run (besides the labels, which the engine scores)."""
        return frozenset(self._steps)

    def run(self, text: str, options: Options) -> dict[str, Any]:
        """Return each requested detector's output, and `masked` when anything was masked."""
        out: dict[str, Any] = {}
        spans: list[pii.Match] = []
        for name, step in self._steps.items():
            if name in options.detect:
                step(text, options, out, spans)
        if "pii" in options.detect:
            out["masked"] = pii.mask(text, spans, MASK_TEMPLATES)
        return out
