"""Evaluate the personal-data detectors on presidio-research's generated sentences.

Precision, recall and F1 at entity level, per type and per mode, next to Presidio's own pattern
recognizers (presidio-analyzer, no spaCy model: each recognizer is built directly and called with
`nlp_artifacts=None`). Two matching rules: exact (same begin and end) and overlap (a prediction
counts if it overlaps a gold entity of its type; a gold entity is found if a prediction overlaps
it). `--compare-address` adds the address candidates usaddress and pyap. `--generated` scores both
systems instead on a set generated at run time (scripts/pii_generated.py: seeded sentences with
`faker` values, and look-alikes that must not be found), large enough for 95% intervals
of each type's precision and recall (Wilson) and F1 (bootstrap over rows).

    pip install -e '.[evaluate]'
    python scripts/evaluate_pii.py --data-dir ../shared/data [--compare-address]
    python scripts/evaluate_pii.py --generated [--seed 16] [--per-kind 240]

Gold entity types map to ours as in GOLD_TYPES. Presidio annotates an address as several pieces
(ADDRESS for the street, number and postcode, LOCATION for the city and country); pieces separated
only by spaces, commas and line breaks are joined into one address, and a LOCATION that touches no
ADDRESS (a city or a country named alone) is no postal address: predictions over it are ignored,
neither right nor wrong. Every other gold type (PERSON, ORGANIZATION, DATE_TIME, ...) is not ours
to find, so a prediction over it is a false positive.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spectrum_rpc.engine.pii import DETECTORS, Mode

GOLD_TYPES = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "DOMAIN_NAME": "url",
    "URL": "url",
    "CREDIT_CARD": "credit_debit_number",
    "IBAN_CODE": "iban",
    "US_SSN": "ssn",
    "IP_ADDRESS": "ip_address",
    "ADDRESS": "address",
}
# The rows of the table: our types, with sensitive numbers split by component.
KINDS = ("email", "phone", "url", "address", "username", "credit_debit_number", "iban", "ssn",
         "ip_address")
_JOINABLE_GAP = re.compile(r"[\s,]*")

Span = tuple[int, int]


@dataclass
class Row:
    """One sentence: its text, gold spans per kind, and spans to ignore per kind."""

    text: str
    gold: dict[str, set[Span]] = field(default_factory=dict)
    ignored: dict[str, set[Span]] = field(default_factory=dict)


@dataclass
class Score:
    """Counts for one (kind, system) under both matching rules."""

    predicted: int = 0
    gold: int = 0
    exact: int = 0
    overlap_predicted: int = 0  # predictions overlapping a gold entity
    overlap_gold: int = 0  # gold entities overlapped by a prediction

    def add(self, predicted: set[Span], gold: set[Span], ignored: set[Span]) -> None:
        """Count one row."""
        counts = row_counts(predicted, gold, ignored)
        self.predicted += counts[0]
        self.gold += counts[1]
        self.exact += counts[2]
        self.overlap_predicted += counts[3]
        self.overlap_gold += counts[4]

    def exact_prf(self) -> tuple[float, float, float]:
        """Precision, recall, F1 with exact span matches."""
        return _prf(self.exact, self.predicted, self.exact, self.gold)

    def overlap_prf(self) -> tuple[float, float, float]:
        """Precision, recall, F1 with overlapping spans."""
        return _prf(self.overlap_predicted, self.predicted, self.overlap_gold, self.gold)


def row_counts(predicted: set[Span], gold: set[Span],
               ignored: set[Span]) -> tuple[int, int, int, int, int]:
    """Predicted, gold, exact, overlap_predicted and overlap_gold counts of one row."""
    predicted = {p for p in predicted if p in gold or not any(_overlaps(p, i) for i in ignored)}
    return (len(predicted), len(gold), len(predicted & gold),
            sum(any(_overlaps(p, g) for g in gold) for p in predicted),
            sum(any(_overlaps(p, g) for p in predicted) for g in gold))


def _prf(tp_p: int, predicted: int, tp_g: int, gold: int) -> tuple[float, float, float]:
    precision = tp_p / predicted if predicted else float("nan")
    recall = tp_g / gold if gold else float("nan")
    f1 = (2 * precision * recall / (precision + recall)
          if predicted and gold and precision + recall else float("nan"))
    return precision, recall, f1


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def load_rows(path: Path) -> list[Row]:
    """Read the generated sentences and map their gold spans to our kinds."""
    rows = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        row = Row(item["full_text"])
        places = []
        for span in item["spans"]:
            begin, end, kind = span["start_position"], span["end_position"], span["entity_type"]
            if kind in ("ADDRESS", "LOCATION"):
                places.append((begin, end, kind))
            elif kind in GOLD_TYPES:
                row.gold.setdefault(GOLD_TYPES[kind], set()).add((begin, end))
        for begin, end, kinds in _joined(row.text, places):
            target = row.gold if "ADDRESS" in kinds else row.ignored
            target.setdefault("address", set()).add((begin, end))
        rows.append(row)
    return rows


def _joined(text: str, places: list[tuple[int, int, str]]) -> list[tuple[int, int, set[str]]]:
    """Join address pieces separated only by spaces, commas and line breaks."""
    joined: list[tuple[int, int, set[str]]] = []
    for begin, end, kind in sorted(places):
        if joined and _JOINABLE_GAP.fullmatch(text[joined[-1][1]:begin]):
            last = joined[-1]
            joined[-1] = (last[0], max(last[1], end), last[2] | {kind})
        else:
            joined.append((begin, end, {kind}))
    return joined


System = Callable[[str], dict[str, set[Span]]]


def ours(mode: Mode) -> System:
    """Our detectors at `mode`, sensitive numbers split by component."""
    def detect(text: str) -> dict[str, set[Span]]:
        found: dict[str, set[Span]] = {}
        for kind, finder in DETECTORS.items():
            for match in finder(text, mode):
                key = match.component if kind == "sensitive" else kind
                found.setdefault(key or kind, set()).add((match.begin, match.end))
        return found
    return detect


def presidio() -> System:
    """Presidio's pattern recognizers, each called on its own, without an NLP engine."""
    # tldextract (in the email and url recognizers) tries the network, then uses its snapshot.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        UrlRecognizer,
        UsSsnRecognizer,
    )

    recognizers = {"email": EmailRecognizer(), "phone": PhoneRecognizer(), "url": UrlRecognizer(),
                   "credit_debit_number": CreditCardRecognizer(), "iban": IbanRecognizer(),
                   "ssn": UsSsnRecognizer(), "ip_address": IpRecognizer()}

    def detect(text: str) -> dict[str, set[Span]]:
        found: dict[str, set[Span]] = {}
        for kind, recognizer in recognizers.items():
            results = recognizer.analyze(text, recognizer.supported_entities, nlp_artifacts=None)
            found[kind] = {(r.start, r.end) for r in results or ()}
        return found
    return detect


