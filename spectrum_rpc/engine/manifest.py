"""SHA-256 manifest of a model directory: written at training, checked before loading."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

MANIFEST = "manifest.json"


class ModelIntegrityError(RuntimeError):
    """A model file is missing, unlisted or does not match its recorded SHA-256."""


def sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(model_dir: Path, names: Iterable[str]) -> Path:
    """Record the SHA-256 of each named file in `model_dir/manifest.json`."""
    files = {name: sha256(model_dir / name) for name in sorted(names)}
    path = model_dir / MANIFEST
    path.write_text(json.dumps({"sha256": files}, indent=2) + "\n")
    return path


def verify_manifest(model_dir: Path, required: Iterable[str]) -> dict[str, str]:
    """Check every required file against the manifest; raise ModelIntegrityError otherwise."""
    path = model_dir / MANIFEST
    try:
        recorded: dict[str, str] = json.loads(path.read_text())["sha256"]
    except (OSError, ValueError, KeyError) as exc:
        raise ModelIntegrityError(f"cannot read model manifest {path}: {exc}") from exc
    for name in required:
        if name not in recorded:
            raise ModelIntegrityError(f"model file {name} is not listed in {path}")
        target = model_dir / name
        if not target.is_file():
            raise ModelIntegrityError(f"model file {target} is missing")
        actual = sha256(target)
        if actual != recorded[name]:
            raise ModelIntegrityError(
                f"model file {target} fails its SHA-256 check (expected {recorded[name]}, "
                f"got {actual}): refusing to load a modified model"
            )
    return recorded
