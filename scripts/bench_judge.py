"""Benchmark the citation judge on the dev data's held-out splits.

    .venv/bin/python scripts/bench_judge.py [--baseline-rev REV] [--limit N] [--no-write]
    .venv/bin/python scripts/bench_judge.py --llm openai:MODEL --api-base URL [--limit N]

All figures are on *dev* data: the held-out test splits of SciFact train, WiCE dev and ExpertQA
validation (``audit/splits.json``) and of judge-extra (a hash of the group; a fixed sample of
EXTRA_SAMPLE pairs), never on the benchmarks' own test sets. In one run, on the same pairs:

* the judge (``audit.judge.Judge``: quotes located, the feature models, then the
  cross-encoder where they are unsure), its models alone (``quotes=False``), and the
  cross-encoder on every pair that is not a quote (``cascade=False``);
* the feature judge alone (``cross_encoder=False``: the judge before the cross-encoder), and
  the judge of ``--baseline-rev`` (the commit before the four-verdict judge, features-v1);
* "always supported", and the cosine baseline (``scripts/judge_baselines.py``).

Per set: accuracy and macro-F1 of supported vs not. Then the four-verdict view (F1 and
precision of "contradicted" where the data label it), the verbatim-quote rate (sentences
copied from the test passages into their laid-out passage: share judged supported), and
throughput: pairs/s of a fresh process (imports, model load and judging, i.e. including
start-up) on ~1000-character chunks and on the sets' full passages. Writes the "judge"
section of docs/benchmarks.md.

With ``--llm SPEC`` the LLM judge (``audit.llm_judge.LLMJudge``) is evaluated on the same
test pairs (SciFact, WiCE, ExpertQA) and its rows are added to the section. ``--limit N``
keeps the first N test pairs of each set (a smoke run: nothing is written).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import markdown_table, write_section  # noqa: E402
from judge_baselines import (  # noqa: E402
    CachedMiniLM,
    cosine_scores,
    old_judge_run,
    old_judge_verdicts,
    tune_threshold,
    verbatim_pairs,
)
from judge_data import DATA, Pair, load_all, load_splits, split_pairs  # noqa: E402
from judge_fit import binary_macro_f1  # noqa: E402

from audit import crossenc  # noqa: E402
from audit.judge import Judge  # noqa: E402
from ingest.text import split_passage  # noqa: E402
from ingest.types import Judgement  # noqa: E402

SETS = ("scifact", "wice", "expertqa", "extra")
BASELINE_REV = "aed540f"  # main before the four-verdict judge (issue 16)
EXTRA_SAMPLE = 1500
CHUNK_CHARS = 1000
THROUGHPUT_PAIRS = 600
TRIED = """\
Candidates, chosen by out-of-fold macro-F1 on the training groups (`scripts/train_judge.py`),
with these dev figures of the support head and its threshold alone (supported vs the rest;
SciFact / WiCE / ExpertQA / judge-extra; the table's "models only" adds the contradiction
head and the number rule, which cost SciFact 0.004 and judge-extra 0.03):
features-v1 retrained on the new splitter without judge-extra 0.684 / 0.662 / 0.523 / 0.608;
with judge-extra at 0.3 of a data set's weight 0.678 / 0.691 / 0.510 / 0.609, at 1
(chosen) 0.683 / 0.782 / 0.501 / 0.627, at 2 0.678 / 0.739 / 0.515 / 0.620, at 4
0.669 / 0.746 / 0.499 / 0.646; histogram-boosted trees instead of the logistic support head
0.703 / 0.717 / 0.527 / 0.661 (out of fold 0.605 vs 0.606, eight times slower to train: not
chosen). Contradiction head: logistic and boosted trees reach the same out-of-fold
precision (0.45-0.5 at 0.5, recall 6-11%): word-level features see negation, direction,
numbers and overstatement ("only", "all"), not contradiction in general. Numbers a claim
states that its passage does not (where the passage states others) cap the feature judge's
verdict at partially supported.

