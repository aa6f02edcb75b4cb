"""`spectrum-rpc retrain`: build a candidate from feedback, evaluate it, promote it if it passes.

Exit status: 0 promoted (or, with --dry-run, would be), 3 built but refused by the gate,
1 refused before training (lock held, key share, no feedback).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..training import RetrainRefused
from .common import settings_from, with_store

PROMOTED, REFUSED, GATED = 0, 1, 3


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    cmd = sub.add_parser("retrain", parents=[common], help="retrain from recorded feedback",
                         description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cmd.add_argument("--project", help="train this project's own model (default: the global one)")
    cmd.add_argument("--base-data", metavar="DIR", help="base corpus (default: training.base_data)")
    cmd.add_argument("--dry-run", action="store_true", help="evaluate but record nothing")
    cmd.add_argument("--json", action="store_true", help="print the full report as JSON")
    cmd.set_defaults(run=run_retrain)


def run_retrain(args: argparse.Namespace) -> int:
    from ..training import retrain  # imports scikit-learn: only for this command

    settings = settings_from(args)
    base = Path(args.base_data) if args.base_data else None

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        result = with_store(settings, lambda store: retrain(
            store, settings, project=args.project, base_data=base, dry_run=args.dry_run, say=say))
    except RetrainRefused as exc:
        print(f"spectrum-rpc: retrain refused: {exc}", file=sys.stderr)
        return REFUSED
    if args.json:
        print(json.dumps({"path": result.path, **result.report}, indent=2))
    else:
        print_summary(result.report, result.path)
    return PROMOTED if result.verdict.promote else GATED


def print_summary(report: dict, path: str | None) -> None:
    """Print the decision and the figures of both models."""
    decision = report["decision"]
    verb = "would promote" if decision["dry_run"] else "promoted"
    outcome = verb if decision["promoted"] else "not promoted"
    print(f"{report['version']}: {outcome}" + (f" ({path})" if path else " (dry run, not kept)"))
    for reason in decision["reasons"]:
        print(f"  - {reason}")
    for role, figures in report["figures"].items():
        held = figures["holdout"]
        nan = float("nan")
        line = (f"  {role:<9} {figures['version']}: holdout log-loss "
                f"{held.get('log_loss', nan):.4f}, F1 {held.get('f1', nan):.4f}")
        aucs = [f"{name}/{label} {auc:.4f}" for name, per in figures["base"].items()
                for label, auc in per.items()]
        print(line + ("; ROC-AUC " + ", ".join(aucs) if aucs else ""))
