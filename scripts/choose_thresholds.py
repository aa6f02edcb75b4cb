"""Choose the default reject / review thresholds of the labels outside classifyText's three.

    .venv/bin/python scripts/choose_thresholds.py [--data-dir ../shared/data] [--rounds 200]

On development data only (the rule and the data: `spectrum_rpc/training/label_thresholds.py`):
per label, `reject` is the best F1 on a realistic share of positives, with a bootstrap interval,
or off where the data cannot support a default; `review` is REVIEW_SHARE of reject, the rule
the decided labels keep (the best F2 at or below reject, which counts recall twice, is printed
beside it). The three decided labels keep the served model's thresholds (chosen by `make
models` on pooled development data of several sources); their figures here are for comparison.
The chosen defaults live in settings.ThresholdSettings and config/default.toml.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from spectrum_rpc.analysis import REVIEW_SHARE
from spectrum_rpc.labels import DECIDED
from spectrum_rpc.settings import ThresholdSettings
from spectrum_rpc.training import data_dir
from spectrum_rpc.training import label_thresholds as T


def row(scored: T.Scored, rounds: int) -> dict:
    """Return a label's chosen pair (or off) with its development figures."""
    p, y = scored.p, scored.y
    out: dict = {"label": scored.label, "source": scored.source, "n": len(y),
                 "positives": int(y.sum())}
    if scored.label in DECIDED:  # classifyText's labels: the served default
        out.update(reject=getattr(ThresholdSettings(), scored.label).reject, rule="served")
    else:
        choice = T.choose(p, y, rounds)
        out.update(reject=choice.reject, interval=choice.interval, rule=choice.rule)
    if out["reject"] is None:
        return out
    out["review"] = round(REVIEW_SHARE * out["reject"], 4)
    out["f2_review"] = T.best_f2(p, y, out["reject"])
    for name in ("reject", "review"):
        out[name + "_prf"] = T.fbeta(p, y, out[name])
        out[name + "_f2"] = T.fbeta(p, y, out[name], 2.0)[2]
        out[name + "_rate"] = float((p >= out[name]).mean())
    return out


def table(rows: Sequence[dict]) -> list[str]:
    lines = ["| label | development source | n | positives | reject (bootstrap 95 %) | P / R / F1 "
             "at reject | review | P / R / F2 at review | flag rate reject / review | best-F2 "
             "review |", "|---" * 10 + "|"]
    for r in rows:
        start = f"| {r['label']} | {r['source']} | {r['n']} | {r['positives']} | "
        if r["reject"] is None:
            lines.append(start + f"{r['rule']} | | | | | |")
            continue
        interval = (f" ({r['interval'][0]:.2f}-{r['interval'][1]:.2f})" if r.get("interval")
                    else f" ({r['rule']})")
        p, rc, f = r["reject_prf"]
        pv, rv, _ = r["review_prf"]
        lines.append(start + f"{r['reject']:.2f}{interval} | {p:.2f} / {rc:.2f} / {f:.2f} | "
                     f"{r['review']:.4g} | {pv:.2f} / {rv:.2f} / {r['review_f2']:.2f} | "
                     f"{r['reject_rate']:.3f} / {r['review_rate']:.3f} | {r['f2_review']:.2f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--rounds", type=int, default=200, help="bootstrap rounds")
    args = parser.parse_args()
    sources, plain = T.development_scores(data_dir(args.data_dir))
    rows = [row(scored, args.rounds) for scored in sources]
    print("\n".join(table(rows)))
    n = len(next(iter(plain.values())))
    print(f"\nFlag rate on the moderation development part's {n} ordinary prompts (no "
          "category positive) at reject / review:")
    for r in rows:
        if r["reject"] is not None:
            p = plain[r["label"]]
            print(f"- {r['label']}: {(p >= r['reject']).mean():.3f} / "
                  f"{(p >= r['review']).mean():.3f}")


if __name__ == "__main__":
    main()
