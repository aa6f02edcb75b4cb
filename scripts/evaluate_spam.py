"""Compare models on the phishing (spam) label: development parts, ordinary text, a hand list.

    .venv/bin/python scripts/evaluate_spam.py --data-dir ../shared/data \
        --models <served model dir> --models var/enron-1 [--test]

Each model is judged at its own served phishing threshold (`evaluate.served_thresholds`).
Development (what the Enron weight and length cap were chosen on): SMS dev, YouTube dev and
Enron dev (enron3: the subset no model trains on in either layout, so both models are judged on
the same e-mails) phishing ROC-AUC and F1, their mean, and the share of ordinary texts flagged as
phishing (the moderation development prompts and OLID val tweets: none is spam). `--test` adds
the Enron test part (evaluate.py's sample, and the same without the e-mails whose text is in
enron1: the same spam reached several mailboxes) and the moderation test prompts flagged. Then
the hand list: 20 pieces of ordinary web spam and 20 ordinary messages with links, written for
this comparison before any Enron model was trained (issue 20, part 3), flagged at each model's
threshold, with each text's score.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from spectrum_rpc import labels as L
from spectrum_rpc.engine import Engine, load_engine
from spectrum_rpc.training import data_dir, enron, load_corpus, report

DEV_SPAM = ("sms_dev", "youtube_dev")
ENRON_DEV = ("enron3",)
ORDINARY = ("moderation_dev", "olid_val")
# Web spam a site would want flagged (the first is document 001's quality example).
SPAM = (
    "Want to get rich quick? Go to quickmoney.sx and sign up.",
    "Lose 10kg in a week with this one trick: slimfast.info",
    "Get rich quick with crypto, join our telegram t.me/richfast",
    "Earn $500 a day from home, no experience needed! Apply at homejobs-now.biz",
    "Cheap replica watches, 90% off today only at luxwatch-outlet.top",
    "Double your bitcoin in 24 hours, guaranteed returns: btc-doubler.io",
    "Buy 1000 real followers for $5, instant delivery, visit growfast.social",
    "Best casino bonus online, 200 free spins when you register at spinwin777.com",
    "Hot singles in your area are waiting for you, click www.meetlocal.xyz",
    "Miracle pill melts belly fat overnight, doctors hate it: fatburnpro.shop",
    "Congratulations, you have been selected for a free iPhone, claim at prize-center.win",
    "Make money online with my secret system, limited spots, dm me or go to cashflowsecrets.net",
    "Work from home and earn thousands weekly, click the link in my bio",
    "Limited offer!!! Viagra and cialis without prescription, order at pharma-discount.ru",
    "Invest $250 and get $5000 back in a week, message me on whatsapp +44 7700 900123",
    "Free gift cards for everyone who signs up today at giftcardz.club",
    "Stop paying for TV! Watch every channel free with this box: freetvbox.store",
    "I made $8,000 last month trading forex with this robot, try it at forexbot.pro",
    "Refinance your mortgage at the lowest rate ever, get a quote now at lowrate-loans.info",
    "Boost your SEO ranking overnight, 10,000 backlinks for $9.99 at rankup.services",
)
# Ordinary messages with links a site sees every day (none should be flagged).
HAM = (
    "Here is the link to the meeting notes: docs.google.com/document/d/1abc",
    "The recipe I mentioned is at www.bbcgoodfood.com, the lemon one is great",
    "Our train leaves at 9:40, timetable here: www.nationalrail.co.uk",
    "Photos from the wedding are up at photos.app.goo.gl/xyz, tell me which you like",
    "I fixed the bug, see the pull request at github.com/ourteam/app/pull/42",
    "The library has extended opening hours, details at www.citylibrary.org/hours",
    "Tickets for the school play are free, just register at stmarys-school.org/play",
    "Can you check the invoice I sent? It is at drive.google.com/file/d/9xy, due end of month",
    "The city council posted the new recycling schedule at www.citycouncil.gov/bins",
    "Great article on sleep and memory: www.nature.com/articles/sleep-study",
    "My sister just opened a bakery, the address is on maps.google.com, come by on Saturday",
    "Registration for the 5k charity run closes Friday, sign up at runforkids.org",
    "The weather will be bad tomorrow, forecast at www.metoffice.gov.uk",
    "I uploaded the slides, here: www.dropbox.com/s/k2j/slides.pdf",
    "Watch the lecture again here: youtube.com/watch?v=abc123 from minute 12",
    "We are selling our old sofa for 50 pounds, pictures at www.gumtree.com/p/sofa",
    "Thanks for the money you sent back, I got it today, the receipt: mybank.co.uk/r/77",
    "The job posting is at careers.acme.com/jobs/311, the deadline is next Monday",
    "Your dentist appointment is on Tuesday at 3pm, to move it use smiledental.co.uk/book",
    "The free trial ended so I cancelled it at netflix.com/account, the price went up",
)


def phishing(engine: Engine, texts: list[str]) -> np.ndarray:
    """Return the served phishing probability of each text."""
    return engine.score(texts)[:, engine.labels.index(L.PHISHING)]


def development(root: Path, engines: dict[str, Engine], served: dict[str, float],
                test: bool) -> list[str]:
    """Return the development (and `test`: the moderation test prompts) lines."""
    corpus = load_corpus(root)
    parts = {name: corpus.development[name] for name in DEV_SPAM}
    parts["enron3"] = enron(root, ENRON_DEV)
    if test:  # evaluate.py's sample of the test part, and the same without enron1's texts
        from evaluate import MAX_ROWS, _sample

        parts["enron_test"] = _sample(corpus.tests["enron_test"], MAX_ROWS)
        seen = {s.text for s in enron(root, ("enron1",))}
        parts["enron_test unseen"] = [s for s in parts["enron_test"] if s.text not in seen]
    lines = ["| part | model | thr | n | pos | ROC-AUC | prec | recall | F1 | flagged |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    means: dict[str, list[float]] = {name: [] for name in engines}
    for part, samples in parts.items():
        y = np.array([s.labels[L.PHISHING] for s in samples])
        for name, engine in engines.items():
            p = phishing(engine, [s.text for s in samples])
            r = report(y, p, served[name])
            means[name].append(r.f1)
            lines.append(f"| {part} | {name} | {served[name]:.2f} | {r.n} | {r.positives} | "
                         f"{r.roc_auc:.3f} | {r.precision:.3f} | {r.recall:.3f} | {r.f1:.3f} | "
                         f"{(p >= served[name]).mean():.3f} |")
    lines += ["", *(f"- {name}: mean development F1 {np.mean(f[:3]):.4f} (sms_dev, "
                    "youtube_dev, enron3)" for name, f in means.items())]
    ordinary = {name: [s.text for s in corpus.development[name]] for name in ORDINARY}
    # The moderation prompts include web adverts and porn spam; these have no category positive
    ordinary["moderation_dev, no category positive"] = [
        s.text for s in corpus.development["moderation_dev"] if not any(s.labels.values())]
    if test:
        ordinary["moderation_test"] = [s.text for s in corpus.tests["moderation_test"]]
    for part, texts in ordinary.items():
        for name, engine in engines.items():
            flagged = int((phishing(engine, texts) >= served[name]).sum())
            lines.append(f"- {name}: {part}: {flagged} of {len(texts)} flagged as phishing "
                         f"({flagged / len(texts):.2%})")
    return lines


def flagged(root: Path, engines: dict[str, Engine], served: dict[str, float],
            test: bool) -> list[str]:
    """Return the moderation prompts any model flags as phishing, with every model's score."""
    corpus = load_corpus(root)
    samples = corpus.tests["moderation_test"] if test else corpus.development["moderation_dev"]
    texts = [s.text for s in samples]
    scores = {name: phishing(e, texts) for name, e in engines.items()}
    lines = []
    for i, text in enumerate(texts):
        marks = [f"{scores[n][i]:.3f}{'*' if scores[n][i] >= served[n] else ''}" for n in engines]
        if any(m.endswith("*") for m in marks):
            positive = sorted(k for k, v in samples[i].labels.items() if v)
            lines.append(f"- {' / '.join(marks)} {positive} {text[:100]!r}")
    return [f"Moderation {'test' if test else 'development'} prompts flagged (* at the "
            "model's threshold; the categories they are positive for):", *lines]


