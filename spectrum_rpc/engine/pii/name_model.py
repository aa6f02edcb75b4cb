"""The person-name tagger: tokens with offsets, hashed per-token features, a linear-chain CRF.

Every feature describes ONE token at ONE relative position (-2 .. +2) around the token being
scored, so a token's contribution at each position is a small (5, n_tags) table computed once per
distinct token string and cached; a text's per-token tag scores are then a few dict look-ups and
five shifted numpy additions. With tag-to-tag transition weights (a CRF) the probabilities are the
chain's marginals (forward-backward), computed only over the stretches of tokens that are not
plainly outside any name; without them, a per-token softmax. Training
(`spectrum_rpc/training/names.py`) uses exactly these functions.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from ..manifest import ModelIntegrityError, sha256

# Tokens, in order of preference: URLs and e-mails whole, hashtags whole, clitics split off
# ("John's" -> "John" "'s", as the Broad Twitter Corpus splits them), words (O'Neill, Jean-Luc,
# matt_levinson stay whole), then punctuation one character (or one run of it) at a time, so an
# @mention is "@" followed by the handle.
TOKEN = re.compile(
    r"https?://\S+|www\.\S+"
    r"|[\w.+-]{1,64}+@[\w-]++(?:\.[\w-]++)+"  # bounded, possessive: "a.a.a.a..." stays linear
    r"|#\w+"
    r"|(?i:['’](?:s|m|re|ve|ll|d|t)\b)"
    r"|\w+(?:[-'’](?!(?i:s|m|re|ve|ll|d|t)\b)\w+)*"
    r"|([^\w\s])\1*"
)
OFFSETS = (-2, -1, 0, 1, 2)
BANDS = 5  # facts per lexicon word
BOS, EOS = "<s>", "</s>"
TITLES = frozenset(
    "mr mrs ms miss mx dr prof sir madam dame lord lady mister missus rev fr".split()
)
_CACHE_LIMIT = 200_000
# Forward-backward looks this many tokens each way (a power of two): exact for shorter texts.
HORIZON = 32
TRANSITION_SPAN = 20.0  # training refuses a CRF whose transitions span more (see `marginals`)
NOT_NAMES = frozenset({"url", "email", "at", "punct", "num", "pad"})
NAMEABLE, CUE_END, AT = 1, 2, 4  # token flags
_OPENERS = frozenset({BOS, ".", "!", "?", ":", '"', "“", "…", "...", "RT"})


def tokenize(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Return an iterator of (begin, end) code-point offsets of the tokens of `text[start:end]`."""
    return map(re.Match.span, TOKEN.finditer(text, start, len(text) if end is None else end))


@functools.lru_cache(maxsize=1 << 16)
def kind(token: str) -> str:
    """Return the token's kind: url, email, hashtag, at, punct, num or word."""
    if token in (BOS, EOS) or not token:
        return "pad"
    first = token[0]
    if first == "h" and token.startswith(("http://", "https://")) or token.startswith("www."):
        return "url"
    if first == "#" and len(token) > 1:
        return "hashtag"
    if first == "@" and len(token) == 1:
        return "at"
    if "@" in token:
        return "email"
    if not (first.isalnum() or first == "_"):
        return "punct"
    if token.isdigit():
        return "num"
    return "word"


def casing(token: str) -> str:
    """Return the token's case class: title, upper, lower, camel, digit or other."""
    letters = [c for c in token if c.isalpha()]
    if not letters:
        return "digit" if any(c.isdigit() for c in token) else "other"
    if all(c.isupper() for c in letters):
        return "upper" if len(letters) > 1 else "title"
    if all(c.islower() for c in letters):
        return "lower"
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return "title"
    return "camel"


def capitalised(token: str) -> bool:
    """Tell whether a token starts with a capital letter (a hashtag: after its `#`)."""
    return token[1:2].isupper() if token[:1] == "#" else token[:1].isupper()


