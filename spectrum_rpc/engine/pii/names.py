"""Person names in three detection modes, with first / middle / last components.

Rules (thresholds are P(person) per token, chosen on the Broad Twitter Corpus dev split by
`scripts/train_names.py` and stored in the model; see the model card):
- NORMAL: tokens with P >= `threshold_NORMAL` form names, and a name's first and last tokens must
  start with a capital letter (`Albus Dumbledore`, not `albus dumbledore`).
- SUSPICIOUS: any casing (`my name is albus dumbledore`), tokens with P >= `threshold_SUSPICIOUS`.
- PARANOID: any casing, any plausible name token: P >= `threshold_PARANOID`.
A token is never part of a name when it is an @mention ("@" and the handle right after it: that is
a username) or a URL / e-mail. Tiers run NORMAL first; a higher tier adds only names that overlap
none found lower, so a mode finds every name of the lower modes at the same offsets, and each
match carries the lowest mode that finds it.

Components: a name of several tokens is first (its first token), last (its last token, with a
lower-case particle such as `van`/`de` before it) and middle (the rest). A single-token name is a
last name after a title (`Mr.`, `Mrs.`, `Dr.` ...), else a first name. Requested components that
are adjacent in the text come back as one match (`Percival Dumbledore` for middle + last).
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..modes import Mode
from . import name_model
from .match import Match
from .name_model import NameModel

MODEL_FILE = "names.npz"
MANIFEST_FILE = "names_manifest.json"
MODEL_DIR = Path(__file__).resolve().parents[2] / "models"
COMPONENTS = ("first", "middle", "last")
PARTICLES = frozenset("van von de der den da di del della du la le al bin ibn ter ten st".split())
_BLOCK = 2048  # tokens scored at once: bounded memory on texts of any length
_TIERS = {mode: tuple(m for m in Mode if m <= mode) for mode in Mode}
_THRESHOLD = {mode: f"threshold_{mode.name}" for mode in Mode}


@dataclass(frozen=True, slots=True)
class _Name:
    tokens: tuple[tuple[int, int], ...]
    strings: tuple[str, ...]
    previous: tuple[str, str]  # the two tokens before the name
    min_p: float


@functools.lru_cache(maxsize=1)
def default_model() -> NameModel:
    """Load the shipped model once, checked against its SHA-256 manifest."""
    return load_model(MODEL_DIR)


def load_model(model_dir: Path) -> NameModel:
    """Load `names.npz` from a directory, refusing it unless it matches `names_manifest.json`."""
    manifest = model_dir / MANIFEST_FILE
    try:
        expected = json.loads(manifest.read_text())["sha256"][MODEL_FILE]
    except (OSError, ValueError, KeyError) as exc:
        raise name_model.ModelIntegrityError(f"cannot read {manifest}: {exc}") from exc
    return name_model.load(model_dir / MODEL_FILE, expected_sha256=expected)


def find(text: str, mode: Mode, components: Sequence[str] = COMPONENTS, *,
         model: NameModel | None = None) -> list[Match]:
    """Return the person names of `text` that `mode` detects, split into the asked components."""
    wanted = COMPONENTS
    if components is not COMPONENTS:
        wanted = tuple(c for c in COMPONENTS if c in components)
        unknown = set(components) - set(COMPONENTS)
        if unknown:
            raise ValueError(f"unknown name components: {sorted(unknown)}")
    model = model or default_model()
    matches: list[Match] = []
    for name, tier in tiered_names(text, mode, model):
        matches.extend(_component_matches(text, name, wanted, tier))
    return matches


def tiered_names(text: str, mode: Mode, model: NameModel) -> list[tuple[_Name, Mode]]:
    """Return (name, lowest mode that finds it) in text order, for every tier up to `mode`.

    A higher tier adds only names that overlap none found by a lower one, so a mode finds every
    name of the lower modes at the same offsets (as `match.merge_tiers` does for the others)."""
    if mode is Mode.NORMAL and text.islower():
        return []  # NORMAL keeps capitalised names only, and no letter here is a capital
    tiers = _TIERS[mode]
    decoders = {m: _Decoder(model.settings[_THRESHOLD[m]], m is Mode.NORMAL) for m in tiers}
    found: dict[Mode, list[_Name]] = {m: [] for m in tiers}
    for block, last in _scored_blocks(text, model):
        for m in tiers:
            found[m].extend(decoders[m].feed(block, last))
    kept = [(name, Mode.NORMAL) for name in found[Mode.NORMAL]]
    for m in tiers[1:]:
        kept = _merge(kept, found[m], m)
    return kept


def _merge(kept: list[tuple[_Name, Mode]], extra: list[_Name],
           tier: Mode) -> list[tuple[_Name, Mode]]:
    out: list[tuple[_Name, Mode]] = []
    i = 0
    for name in extra:
        begin, end = name.tokens[0][0], name.tokens[-1][1]
        while i < len(kept) and kept[i][0].tokens[-1][1] <= begin:
            out.append(kept[i])
            i += 1
        if i < len(kept) and kept[i][0].tokens[0][0] < end:
            continue  # overlaps a name a lower tier found: that one stays
        out.append((name, tier))
    out.extend(kept[i:])
    return out


def _capitalised(name: _Name) -> bool:
    return name_model.capitalised(name.strings[0]) and name_model.capitalised(name.strings[-1])


class _Decoder:
    """Runs of person tokens at a threshold; a run open at a block's end continues in the next."""

    def __init__(self, threshold: float, capitalised_only: bool):
        self.threshold = threshold
        self.capitalised_only = capitalised_only
        self.current: list[tuple] = []

    def feed(self, block: tuple, last: bool) -> list[_Name]:
        offsets, tokens, p, b, before = block
        out: list[_Name] = []
        expected = 0  # the index that would continue the open run
        for i in (p >= self.threshold).nonzero()[0].tolist():
            if self.current and (i != expected or 2 * b[i] > p[i]):
                out.append(_name_of(self.current))
                self.current = []
            self.current.append((offsets[i], tokens[i], float(p[i]), (before[i], before[i + 1])))
            expected = i + 1
        if self.current and (last or expected != len(tokens)):
            out.append(_name_of(self.current))
            self.current = []
        if self.capitalised_only:
            out = [name for name in out if _capitalised(name)]
        return out