def hand(engines: dict[str, Engine], served: dict[str, float]) -> list[str]:
    """Return the hand list's flagged counts and each text's scores."""
    scores = {name: (phishing(e, list(SPAM)), phishing(e, list(HAM)))
              for name, e in engines.items()}
    lines = [f"- {name}: web spam flagged {int((s >= served[name]).sum())} of {len(SPAM)}, "
             f"ordinary messages with links flagged {int((h >= served[name]).sum())} of "
             f"{len(HAM)}" for name, (s, h) in scores.items()]
    lines += ["", "| text | " + " | ".join(engines) + " |", "|---" + "|---:" * len(engines) + "|"]
    for k, (kind, texts) in enumerate((("spam", SPAM), ("ham", HAM))):
        for i, text in enumerate(texts):
            cells = " | ".join(f"{scores[name][k][i]:.3f}" for name in engines)
            lines.append(f"| {kind}: {text} | {cells} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    """Print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--models", type=Path, action="append", required=True,
                        help="model directory (repeat; the first is the served one)")
    parser.add_argument("--test", action="store_true", help="also the moderation test prompts")
    parser.add_argument("--no-data", action="store_true", help="the hand list only")
    parser.add_argument("--flagged", action="store_true", help="also list the moderation "
                        "prompts flagged (development; with --test, the test part's)")
    args = parser.parse_args(argv)
    from evaluate import served_thresholds  # scripts/ is on sys.path when run as a script

    engines = {str(path): load_engine(path) for path in args.models}
    served = {name: served_thresholds(e)[L.PHISHING] for name, e in engines.items()}
    lines = [] if args.no_data else development(data_dir(args.data_dir), engines, served,
                                                args.test)
    if args.flagged:
        lines += ["", *flagged(data_dir(args.data_dir), engines, served, args.test)]
    print("\n".join([*lines, "", *hand(engines, served)]))


if __name__ == "__main__":
    main()