def pyap_addresses() -> System:
    """pyap's US, Canadian and British address finders."""
    import pyap

    def detect(text: str) -> dict[str, set[Span]]:
        spans = set()
        for country in ("US", "CA", "GB"):
            for found in pyap.parse(text, country=country):
                spans.add((found.match_start, found.match_end))
        return {"address": spans}
    return detect


# usaddress labels that belong to an address; "Recipient", "BuildingName", "NotAddress" do not.
_USADDRESS_PARTS = {
    "AddressNumber", "AddressNumberPrefix", "AddressNumberSuffix", "StreetName",
    "StreetNamePreDirectional", "StreetNamePreModifier", "StreetNamePreType",
    "StreetNamePostDirectional", "StreetNamePostModifier", "StreetNamePostType", "OccupancyType",
    "OccupancyIdentifier", "SubaddressType", "SubaddressIdentifier", "PlaceName", "StateName",
    "ZipCode", "USPSBoxType", "USPSBoxID", "USPSBoxGroupType", "USPSBoxGroupID", "CornerOf",
    "IntersectionSeparator", "LandmarkName", "CountryName"}


def usaddress_addresses() -> System:
    """usaddress's CRF over the whole text: each run of address-labelled tokens is an address
    if it holds a street name or a house number."""
    import usaddress

    def detect(text: str) -> dict[str, set[Span]]:
        tokens = list(_token_spans(text, usaddress.parse(text)))
        spans, run = set(), []
        for begin, end, label in tokens + [(len(text), len(text), "Recipient")]:
            if label in _USADDRESS_PARTS:
                run.append((begin, end, label))
                continue
            if any(lab in ("StreetName", "AddressNumber") for _, _, lab in run):
                last = run[-1][1]
                while last > run[0][0] and text[last - 1] in ",.;: \n":
                    last -= 1
                spans.add((run[0][0], last))
            run = []
        return {"address": spans}
    return detect