def shape(token: str) -> str:
    """Return the collapsed character-class shape: `Albus` -> `Xx`, `mc2` -> `xd`."""
    out: list[str] = []
    for c in token:
        s = "X" if c.isupper() else "x" if c.isalpha() else "d" if c.isdigit() else c
        if not out or out[-1] != s:
            out.append(s)
    return "".join(out[:6])


class Lexicons:
    """Per-word facts from name lists and unlabelled text, keyed by the lower-cased word."""

    def __init__(self, entries: dict[str, tuple[int, int, int, int, int]]):
        # (first-name band, last-name band, frequency band, capitalised-ratio band, word cluster);
        # 0 = unknown
        self.entries = entries

    def get(self, lower: str) -> tuple[int, int, int, int, int]:
        return self.entries.get(lower, (0, 0, 0, 0, 0))


# Pair features join a token with a neighbour: the previous word's identity with this token's
# case ("morning Ward", "@user Kent") and this token's case with the next word's identity ("Ward
# said"). A word outside the model's context vocabulary counts as one "other" word (index 0).
CASES = ("pad", "punct", "url", "email", "at", "num", "title", "upper", "lower", "camel",
         "digit", "other", "#title", "#upper", "#lower", "#camel", "#digit", "#other")
_CASE_CODE = {c: i for i, c in enumerate(CASES)}


def context_key(token: str) -> str:
    """Return the identity of a token as a neighbour: a word lower-cased (digits as 0), a
    punctuation or pad token itself (4 characters), else its kind."""
    k = kind(token)
    if k in ("pad", "punct", "at"):
        return token[:4]
    if k in ("word", "hashtag"):
        return _word_key(token.lower())
    return k


def case_code(token: str) -> int:
    """Return the token's index in `CASES`: its kind, or a word's (hashtag's) casing."""
    k = kind(token)
    if k == "word":
        return _CASE_CODE[casing(token)]
    if k == "hashtag":
        return _CASE_CODE["#" + casing(token[1:])]
    return _CASE_CODE[k]


def pair_keys(token: str, vocabulary: dict[str, int]) -> tuple[int, int, int, int]:
    """Return a token's four pair-table keys: as the left word (its vocabulary index times the
    number of cases), as the cased token of a left pair, as the cased token of a right pair
    (offset past every left pair), as the right word. A left pair's row is the sum of the
    first key of the previous token and the second of this one; a right pair's the sum of the
    third of this token and the fourth of the next one."""
    word = vocabulary.get(context_key(token), 0)
    case = case_code(token)
    width = len(vocabulary) + 1
    return word * len(CASES), case, width * len(CASES) + case * width, word


def pair_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the pair-table rows (left pairs, right pairs) of the tokens between two tokens of
    context each way, from their `pair_keys` (shape (n + 4, 4))."""
    n = len(keys) - 4
    return keys[1:n + 1, 0] + keys[2:n + 2, 1], keys[2:n + 2, 2] + keys[3:n + 3, 3]


def pair_table_size(vocabulary: dict[str, int]) -> int:
    return 2 * (len(vocabulary) + 1) * len(CASES)


def _word_key(lower: str) -> str:
    return re.sub(r"\d", "0", lower)


def token_features(token: str, lexicons: Lexicons) -> tuple[list[str], list[str], list[str]]:
    """Return the token's features as the centre, as a near neighbour and as a far neighbour."""
    k = kind(token)
    if k in ("pad", "punct", "url", "email", "at", "num"):
        ident = token if k in ("pad", "punct", "at") else k
        base = [f"k={k}", f"w={ident[:4]}"]
        return base, base, base[1:]
    body = token[1:] if k == "hashtag" else token
    lower = body.lower()
    case = casing(body)
    gf, gl, fq, cr, cl = lexicons.get(lower)
    word = _word_key(lower)
    centre = [
        f"k={k}", f"w={word}", f"c={case}", f"s={shape(body)}", f"n={min(len(body), 9)}",
        f"p1={lower[:1]}", f"p2={lower[:2]}", f"p3={lower[:3]}",
        f"x2={lower[-2:]}", f"x3={lower[-3:]}", f"x4={lower[-4:]}",
        f"g={gf},{gl}", f"gf={gf}", f"gl={gl}", f"f={fq}", f"r={cr}",
        f"c|g={case},{gf},{gl}", f"c|r={case},{cr}", f"c|f={case},{fq}", f"g|r={gf},{gl},{cr}",
        f"c|g|r={case},{min(gf, 1)},{min(gl, 1)},{cr}", f"k|c={k},{case}",
        f"cl={cl}", f"c|cl={case},{cl}",
    ]
    if k == "hashtag":
        centre.extend(_hashtag_features(body, lexicons))
    if "_" in body:
        centre.append("has_")
    if any(c.isdigit() for c in body):
        centre.append(f"digit|c={case}")
    near = [f"k={k}", f"w={word}", f"c={case}", f"g={min(gf, 1)},{min(gl, 1)}", f"c|r={case},{cr}",
            f"c|f={case},{min(fq, 4)}", f"cl={cl}"]
    if lower in TITLES:
        near.append("title")
    far = [f"w={word}", f"c={case}"]
    return centre, near, far


