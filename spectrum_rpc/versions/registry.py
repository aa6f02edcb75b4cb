"""Model versions: directories under the model root, one row each in the store.

The shipped model (the engine's default, or `engine.model_dir`) is copied in and recorded as
the first global version on first use. A project's active model falls back to the global one.
A package that ships a new model records it but never activates it by itself: hosts of one
fleet may run two packages during a rolling upgrade, and an older host must not be handed a
model its code cannot read. While the global model differs from the shipped one, each start
warns that the default thresholds fit the shipped model (`models promote` activates it).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import shutil
from pathlib import Path

from ..engine import MANIFEST, SHIPPED_MODELS, Engine, load_engine, model_files
from ..settings import Settings
from ..store import GLOBAL, ModelRecord, Store, is_url

REPORT_FILE = "training.json"
SHIPPED = "shipped"
RETRAIN = "retrain"
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]")
INITIAL = "initial shipped model"

log = logging.getLogger(__name__)


class ModelNotFound(LookupError):
    """No model version by that name, or no active model for a scope."""


class ModelCopyError(RuntimeError):
    """A model cannot be copied into the model root (a full disk, no permission).

    The message is one line, fit to show as it is; nothing half-copied is left behind.
    """


def model_root(settings: Settings) -> Path:
    """Return the model root: training.model_root, else `models/` next to the database.

    On PostgreSQL (no database file) the default is `var/models`; processes on several hosts
    must set training.model_root to storage they share.
    """
    if settings.training.model_root:
        return Path(settings.training.model_root)
    if is_url(settings.store.path):
        return Path("var/models").resolve()
    return Path(settings.store.path).resolve().parent / "models"


def shipped_dir(settings: Settings) -> Path:
    """Return the directory of the shipped (initial global) model."""
    return Path(settings.engine.model_dir) if settings.engine.model_dir else SHIPPED_MODELS


def scope_of(project: str | None) -> str:
    """Return the store scope of a project (None = global)."""
    return project or GLOBAL


class ModelRegistry:
    """Record, find, load and activate model versions."""

    def __init__(self, store: Store, root: Path):
        self.store = store
        self.root = root

    async def ensure_shipped(self, source: Path) -> ModelRecord:
        """Record the shipped model if this version is new; make it global if nothing is."""
        _, meta = model_files(source)  # verified before anything is recorded
        version = meta["version"]
        record = await self.store.models.get(version)
        if record is None:
            path = await asyncio.to_thread(self._copy_in, source, version)
            await self.store.models.add(version=version, project=None, origin=SHIPPED,
                                        parent=None, path=str(path), status=SHIPPED,
                                        report={"source": str(source)})
            record = await self.store.models.get(version)
            assert record is not None
        elif not Path(record.path).is_dir():  # model root wiped: the package still has it
            await asyncio.to_thread(self._copy_in, source, version)
        active = (await self.store.models.active()).get(GLOBAL)
        if active is None:
            await self.store.models.activate(GLOBAL, version, INITIAL)
            return record
        in_use = await self.store.models.get(active) if active != version else None
        if in_use is not None and in_use.origin == SHIPPED:
            # An older (or newer) package's model; a retrained one is the admin's own. Versions
            # only: nothing user-written reaches the log.
            log.warning("the global model is %s, not this package's shipped model %s, whose"
                        " default thresholds are in use: `models promote %s` once every host"
                        " runs this package, or set the thresholds", active, version, version)
        return record

    def _copy_in(self, source: Path, version: str) -> Path:
        target = self.dir_for(version)
        if target.is_dir():
            return target
        names = (*model_files(source)[0], MANIFEST)
        staging: Path | None = None
        try:
            staging = self.staging_dir(version)
            for name in names:
                shutil.copy2(source / name, staging / name)
            return self.publish(staging, version)
        except OSError as exc:
            # A partial copy would hold the disk's last bytes for good: remove it first.
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            if target.is_dir():  # another process copied it in first
                return target
            needed = sum((source / name).stat().st_size for name in names)
            raise ModelCopyError(
                f"cannot copy the model {version} into {self.root}: {exc.strerror or exc}"
                f" (it needs {_megabytes(needed)}, {_megabytes(_free(self.root))} free)"
            ) from exc

    def dir_for(self, version: str) -> Path:
        """Return where a version's files live."""
        return self.root / _UNSAFE.sub("_", version)

    def staging_dir(self, version: str) -> Path:
        """Return a fresh directory to write a version into before `publish`."""
        path = self.root / f".staging-{_UNSAFE.sub('_', version)}-{secrets.token_hex(4)}"
        path.mkdir(parents=True)
        return path

    def publish(self, staging: Path, version: str) -> Path:
        """Move a fully written staging directory to its final place (atomic rename)."""
        target = self.dir_for(version)
        staging.rename(target)
        return target

    async def get(self, version: str) -> ModelRecord:
        """Return a recorded version or raise ModelNotFound."""
        record = await self.store.models.get(version)
        if record is None:
            raise ModelNotFound(f"no model version {version!r}")
        return record

    async def active_for(self, project: str | None) -> ModelRecord:
        """Return the model serving `project` (its own, else the global one)."""
        active = await self.store.models.active()
        version = active.get(scope_of(project)) or active.get(GLOBAL)
        if version is None:
            raise ModelNotFound("no active global model: run the server or `models list` once")
        return await self.get(version)

    async def promote(self, version: str, project: str | None, reason: str) -> str | None:
        """Activate a recorded version for a project (or globally); return the one replaced."""
        record = await self.get(version)
        if record.project is not None and record.project != project:
            raise ModelNotFound(f"model {version} belongs to project {record.project!r}")
        return await self.store.models.activate(scope_of(project), version, reason)


def _free(folder: Path) -> int:
    """Return the bytes free for us on the disk holding `folder` (or its nearest parent)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return shutil.disk_usage(folder).free


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def load_version(record: ModelRecord) -> Engine:
    """Load and verify a recorded version's engine; refuse a directory holding another version."""
    engine = load_engine(Path(record.path))
    if engine.version != record.version:
        raise ModelNotFound(f"{record.path} holds model {engine.version}, not {record.version}")
    return engine