def _token_spans(text: str, parsed: Iterable[tuple[str, str]]) -> Iterable[tuple[int, int, str]]:
    at = 0
    for token, label in parsed:
        begin = text.find(token, at)
        if begin < 0:
            continue
        at = begin + len(token)
        yield begin, at, label


def evaluate(rows: list[Row], system: System, kinds: Iterable[str]) -> dict[str, Score]:
    """Score one system on every row."""
    scores = {kind: Score() for kind in kinds}
    for row in rows:
        found = system(row.text)
        for kind, score in scores.items():
            score.add(found.get(kind, set()), row.gold.get(kind, set()),
                      row.ignored.get(kind, set()))
    return scores


def _fmt(value: float) -> str:
    return "  n/a" if value != value else f"{value:.3f}"


def table(results: list[tuple[str, dict[str, Score]]], kinds: Iterable[str]) -> list[str]:
    """Markdown table: one line per (kind, system)."""
    lines = ["| type | system | gold | predicted | P exact | R exact | F1 exact | P overlap | "
             "R overlap | F1 overlap |", "|---" * 10 + "|"]
    for kind in kinds:
        for name, scores in results:
            if kind not in scores:
                continue
            s = scores[kind]
            cells = [*map(_fmt, s.exact_prf()), *map(_fmt, s.overlap_prf())]
            lines.append(f"| {kind} | {name} | {s.gold} | {s.predicted} | " + " | ".join(cells)
                         + " |")
    return lines


def ordinary_comments(data_dir: Path) -> list[str]:
    """Matches per type and mode on OLID's test tweets, which hold almost no personal data
    (handles were replaced by "@USER", links by "URL"): a view of false positives on ordinary
    comments, with no gold to score against."""
    path = data_dir / "toxicity" / "olid" / "test_text.txt"
    if not path.exists():
        return [f"(not found: {path})"]
    tweets = path.read_text(encoding="utf-8").splitlines()
    lines = [f"{path.name}: {len(tweets)} tweets; tweets with at least one match of each kind",
             "", "| mode | " + " | ".join(KINDS + ("password",)) + " |",
             "|---" * (len(KINDS) + 2) + "|"]
    for mode in Mode:
        detect = ours(mode)
        counts = dict.fromkeys(KINDS + ("password",), 0)
        for tweet in tweets:
            for kind, spans in detect(tweet).items():
                spans = {s for s in spans if tweet[s[0]:s[1]].upper() != "@USER"}
                counts[kind] += bool(spans)
        lines.append(f"| {mode.name} | " + " | ".join(str(counts[k]) for k in counts) + " |")
    return lines

def generated_evaluation(seed: int, per_kind: int, with_presidio: bool,
                         resamples: int = 1000) -> list[str]:
    """Score each system on the generated set: a table with 95% intervals, then the
    varieties each system misses or mistakes at NORMAL."""
    from pii_generated import KINDS as GENERATED_KINDS
    from pii_generated import generated_rows

    generated = generated_rows(seed, per_kind)
    rows = [Row(g.text, {g.kind: {g.span}} if g.kind and g.span else {}) for g in generated]
    systems = [(f"ours {mode.name}", ours(mode)) for mode in Mode]
    if with_presidio:
        systems.append(("presidio", presidio()))
    counts = {name: _counts_per_row(rows, system, GENERATED_KINDS) for name, system in systems}
    lines = [f"generated set: seed {seed}, {len(rows)} rows ({per_kind} per type, "
             f"{sum(g.kind is None for g in generated)} look-alikes); 95% intervals: Wilson "
             f"for precision and recall, {resamples} bootstrap resamples of the rows for F1", "",
             "| type | system | gold | predicted | precision | recall | F1 | F1 overlap |",
             "|---" * 8 + "|"]
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(rows), size=(resamples, len(rows)))
    for kind in GENERATED_KINDS:
        for name, _ in systems:
            lines.append(_interval_line(kind, name, counts[name][kind], picks))
    for name, _ in systems:
        if name in ("ours NORMAL", "presidio"):
            lines += ["", *_varieties(name, generated, counts[name])]
    return lines