_CAMEL = re.compile(r"[A-Z][a-z]+|[A-Z]+(?![a-z])|[a-z]+|\d+")


def _hashtag_features(body: str, lexicons: Lexicons) -> list[str]:
    """Census facts of a camel-case hashtag's parts: #AlanPardew looks like First Last."""
    parts = _CAMEL.findall(body)[:4]
    facts = [lexicons.get(p.lower()) for p in parts]
    out = [f"hp={len(parts)}"]
    if any(f[0] for f in facts):
        out.append("h_first")
    if any(f[1] for f in facts):
        out.append("h_last")
    if any(a[0] and b[1] for a, b in zip(facts, facts[1:], strict=False)):
        out.append("h_first_last")
    return out


def hashed(features: Iterable[str], offset: int, n_buckets: int) -> list[int]:
    """Hash features at a relative offset into `n_buckets` (a power of two) columns."""
    mask = n_buckets - 1
    return [zlib.crc32(f"{offset}{f}".encode()) & mask for f in features]


def token_columns(token: str, lexicons: Lexicons, n_buckets: int) -> list[list[int]]:
    """Return the hashed columns of a token at each relative offset (-2 .. +2)."""
    centre, near, far = token_features(token, lexicons)
    by_offset = {-2: far, -1: near, 0: centre, 1: near, 2: far}
    return [hashed(by_offset[d], d, n_buckets) for d in OFFSETS]


