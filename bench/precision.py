"""Precision of error/warning findings on the labelled corpus set.

Runs `infradoctor lint CORPUS --format json` in-process (one path, as the labels were
made), joins the error/warning findings with tests/data/precision/labels.tsv by rule +
fingerprint, and prints per rule and overall:

- precision = TRUE / (TRUE + FALSE) among labelled findings still reported;
- strict = TRUE / (TRUE + FALSE + DEBATABLE) (debatable counted as false);
- labelled TRUE findings no longer reported at error/warning (losses);
- the corpus totals (all findings, error+warning findings).

    .venv/bin/python bench/precision.py [CORPUS] [--labels TSV] [--json-in FILE] [--helm PATH]

Charts are rendered with helm as in CI (.ci-bin/helm from scripts/install-helm.sh,
$INFRADOCTOR_HELM or PATH): the labels were judged on that output.

`--json-in` reads a saved `lint --format json` output instead of linting (to compare a
"before" run of another tree).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LABELS = REPO / "tests" / "data" / "precision" / "labels.tsv"
CORPUS = REPO.parent / "shared" / "corpus"
VERDICTS = ("TRUE", "FALSE", "DEBATABLE")


@dataclass(frozen=True)
class Label:
    """One judged finding (a row of labels.tsv)."""

    rule: str
    fingerprint: str
    file: str
    line: int
    subject: str
    verdict: str
    reason: str


def load_labels(path: Path = LABELS) -> list[Label]:
    """The rows of labels.tsv (comment lines start with '#'; one header row)."""
    rows = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and ln[0] != "#"]
    labels = []
    for number, line in enumerate(rows[1:], start=2):
        cells = line.split("\t")
        if len(cells) != 7 or cells[5] not in VERDICTS:
            raise ValueError(f"{path}: data row {number}: expected 7 cells and a verdict")
        rule, fp, file, lineno, subject, verdict, reason = cells
        labels.append(Label(rule, fp, file, int(lineno), subject, verdict, reason))
    return labels


def default_helm() -> str:
    """The helm the labels were judged with (charts rendered, as in CI): .ci-bin/helm,
    $INFRADOCTOR_HELM, PATH; 'off' when there is none."""
    for candidate in (os.environ.get("INFRADOCTOR_HELM"), str(REPO / ".ci-bin" / "helm")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("helm") or "off"


def lint_json(corpus: Path = CORPUS, helm: str | None = None) -> dict:
    """`infradoctor lint CORPUS --format json --helm HELM`, in-process."""
    from infradoctor.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["lint", str(corpus), "--format", "json", "--helm", helm or default_helm()])
    return json.loads(out.getvalue())


def reported(document: dict) -> set[tuple[str, str]]:
    """(rule, fingerprint) of every error/warning finding in a JSON report."""
    return {
        (f["rule"], f["fingerprint"])
        for f in document["findings"]
        if f["severity"] in ("error", "warning")
    }


def tally(labels: list[Label], seen: set[tuple[str, str]]) -> dict[str, Counter[str]]:
    """Per rule (and '*'): verdict counts of the labelled findings still reported, plus
    'lost' for TRUE findings gone and 'gone' for all labelled findings gone."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for label in labels:
        for key in (label.rule, "*"):
            if (label.rule, label.fingerprint) in seen:
                counts[key][label.verdict] += 1
            else:
                counts[key]["gone"] += 1
                counts[key]["lost"] += label.verdict == "TRUE"
    return counts


def ratio(c: Counter[str], strict: bool = False) -> str:
    """TRUE / judged, as a percentage ('-' when nothing is judged)."""
    denominator = c["TRUE"] + c["FALSE"] + (c["DEBATABLE"] if strict else 0)
    return f"{100 * c['TRUE'] / denominator:5.1f}%" if denominator else "    -"


def render(counts: dict[str, Counter[str]]) -> str:
    """The per-rule table, overall last."""
    head = f"{'rule':8} {'TRUE':>5} {'FALSE':>5} {'DEBAT':>5} {'gone':>5} {'lost':>5}"
    lines = [f"{head} {'T/(T+F)':>8} {'T/all':>7}"]
    for rule in sorted(counts, key=lambda r: (r == "*", r)):
        c = counts[rule]
        lines.append(
            f"{'overall' if rule == '*' else rule:8} {c['TRUE']:5} {c['FALSE']:5} "
            f"{c['DEBATABLE']:5} {c['gone']:5} {c['lost']:5} {ratio(c):>8} {ratio(c, True):>7}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--json-in", type=Path, help="a saved `lint --format json` output")
    parser.add_argument("--helm", help="helm binary ('off': none); default as in CI")
    args = parser.parse_args(argv)
    if args.json_in:
        document = json.loads(args.json_in.read_text())
    else:
        document = lint_json(args.corpus, args.helm)
    labels = load_labels(args.labels)
    print(render(tally(labels, reported(document))))
    severities = Counter(f["severity"] for f in document["findings"])
    print(
        f"\ncorpus: {len(document['findings'])} findings, "
        f"{severities['error'] + severities['warning']} error+warning "
        f"({severities['error']} errors, {severities['warning']} warnings), "
        f"{len(labels)} labelled"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