Cross-encoder (`scripts/train_judge_xenc.py`, 45 minutes on the 2 shared cores: 15 for the
frozen lower layers' pass over 15,063 training pairs, 30 for two epochs of the top layer):
the packaged MiniLM with only its top layer and a four-way head trained reaches a tune AUC
(supported vs the rest) of 0.57 after one epoch and 0.58 after two, against the feature
judge's 0.67-0.74 on the same tune pairs (WiCE, SciFact, judge-extra): all-MiniLM-L6-v2 is a
sentence-embedding model, and one trainable layer over its frozen lower layers learns little
of how a claim and a passage relate (the reader's stance head, trained the same way, shows
the same). Combined with the feature score it adds a little on tune (mean macro-F1 of the
four sets 0.597 -> 0.613), but not on dev (`--xenc FILE`, same pairs, 2026-11-30 16:37): the
cascade (the cross-encoder for feature scores in [0.2, 0.6], 54% of tune pairs) 0.664 /
0.548 / 0.511 / 0.628 (mean of three 0.574), the cross-encoder combined on every pair 0.680
/ 0.643 / 0.538 / 0.603 (0.620), against the feature judge's 0.679 / 0.782 / 0.501 / 0.595
(0.654) in that run; contradicted F1 0.16 / 0.16 (SciFact / judge-extra) vs 0.21 / 0.15; 12
and 13 pairs/s (chunks, full passages; start-up included) vs 170 and 49. So it does not
ship: `Judge()` uses it only when `audit/judge_xenc.safetensors` is there.

All six layers trained (`train_judge_xenc.py --layers 6`, the default since, one epoch at
5e-5, 45 minutes on the 2 shared cores, 21 MB): tune AUC 0.724 (one layer: 0.58); on tune
the stacked score beat the feature judge on every set (SciFact 0.74 vs 0.66, WiCE 0.72 vs
0.62, ExpertQA 0.53 vs 0.51, judge-extra 0.66 vs 0.60; 865 tune pairs, 54 of them WiCE's).
On dev (2026-12-01 01:23, same pairs) the cascade, band [0.15, 0.6]: SciFact 0.701, WiCE
0.625, ExpertQA 0.540, judge-extra 0.635 (mean of three 0.622), cross-encoder on every pair
0.708 / 0.598 / 0.539 / 0.595, against the feature judge's 0.679 / 0.782 / 0.501 / 0.595
(0.654): better on three sets, far worse on WiCE (long web pages of which the 192-token
window holds a few sentences; the feature judge reads them all), so it does not ship
either (the goal is a better mean with no set below today's). Contradicted F1 with it
on every pair 0.33 on SciFact (feature judge 0.21). 44 and 31 pairs/s start-up included
(chunks, full passages) against the feature judge's 310 and 100 in that run.

Two fixes for WiCE measured since (`scripts/judge_xenc_windows.py`, 2026-12-01), neither
adopted. Several windows (the claim-ranked sentences cut into up to four windows, the best
window's p(supported)): AUC, supported vs the rest, on dev WiCE 0.611 / 0.607 / 0.599 /
0.588 for one to four windows against the feature judge's 0.836 (103 pairs), on tune WiCE
0.678 -> 0.725 against 0.671 (54 pairs), SciFact unchanged (dev 0.783 -> 0.792); the
windows do not carry what the feature judge sees on these pages. Telling the combination
how much of the passage the window holds (and its products with the other inputs): tune
mean macro-F1 by grouped 5-fold cross-validation 0.615 against 0.653 without (WiCE 0.661 vs
0.716): with 865 tune pairs the extra inputs overfit. The two WiCE samples disagree (tune
favours the cross-encoder, dev the features, by far more than either's noise suggests), so
a better WiCE figure needs more WiCE-like training pairs, not a different combination.
"""
NO_LLM_NOTE = """\
The LLM judge (`agora audit --llm SPEC`, `audit/llm_judge.py`) runs the same test splits
with `scripts/bench_judge.py --llm SPEC [--api-base URL]`, which adds its rows to this
section. No machine this project runs on can reach an LLM, so it has no figures here yet.
"""


def test_sets(limit: int | None) -> tuple[dict[str, list[Pair]], dict[str, list[Pair]]]:
    datasets = load_all(DATA)
    splits = load_splits()
    train, test = split_pairs(datasets, splits, "train"), split_pairs(datasets, splits, "test")
    rng = np.random.default_rng(11)
    picked = rng.choice(len(test["extra"]), size=min(EXTRA_SAMPLE, len(test["extra"])),
                        replace=False)  # fmt: skip
    test["extra"] = [test["extra"][int(i)] for i in sorted(picked)]
    if limit is not None:
        test = {name: pairs[:limit] for name, pairs in test.items()}
    return train, test


def accuracy_f1(y: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    return float((y == predicted).mean()), binary_macro_f1(y, predicted)


def contradiction_figures(labels: Sequence[str], verdicts: Sequence[str]) -> str:
    y = np.array([label == "contradicted" for label in labels])
    p = np.array([v == "contradicted" for v in verdicts])
    if not y.any():
        return "-"
    tp = int((y & p).sum())
    precision = tp / p.sum() if p.any() else 0.0
    recall = tp / y.sum()
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return f"F1 {f1:.2f} (P {precision:.2f}, R {recall:.2f})"


def throughput(pairs: Sequence[tuple[str, str]], options: str = "") -> float:
    """Pairs/s of a fresh interpreter that imports the judge, loads it (``Judge(options)``)
    and judges `pairs` in batches of 64: start-up included."""
    path = ROOT / ".cache" / "judge" / "throughput_pairs.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(list(pairs)))
    code = (
        "import json, pathlib, sys; from audit.judge import Judge; "
        f"pairs = [tuple(p) for p in json.load(open(sys.argv[1]))]; j = Judge({options}); "
        "[j.judge_many(pairs[i:i + 64]) for i in range(0, len(pairs), 64)]"
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    return len(pairs) / (time.perf_counter() - start)


def chunk_of(passage: str, size: int = CHUNK_CHARS) -> str:
    """The first ~size characters of a passage, ending at a sentence boundary."""
    end = 0
    for sentence in split_passage(passage):
        if sentence.end > size and end:
            break
        end = sentence.end
    return passage[:end] if end else passage[:size]


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    train, test = test_sets(args.limit)
    xenc = args.xenc or (crossenc.MODEL_FILE if crossenc.MODEL_FILE.is_file() else None)
    if xenc:  # the cascade; its cross-encoder on every pair; the feature judge alone
        judge, models_only = Judge(xenc_path=xenc), Judge(quotes=False, xenc_path=xenc)
        others = {"cross-encoder on all": Judge(xenc_path=xenc, cascade=False),
                  "feature judge": Judge(cross_encoder=False)}  # fmt: skip
    else:
        judge, models_only = Judge(cross_encoder=False), Judge(quotes=False, cross_encoder=False)
        others = {}
    minilm = CachedMiniLM()
    train_all = [p for d in SETS for p in train[d] if d != "extra"]
    cos_threshold = tune_threshold(
        cosine_scores(train_all, minilm),
        np.array([p.label == "supported" for p in train_all], dtype=int),
        np.array([p.dataset for p in train_all]),
    )
    all_pairs = [p for name in SETS for p in test[name]]
    print(f"today's judge ({args.baseline_rev}) on {len(all_pairs)} pairs", flush=True)
    old = old_judge_verdicts(args.baseline_rev, [(p.claim, p.passage) for p in all_pairs])

    methods = ("judge", "models only", *others, "features-v1", "always supported", "cosine")
    rows: list[list[object]] = []
    four_way: list[list[object]] = []
    f1s: dict[str, dict[str, float]] = {m: {} for m in methods}
    offset = 0
    for name in SETS:
        pairs = test[name]
        y = np.array([p.label == "supported" for p in pairs], dtype=int)
        batch = [(p.claim, p.passage) for p in pairs]
        new: list[Judgement] = judge.judge_many(batch)
        verdicts = {
            "judge": [j.verdict.value for j in new],
            "models only": [j.verdict.value for j in models_only.judge_many(batch)],
            "features-v1": old[offset : offset + len(pairs)],
        } | {m: [j.verdict.value for j in other.judge_many(batch)] for m, other in others.items()}
        offset += len(pairs)
        predicted = {m: np.array([v == "supported" for v in vs], dtype=int)
                     for m, vs in verdicts.items()}  # fmt: skip
        predicted["always supported"] = np.ones_like(y)
        predicted["cosine"] = (cosine_scores(pairs, minilm) >= cos_threshold).astype(int)
        row: list[object] = [name, len(pairs), f"{y.mean():.2f}"]
        for method in methods:
            acc, f1 = accuracy_f1(y, predicted[method])
            f1s[method][name] = f1
            row.append(f"{f1:.3f} ({acc:.2f})")
        rows.append(row)
        labels = [p.label for p in pairs]
        quoted = Counter(j.quote.value for j in new if j.quote)
        four_way.append([
            name, dict(Counter(labels)), dict(Counter(verdicts["judge"])),
            contradiction_figures(labels, verdicts["judge"]),
            *(contradiction_figures(labels, verdicts[m]) for m in others),
            contradiction_figures(labels, verdicts["models only"]),
            f"{quoted['verbatim']} + {quoted['near_verbatim']}",
        ])  # fmt: skip
    mean3 = {m: np.mean([f1s[m][d] for d in SETS[:3]]) for m in methods}
    mean4 = {m: np.mean([f1s[m][d] for d in SETS]) for m in methods}
    rows.append(["mean of scifact, wice, expertqa", "", ""] + [f"{mean3[m]:.3f}" for m in methods])
    rows.append(["mean of all four", "", ""] + [f"{mean4[m]:.3f}" for m in methods])

    quotes = verbatim_pairs([p for name in SETS[:3] for p in test[name]])
    quote_rate = {
        "judge": np.mean([j.verdict == "supported" for j in judge.judge_many(quotes)]),
        "models only": np.mean([j.verdict == "supported" for j in models_only.judge_many(quotes)]),
        "features-v1": np.mean(
            [v == "supported" for v in old_judge_verdicts(args.baseline_rev, quotes)]
        ),
    } | {
        m: np.mean([j.verdict == "supported" for j in other.judge_many(quotes)])
        for m, other in others.items()
    }
    chunk_pairs = [(p.claim, chunk_of(p.passage)) for name in SETS for p in test[name]]
    chunk_pairs = (chunk_pairs * 2)[:THROUGHPUT_PAIRS]
    long_pairs = [(p.claim, p.passage) for name in SETS[:3] for p in test[name]]
    long_pairs = long_pairs[:THROUGHPUT_PAIRS]
    options = f"xenc_path=pathlib.Path({str(xenc)!r})" if xenc else "cross_encoder=False"
    rate_chunks, rate_long = throughput(chunk_pairs, options), throughput(long_pairs, options)
    old_rate = throughput(chunk_pairs, "cross_encoder=False") if xenc else rate_chunks
    old_rate_long = throughput(long_pairs, "cross_encoder=False") if xenc else rate_long
    v1_rate = old_judge_run(args.baseline_rev, chunk_pairs)[1]
    load = os.getloadavg()[0]

    rates = (rate_chunks, rate_long, old_rate, old_rate_long, v1_rate)
    body = render(args, rows, methods, four_way, quote_rate, len(quotes), cos_threshold,
                  judge, rates, chunk_pairs, long_pairs, load, list(others))  # fmt: skip
    if args.llm:
        from judge_llm import llm_section

        table, note = llm_section(args.llm, args.api_base, test, judge)
        body += f"\n{note}\n\n{table}\n"
    else:
        body += f"\n{NO_LLM_NOTE}"
    print(body)
    if args.limit is not None or args.no_write:
        print("docs/benchmarks.md not written (--limit or --no-write)")
        return
    write_section("judge", "Citation judge", body)


def render(args, rows, methods, four_way, quote_rate, n_quotes, cos_threshold, judge,  # type: ignore[no-untyped-def]
           rates, chunk_pairs, long_pairs, load, others) -> str:  # fmt: skip
    """The section's text."""
    rate_chunks, rate_long, old_rate, old_rate_long, v1_rate = rates
    meta = judge.xenc_meta if judge.xenc_path else {}
    band = meta.get("band", [0.0, 1.0])
    model = judge.model
    headers = ["data set (test split)", "pairs", "supported share"] + [
        f"{m} macro-F1 (acc)" for m in methods
    ]
    four_headers = ["data set", "labels", "judge's verdicts", "contradicted: judge",
                    *(f"contradicted: {m}" for m in others), "contradicted: models only",
                    "quotes found (verbatim + near)"]  # fmt: skip
    if others:
        what = f""", then, for pairs whose
feature score lies in [{band[0]}, {band[1]}], the cross-encoder (`audit/crossenc.py`:
MiniLM with its top layer and a four-way head trained on claim + passage window), combined
with the feature score by a logistic regression fitted on tune groups of the training
splits; "models only" = the same without the quote check; "cross-encoder on all" = every
pair that is not a quote goes to the cross-encoder; "feature judge" = the judge without the
cross-encoder (quotes, features,"""
        rates_text = f"""the feature judge alone, measured the same way: {old_rate:.0f} and
{old_rate_long:.0f} pairs/s; """
        quote_text = f"""feature judge {quote_rate["feature judge"]:.1%}, """
    else:
        what = """; "models only" = the same without
the quote check (the cross-encoder of `scripts/train_judge_xenc.py` does not ship: see
below; `--xenc FILE` benchmarks one; thresholds:"""
        rates_text = quote_text = ""
    chunk_chars = np.mean([len(p) for _, p in chunk_pairs])
    long_chars = np.mean([len(p) for _, p in long_pairs])
    command = "scripts/bench_judge.py" + (f" --llm {args.llm}" if args.llm else "")
    return f"""Command: `.venv/bin/python {command}` (after `scripts/train_judge.py` and
`scripts/train_judge_xenc.py`).

**Dev figures**, on held-out splits of the data we train on (`../shared/data`): SciFact
train claims (grouped by claim/abstract cluster), WiCE dev (by article), ExpertQA validation
(by question), all `audit/splits.json`; judge-extra (connected claims and passages, 20% of
the groups by hash; a fixed sample of {EXTRA_SAMPLE}). No test group is seen in training or
in choosing thresholds. Task: supported vs the rest. "judge" = `audit.judge.Judge`: quotes
located, then the feature judge (a {model.kind} support head over
{len(model.spec["features"])} features and a contradiction head){what} supported >=
{model.threshold_supported}, partial >= {model.threshold_partial}, contradicted >=
{model.threshold_contradicted}); "features-v1" = `audit/` at `{args.baseline_rev}`; cosine
= int8 all-MiniLM-L6-v2, best sentence, threshold {cos_threshold:.2f} tuned on the
training splits.

{markdown_table(headers, rows)}

Four verdicts (the judge on the same pairs):

{markdown_table(four_headers, four_way)}

Verbatim quotes: **{quote_rate["judge"]:.1%}** of {n_quotes} sentences copied from the
SciFact, WiCE and ExpertQA test passages are judged supported when the passage is laid out
as PDFs and web pages are (wrapped mid-sentence at 60-80 columns, about half the line ends
hyphenating a word, curly quotes, "ﬁ" ligatures): models only {quote_rate["models only"]:.1%},
{quote_text}features-v1 {quote_rate["features-v1"]:.1%}.

Throughput, start-up included (a fresh Python process: imports, models and word-piece table
loaded, then `judge_many` in batches of 64): **{rate_chunks:.0f} pairs/s** on
{len(chunk_pairs)} claims with ~{chunk_chars:.0f}-character chunks, {rate_long:.0f} pairs/s on
{len(long_pairs)} pairs with the sets' full passages (~{long_chars:.0f} characters; WiCE
pages are long); {rates_text}features-v1 on the chunks: {v1_rate:.0f} pairs/s. Load
average while measuring: {load:.1f} on {os.cpu_count()} cores shared with other work, so
rates are lower bounds.

{TRIED}"""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the citation judge.")
    parser.add_argument("--baseline-rev", default=BASELINE_REV,
                        help="git revision whose judge is 'features-v1'")  # fmt: skip
    parser.add_argument(
        "--llm", help="Also evaluate the LLM judge: openai:MODEL, ollama:MODEL or gguf:PATH."
    )
    parser.add_argument("--api-base", help="OpenAI-compatible server URL for --llm.")
    parser.add_argument(
        "--xenc", type=Path, help="a cross-encoder file to benchmark (default: audit's, if any)"
    )
    parser.add_argument(
        "--limit",
        type=int,
        help="Only the first N test pairs of each data set (a smoke run; nothing is written).",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="Print only; leave docs/benchmarks.md alone."
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