def _name_of(items: list[tuple]) -> _Name:
    return _Name(
        tokens=tuple(i[0] for i in items),
        strings=tuple(i[1] for i in items),
        previous=items[0][3],
        min_p=min(i[2] for i in items),
    )


def _scored_blocks(text: str, model: NameModel) -> Iterator[tuple[tuple, bool]]:
    """Yield blocks of (offsets, tokens, P(person), P(begin), tokens from two before), last?"""
    spans = name_model.tokenize(text)
    left = [name_model.BOS, name_model.BOS]
    block = _take(spans, _BLOCK)
    while block:
        following = _take(spans, _BLOCK) if len(block) == _BLOCK else []
        tokens = [text[b:e] for b, e in block]
        right = [text[b:e] for b, e in following[:2]] + [name_model.EOS, name_model.EOS]
        p, b, flags = model.scores(tokens, left, right)
        p = p * _name_mask(block, flags, left[-1], text)
        before = [*left, *tokens]
        yield (block, tokens, p, b, before), not following
        left = before[-2:]
        block = following


def _take(it: Iterator[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    return list(itertools.islice(it, n))


def _name_mask(block: list[tuple[int, int]], flags: np.ndarray, before: str,
               text: str) -> np.ndarray:
    """Return 0 for tokens that can never be part of a name (mentions, URLs, punctuation)."""
    mask = (flags & name_model.NAMEABLE).astype(np.float64)
    after_at = (flags[:-1] & name_model.AT).nonzero()[0] + 1
    if before == "@":
        after_at = np.concatenate([[0], after_at])
    for i in after_at.tolist():
        begin = block[i][0]
        if begin > 0 and text[begin - 1] == "@":
            mask[i] = 0.0  # the handle of an @mention: a username, not a name
    return mask


def _roles(name: _Name) -> list[str]:
    n = len(name.strings)
    if n == 1:
        return ["last" if _after_title(name.previous) else "first"]
    roles = ["first"] + ["middle"] * (n - 2) + ["last"]
    # A lower-case particle right before the surname belongs to it: Ludwig [van Beethoven].
    i = n - 2
    while i > 0 and name.strings[i].lower() in PARTICLES and name.strings[i].islower():
        roles[i] = "last"
        i -= 1
    return roles


def _after_title(previous: tuple[str, str]) -> bool:
    word = previous[0] if previous[1] == "." else previous[1]
    return word.lower() in name_model.TITLES


def _component_matches(text: str, name: _Name, wanted: tuple[str, ...],
                       mode: Mode) -> list[Match]:
    roles = _roles(name)
    whole = set(roles) <= set(wanted)
    out: list[Match] = []
    run: list[int] = []
    for i, role in enumerate([*roles, None]):
        if role is not None and role in wanted:
            run.append(i)
            continue
        if run:
            begin, end = name.tokens[run[0]][0], name.tokens[run[-1]][1]
            parts = list(dict.fromkeys(roles[j] for j in run))
            component = None if whole else "+".join(parts)
            out.append(Match("name", text[begin:end], begin, end, mode, component))
            run = []
    return out