class NameModel:
    """Score tokens: P(tag) for each token from its own and its neighbours' features.

    Each distinct token string gets an id; its (5, n_tags) table and its flags live in arrays
    indexed by id, so scoring a block is one dict look-up per token and numpy gathers."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, tags: Sequence[str],
                 lexicons: Lexicons, settings: dict[str, float],
                 transitions: np.ndarray | None = None, pairs: np.ndarray | None = None,
                 pair_words: Sequence[str] = ()):
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.tags = tuple(tags)
        # transitions[i, j]: the weight of tag j right after tag i (None: independent tokens)
        self.transitions = None if transitions is None else np.asarray(transitions, np.float64)
        # exp(transitions), shifted as `marginals` shifts them, for `_short_chain`
        self._steps = None if transitions is None else _steps(self.transitions)
        self.lexicons = lexicons
        self.settings = settings
        # pair features (see `pair_keys`): the context vocabulary (index 1..) and the weight
        # table, shape (pair_table_size, n_tags); none: no pair features
        self.pair_words = tuple(pair_words)
        self.vocabulary = {w: i for i, w in enumerate(self.pair_words, 1)}
        self.pairs = None if pairs is None else np.asarray(pairs, dtype=np.float32)
        self.n_buckets = int(self.weights.shape[0])
        # P(person) and P(begins a person) from P(tag): one matrix product (sums of 0/1 weights)
        self._o_b_i = self.tags == ("O", "B-PER", "I-PER")
        self._person_begin = np.array([[t.endswith("PER"), t == "B-PER"] for t in self.tags],
                                      dtype=np.float64)
        self._reset()

    def _reset(self) -> None:
        self._ids: dict[str, int] = {}
        self._tables = np.zeros((1024, len(OFFSETS), len(self.tags)), dtype=np.float32)
        self._flags = np.zeros(1024, dtype=np.uint8)
        self._keys = np.zeros((1024, 4), dtype=np.int64)

    def _new_id(self, token: str) -> int:
        i = len(self._ids)
        if i == len(self._flags):
            self._tables = np.concatenate([self._tables, np.zeros_like(self._tables)])
            self._flags = np.concatenate([self._flags, np.zeros_like(self._flags)])
            self._keys = np.concatenate([self._keys, np.zeros_like(self._keys)])
        cols = token_columns(token, self.lexicons, self.n_buckets)
        self._tables[i] = [self.weights[c].sum(axis=0) for c in cols]
        nameable = kind(token) not in NOT_NAMES
        cue_end = token.lower().replace("’", "'") in _CUE_ENDS
        self._flags[i] = nameable * NAMEABLE | cue_end * CUE_END | (token == "@") * AT
        if self.pairs is not None:
            self._keys[i] = pair_keys(token, self.vocabulary)
        self._ids[token] = i
        return i

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        """Return the ids of tokens (new ones get their tables computed)."""
        if len(self._ids) + len(tokens) > _CACHE_LIMIT:
            self._reset()  # bounded memory on texts with millions of distinct tokens
        get, new = self._ids.get, self._new_id
        return np.array([i if (i := get(t)) is not None else new(t) for t in tokens],
                        dtype=np.int64)

    def rows(self, token: str) -> np.ndarray:
        """Return the token's (5, n_tags) contribution at each relative offset."""
        return self._tables[self.ids([token])[0]]

    def flags(self, ids: np.ndarray) -> np.ndarray:
        """Return the NAMEABLE / CUE_END / AT bits of tokens by id."""
        return self._flags[ids]

    def probabilities(self, tokens: Sequence[str], left: Sequence[str] = (BOS, BOS),
                      right: Sequence[str] = (EOS, EOS)) -> np.ndarray:
        """Return P(tag) of each token, shape (len(tokens), n_tags), given two tokens of context."""
        return self._probabilities(self.ids([*left[-2:], *tokens, *right[:2]]))

    def _scores(self, ids: np.ndarray) -> np.ndarray:
        """Return the tag scores of the tokens between two tokens of context each way."""
        n = len(ids) - 4
        table = self._tables[ids]
        # The token k places left of a scored token's right-most neighbour sits at offset k - 2:
        # the scored tokens' rows are table[i + k, k], read through one strided view.
        s0, s1, s2 = table.strides
        window = np.ndarray((n, len(OFFSETS), len(self.tags)), table.dtype, table, 0,
                            (s0, s0 + s1, s2))
        scores = window.sum(axis=1) + self.bias
        if self.pairs is not None:
            left, right = pair_rows(self._keys[ids])
            scores += self.pairs[left]
            scores += self.pairs[right]
        return scores

    def _person(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`person(_probabilities(ids))`, straight from the short chain where it applies."""
        n = len(ids) - 4
        if 0 < n <= HORIZON and self.transitions is not None and self._o_b_i:
            return _short_chain(self._scores(ids), self._steps, tags_o_b_i=True)
        return self.person(self._probabilities(ids))

    def _probabilities(self, ids: np.ndarray) -> np.ndarray:
        n = len(ids) - 4
        if n <= 0:
            return np.zeros((0, len(self.tags)), dtype=np.float32)
        scores = self._scores(ids)
        if self.transitions is not None:
            if n <= HORIZON and len(self.tags) == 3:
                return _short_chain(scores, self._steps)
            return doubled_marginals(scores, self.transitions)
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def person(self, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (P(person), P(begins a person)) per token from `probabilities`."""
        both = probs @ self._person_begin.astype(probs.dtype, copy=False)
        return both[:, 0], both[:, 1]

    def person_scores(self, tokens: Sequence[str], left: Sequence[str] = (BOS, BOS),
                      right: Sequence[str] = (EOS, EOS)) -> tuple[np.ndarray, np.ndarray]:
        """Return (P(person), P(begin)) per token, self-introductions raised (`introduced`)."""
        p, b, _ = self.scores(tokens, left, right)
        return p, b

    def scores(self, tokens: Sequence[str], left: Sequence[str] = (BOS, BOS),
               right: Sequence[str] = (EOS, EOS)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return P(person), P(begin) and the flags of each token (see `person_scores`)."""
        ids = self.ids([*left[-2:], *tokens, *right[:2]])
        p, b = self._person(ids)
        flags = self._flags[ids]
        floor = self.settings.get("threshold_NORMAL")
        cue_ends = (flags[1:len(tokens) + 1] & CUE_END).nonzero()[0]  # token i - 1 ends a cue
        if floor is not None and len(cue_ends):
            for i, n in introduced(tokens, left, self.lexicons, cue_ends.tolist()):
                p[i:i + n] = np.maximum(p[i:i + n], floor)
                b[i] = max(b[i], p[i])
                b[i + 1:i + n] = np.minimum(b[i + 1:i + n], 0.0)
        return p, b, flags[2:len(tokens) + 2]


def marginals(scores: np.ndarray, transitions: np.ndarray) -> np.ndarray:
    """Return P(tag) of each token under a linear-chain CRF, shape of `scores`.

    Up to `HORIZON` tokens with three tags (the shipped model), the exact forward-backward one
    token at a time in Python floats (`_short_chain`): on a short text numpy's cost per call,
    not the arithmetic, is what counts. Otherwise by doubling (`doubled_marginals`)."""
    if len(scores) <= HORIZON and scores.shape[1] == 3:
        return _short_chain(scores, _steps(transitions))
    return doubled_marginals(scores, transitions)


def _steps(transitions: np.ndarray) -> tuple[tuple[float, ...], ...]:
    return tuple(map(tuple, np.exp(transitions - transitions.max()).tolist()))


def _short_chain(scores: np.ndarray, steps: tuple[tuple[float, ...], ...],
                 tags_o_b_i: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """The textbook forward-backward for three tags; `steps` is exp(transitions - their max).
    Returns P(tag) per token, or with `tags_o_b_i` (tags O, B-PER, I-PER) straight away
    (P(person), P(begin)) = (P(B) + P(I), P(B)) per token, as `NameModel.person` would.

    Every factor is at most 1 and a step shrinks a vector by at most exp(-TRANSITION_SPAN), so a
    vector is rescaled only once its sum falls under `_RESCALE` (far above float64's underflow)."""
    psi = np.exp(scores - scores.max(axis=1, keepdims=True), dtype=np.float64).tolist()
    (e00, e01, e02), (e10, e11, e12), (e20, e21, e22) = steps
    a0, a1, a2 = psi[0]
    alpha = [psi[0]]
    for p0, p1, p2 in psi[1:]:
        a0, a1, a2 = (p0 * (a0 * e00 + a1 * e10 + a2 * e20),
                      p1 * (a0 * e01 + a1 * e11 + a2 * e21),
                      p2 * (a0 * e02 + a1 * e12 + a2 * e22))
        if a0 + a1 + a2 < _RESCALE:
            s = 1.0 / (a0 + a1 + a2)
            a0, a1, a2 = a0 * s, a1 * s, a2 * s
        alpha.append((a0, a1, a2))
    b0 = b1 = b2 = 1.0
    out: list[tuple[float, float, float]] = []
    person: list[float] = []
    begin: list[float] = []
    for (p0, p1, p2), (a0, a1, a2) in zip(reversed(psi), reversed(alpha), strict=True):
        x0, x1, x2 = a0 * b0, a1 * b1, a2 * b2
        s = 1.0 / (x0 + x1 + x2)
        if tags_o_b_i:
            person.append((x1 + x2) * s)
            begin.append(x1 * s)
        else:
            out.append((x0 * s, x1 * s, x2 * s))
        w0, w1, w2 = b0 * p0, b1 * p1, b2 * p2
        b0, b1, b2 = (e00 * w0 + e01 * w1 + e02 * w2, e10 * w0 + e11 * w1 + e12 * w2,
                      e20 * w0 + e21 * w1 + e22 * w2)
        if b0 + b1 + b2 < _RESCALE:
            s = 1.0 / (b0 + b1 + b2)
            b0, b1, b2 = b0 * s, b1 * s, b2 * s
    if tags_o_b_i:
        return np.array(person[::-1]), np.array(begin[::-1])
    out.reverse()
    return np.array(out)


_RESCALE = 1e-100


def doubled_marginals(scores: np.ndarray, transitions: np.ndarray) -> np.ndarray:
    """Return P(tag) of each token under a linear-chain CRF, shape of `scores`.

    Forward-backward by doubling: with M_t the matrix from the tag at t - 1 to the tag at t
    (transition times token t's own score), the products M_{t-w+1} .. M_t over windows of w tokens
    are built in log2(w) batched matrix products (no Python loop over tokens). The forward
    vector at t is the column sums of the window ending at t, the backward vector the row sums of
    the window ending at t + w (the text is padded with w identity matrices). Exact for texts of
    up to `HORIZON` tokens; longer ones look `HORIZON` tokens each way (the chain forgets far
    sooner). Scale: every factor is at most 1 (scores and transitions shifted by their maxima) and
    the products of 16 tokens are rescaled once, so with transitions spanning less than
    `TRANSITION_SPAN` nats nothing comes near float64's underflow."""
    n, k = scores.shape
    window = min(HORIZON, 1 << max(n - 1, 1).bit_length())
    psi = np.exp(scores - scores.max(axis=1, keepdims=True), dtype=np.float64)
    prod = np.empty((n + window, k, k))
    prod[:n] = np.exp(transitions - transitions.max()) * psi[:, None, :]
    prod[0] = psi[0]  # the first token has no predecessor: every row alike
    prod[n:] = np.eye(k)
    shift = 1
    while shift < window:
        prod[shift:] = prod[:-shift] @ prod[shift:]
        shift *= 2
        if shift == 16:  # windows of 16 tokens: bring each product's largest entry back to 1
            prod /= prod.reshape(-1, k * k).max(axis=1)[:, None, None]
    alpha, beta = prod[:n].sum(axis=1), prod[window:].sum(axis=2)
    p = (alpha / alpha.max(axis=1, keepdims=True)) * (beta / beta.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


# "my name is albus dumbledore": up to three name-like words after such a cue are a name, whatever
# the model says (tweets rarely introduce people so; comments and chats do). After a weak cue
# ("I'm ...") the first word must also be a census first name: "I'm Canadian" is no name.
_CUES = (("my", "name", "is"), ("name", "is"), ("my", "name", "'s"), ("call", "me"),
         ("called",), ("named",))
_WEAK_CUES = (("i", "am"), ("i", "'m"), ("im",), ("this", "is"))
_CUE_ENDS: dict[str, list[tuple[str, ...]]] = {}
for _cue in (*_CUES, *_WEAK_CUES):
    _CUE_ENDS.setdefault(_cue[-1], []).append(_cue)


def introduced(tokens: Sequence[str], left: Sequence[str], lexicons: Lexicons,
               candidates: Iterable[int] | None = None) -> Iterator[tuple[int, int]]:
    """Yield (start, length) of name-like words right after a self-introduction cue
    (only at `candidates`, the positions whose previous token may end a cue, when given)."""
    context = (*left[-2:], *tokens)
    shift = len(context) - len(tokens)
    for i in range(len(tokens)) if candidates is None else candidates:
        j = i + shift
        cues = _CUE_ENDS.get(context[j - 1].lower().replace("’", "'"))
        if not cues:
            continue
        before = tuple(t.lower().replace("’", "'") for t in context[max(0, j - 3):j])
        strong = any(before[-len(c):] == c for c in cues if c in _CUES)
        if not strong and (not any(before[-len(c):] == c for c in cues)
                           or lexicons.get(tokens[i].lower())[0] == 0):
            continue
        n = 0
        while n < 3 and i + n < len(tokens) and name_like(tokens[i + n], lexicons):
            n += 1
        if n:
            yield i, n


def name_like(token: str, lexicons: Lexicons) -> bool:
    """A word that is mostly capitalised in running text, or rare and not a known lower word."""
    if kind(token) != "word" or any(c.isdigit() for c in token):
        return False
    _, _, freq, ratio, _ = lexicons.get(token.lower())
    return ratio >= 4 or (ratio == 0 and freq <= 4)


def sentence_initial(previous: str) -> bool:
    """Tell whether a token after `previous` opens a sentence (capitals there mean little)."""
    return previous in _OPENERS


def save(path: Path, weights: np.ndarray, bias: np.ndarray, tags: Sequence[str],
         lexicons: Lexicons, settings: dict[str, float], meta: str,
         transitions: np.ndarray | None = None, pairs: np.ndarray | None = None,
         pair_words: Sequence[str] = ()) -> None:
    """Write the model as numeric arrays only (no pickle)."""
    words = sorted(lexicons.entries)
    bands = np.array([lexicons.entries[w] for w in words], dtype=np.int16).reshape(-1, BANDS)
    keys = sorted(settings)
    np.savez_compressed(
        path,
        weights=weights.astype(np.float16),
        bias=bias.astype(np.float32),
        tags=np.frombuffer("\n".join(tags).encode(), dtype=np.uint8),
        words=np.frombuffer("\n".join(words).encode(), dtype=np.uint8),
        bands=bands,
        setting_names=np.frombuffer("\n".join(keys).encode(), dtype=np.uint8),
        setting_values=np.array([settings[k] for k in keys], dtype=np.float64),
        meta=np.frombuffer(meta.encode(), dtype=np.uint8),
        **({} if pairs is None else {
            "pairs": pairs.astype(np.float16),
            "pair_words": np.frombuffer("\n".join(pair_words).encode(), dtype=np.uint8)}),
        **({} if transitions is None else {"transitions": transitions.astype(np.float64)}),
    )


def load(path: Path, expected_sha256: str | None = None) -> NameModel:
    """Load a model written by `save`; refuse it if its SHA-256 differs from the expected one."""
    if expected_sha256 is not None and sha256(path) != expected_sha256:
        raise ModelIntegrityError(
            f"model file {path} fails its SHA-256 check: refusing to load a modified model"
        )
    with np.load(path, allow_pickle=False) as z:
        text = {k: bytes(z[k]).decode() for k in ("tags", "words", "setting_names")}
        words = text["words"].split("\n") if text["words"] else []
        bands = z["bands"].astype(int).tolist()
        entries = {w: tuple(b) for w, b in zip(words, bands, strict=True)}
        settings = dict(zip(text["setting_names"].split("\n"),
                            z["setting_values"].tolist(), strict=True))
        transitions = z["transitions"] if "transitions" in z.files else None
        pairs, pair_words = None, ()
        if "pairs" in z.files:
            pairs = z["pairs"]
            pair_words = bytes(z["pair_words"]).decode().split("\n")
        return NameModel(z["weights"], z["bias"], text["tags"].split("\n"),
                         Lexicons(entries), settings, transitions, pairs,
                         pair_words)


def meta_of(path: Path) -> str:
    """Return the JSON description stored with the model."""
    with np.load(path, allow_pickle=False) as z:
        return bytes(z["meta"]).decode()