def _counts_per_row(rows: list[Row], system: System,
                    kinds: Iterable[str]) -> dict[str, np.ndarray]:
    """Per kind, an array (rows x 5) of `row_counts`."""
    kinds = tuple(kinds)
    found = [system(row.text) for row in rows]
    return {kind: np.array([row_counts(f.get(kind, set()), row.gold.get(kind, set()), set())
                            for row, f in zip(rows, found, strict=True)]) for kind in kinds}


def _interval_line(kind: str, name: str, counts: np.ndarray, picks: np.ndarray) -> str:
    total = counts.sum(axis=0)
    point = _prf(total[2], total[0], total[2], total[1])
    sampled = counts[picks].sum(axis=1)  # resamples x 5
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2 * sampled[:, 2] / (sampled[:, 0] + sampled[:, 1])
    cells = [_with_wilson(total[2], total[0]), _with_wilson(total[2], total[1]),
             _with_interval(point[2], f1)]
    overlap = _prf(total[3], total[0], total[4], total[1])[2]
    return (f"| {kind} | {name} | {total[1]} | {total[0]} | " + " | ".join(cells)
            + f" | {_fmt(overlap)} |")


def _with_wilson(hits: int, trials: int, z: float = 1.96) -> str:
    """A proportion with its 95% Wilson score interval, which unlike a percentile bootstrap does
    not collapse to [1, 1] when nothing was wrong."""
    if not trials:
        return "n/a"
    share = hits / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * ((share * (1 - share) + z * z / (4 * trials)) / trials) ** 0.5 / (1 + z * z / trials)
    return f"{share:.3f} [{max(0.0, centre - half):.3f}, {min(1.0, centre + half):.3f}]"


def _with_interval(value: float, samples: np.ndarray) -> str:
    samples = samples[~np.isnan(samples)]
    if value != value or not len(samples):
        return "n/a"
    low, high = np.percentile(samples, [2.5, 97.5])
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"


def _varieties(name: str, generated: list, counts: dict[str, np.ndarray]) -> list[str]:
    """Recall per variety of value (exact spans) and false positives per look-alike kind."""
    found: dict[str, list[int]] = {}
    for index, row in enumerate(generated):
        if row.kind:
            hit = counts[row.kind][index][2]
        else:
            hit = sum(int(c[index][0]) for c in counts.values())
        tally = found.setdefault(row.variety, [0, 0])
        tally[0] += int(hit)
        tally[1] += 1
    lines = [f"{name}: varieties not all found exactly, and look-alikes found as anything",
             "", "| variety | found | rows |", "|---|---|---|"]
    for variety, (hit, total) in sorted(found.items()):
        missed = hit < total if not variety.startswith("look-alike") else hit > 0
        if missed:
            lines.append(f"| {variety} | {hit} | {total} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    """Print the evaluation tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--compare-address", action="store_true",
                        help="also score usaddress and pyap on addresses")
    parser.add_argument("--no-presidio", action="store_true")
    parser.add_argument("--generated", action="store_true",
                        help="score the generated set (scripts/pii_generated.py) instead")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--per-kind", type=int, default=240)
    args = parser.parse_args(argv)
    if args.generated:
        print("\n".join(generated_evaluation(args.seed, args.per_kind, not args.no_presidio)))
        return
    path = Path(args.data_dir) / "pii" / "presidio_generated_small.json"
    if not path.exists():
        sys.exit(f"not found: {path}")
    rows = load_rows(path)
    results = [(f"ours {mode.name}", evaluate(rows, ours(mode), KINDS)) for mode in Mode]
    if not args.no_presidio:
        results.append(("presidio", evaluate(rows, presidio(), KINDS[:3] + KINDS[5:])))
    if args.compare_address:
        results.append(("usaddress", evaluate(rows, usaddress_addresses(), ["address"])))
        results.append(("pyap", evaluate(rows, pyap_addresses(), ["address"])))
    print(f"{path.name}: {len(rows)} rows")
    print("\n".join(table(results, KINDS)))
    print()
    print("\n".join(ordinary_comments(Path(args.data_dir))))


if __name__ == "__main__":
    main()
