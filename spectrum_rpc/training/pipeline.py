"""One retrain: feedback + base corpus -> candidate -> evaluation -> recorded, maybe promoted.

The store work runs on the event loop; fitting and scoring run in a worker thread, so the
server's schedule can retrain without stalling requests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from secrets import token_hex
from typing import Any

from ..engine import Engine, load_engine
from ..labels import DECIDED
from ..settings import Settings
from ..store import ModelRecord, Store
from ..versions import (
    REPORT_FILE,
    RETRAIN,
    SHIPPED,
    ModelRegistry,
    load_version,
    model_root,
    shipped_dir,
)
from . import dataset
from .dataset import FeedbackSet, feedback_set, load_base
from .evaluation import (
    Verdict,
    base_figures,
    holdout_figures,
    judge,
    log_loss_gain,
    score_tests,
    tier_figures,
)
from .fit import contradicted, fit_candidate, read_model, write_candidate
from .guards import RetrainRefused, check_key_shares, retrain_lock

log = logging.getLogger(__name__)
Log = Callable[[str], None]


@dataclass
class RetrainResult:
    """What a retrain produced and decided."""

    version: str
    promoted: bool
    verdict: Verdict
    report: dict[str, Any]
    path: str | None


def new_version(base_version: str, project: str | None) -> str:
    """Name a candidate after its base model, scope and time (unique)."""
    tag = project or "ft"
    return f"{base_version}+{tag}.{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}.{token_hex(2)}"


async def retrain(store: Store, settings: Settings, *, project: str | None = None,
                  base_data: Path | None = None, dry_run: bool = False,
                  say: Log = log.info) -> RetrainResult:
    """Build, evaluate and record a candidate for a project (None = global); promote if good."""
    registry = ModelRegistry(store, model_root(settings))
    await registry.ensure_shipped(shipped_dir(settings))
    root = await store.models.latest(SHIPPED)
    assert root is not None
    async with retrain_lock(store, settings.training.lock_ttl):
        rows = [r async for r in store.feedback.iter_all(project)]
        data = feedback_set(rows, settings.training.holdout_share)
        if not data.train:
            raise RetrainRefused("no feedback to learn from (after exclusions and the holdout)")
        check_key_shares(data.key_shares(), settings.training.max_key_share)
        current = await registry.active_for(project)
        version = new_version(root.version, project)
        staging = registry.staging_dir(version)
        try:
            verdict, report = await asyncio.to_thread(
                _build, settings, root, current, base_data, data, staging, version, project, say)
            report["decision"]["dry_run"] = dry_run
            (staging / REPORT_FILE).write_text(json.dumps(report, indent=2) + "\n")
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if dry_run:
            shutil.rmtree(staging)
            return RetrainResult(version, False, verdict, report, None)
        path = registry.publish(staging, version)
        status = "candidate passed" if verdict.promote else "rejected"
        await store.models.add(version=version, project=project, origin=RETRAIN,
                               parent=current.version, path=str(path), status=status, report=report)
        if verdict.promote:
            await registry.promote(version, project, "retrain: " + "; ".join(verdict.reasons))
        return RetrainResult(version, verdict.promote, verdict, report, str(path))


def _build(settings: Settings, root: ModelRecord, current: ModelRecord, base_data: Path | None,
           data: FeedbackSet, staging: Path, version: str, project: str | None,
           say: Log) -> tuple[Verdict, dict[str, Any]]:
    started = time.perf_counter()
    t = settings.training
    base = load_base(base_data or Path(t.base_data))
    say(f"base corpus: {base.path} ({len(base.train)} texts)" if base else
        "base corpus: none found, training on feedback alone")
    base_model = read_model(Path(root.path))
    corrections = [c.sample() for c in data.train]
    refit = contradicted(base_model.engine, corrections)
    say(f"{len(corrections)} corrections contradict base model {root.version} "
        f"on {refit or 'nothing'}")
    candidate = fit_candidate(base_model, base, corrections, refit, t.feedback_weight, say,
                              method=t.method)
    write_candidate(staging, version, base_model, candidate,
                    {"parent": current.version, "base_version": root.version, "project": project})
    thresholds = {k: getattr(settings.thresholds, k).reject for k in DECIDED}
    tests = base.tests if base else {}
    loaded = {"in_use": load_version(current), "candidate": load_engine(staging)}
    # Judged as served; the tier the candidate keeps on disk is judged either way, so switching
    # `engine.encoder` on later serves a tier the gate has passed.
    engines = loaded if settings.engine.encoder else {
        role: engine.without_encoder() for role, engine in loaded.items()}
    figures = {role: _figures(engines[role], loaded[role], data, tests, thresholds)
               for role in loaded}
    figures["candidate"]["holdout"]["log_loss_gain"] = log_loss_gain(
        engines["in_use"], engines["candidate"], data.holdout)
    verdict = judge(figures["in_use"], figures["candidate"], tolerance=t.tolerance,
                    min_gain=t.min_gain, min_holdout=t.min_holdout,
                    gain_standard_errors=t.gain_standard_errors)
    say(("PROMOTE: " if verdict.promote else "REFUSE: ") + "; ".join(verdict.reasons))
    report = {
        "version": version, "project": project, "parent": current.version,
        "base_version": root.version, "created_at": time.time(),
        "decision": {"promoted": verdict.promote, "reasons": verdict.reasons},
        "figures": figures,
        "data": {
            "feedback": {**data.counts, "train_sha256": data.content_digest("train"),
                         "holdout_sha256": data.content_digest("holdout"),
                         "key_shares": data.key_shares(),
                         "last_row_id": max((c.id for c in [*data.train, *data.holdout]),
                                            default=None)},
            "base": base.summary() if base else None,
            "rules": dataset.__doc__,
        },
        "training": {"method": t.method, "refit": candidate.refit, "skipped": candidate.skipped,
                     "new_grams": candidate.new_grams, "feedback_weight": t.feedback_weight,
                     "seconds": round(time.perf_counter() - started, 2)},
        "settings": asdict(t),
    }
    return verdict, report


def _figures(engine: Engine, tiered: Engine, data: FeedbackSet, tests: dict,
             thresholds: dict) -> dict:
    """Figures of a model as served (`engine`) and of its encoder tier (`tiered`: the model
    with its tier, served or not)."""
    scored = score_tests(engine, tests)  # once, for the ROC-AUC and, served, the tier's figures
    return {"version": engine.version,
            "holdout": holdout_figures(engine, data.holdout, thresholds),
            "base": base_figures(engine, tests, scored),
            "encoder": tier_figures(tiered, data.holdout, tests, thresholds,
                                    scored if tiered is engine else None)}
