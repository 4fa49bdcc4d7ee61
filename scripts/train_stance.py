"""Train the stance model (reader/stance_net.py): all six MiniLM layers as a stance cross-encoder;
writes reader/stance.safetensors (fp16) and reader/stance.onnx (int8, what the product runs).

    .venv/bin/python scripts/train_stance.py     # the shipped model: 6 epochs, lr 1e-4,
                                                 # 2,000 fact pairs an epoch, 96 tokens
    .venv/bin/python scripts/train_stance.py --measure     # rows/s on a few batches, no file
    python3 scripts/train_stance.py --device cuda --base DIR --checkpoints DIR --no-onnx  # GPU

Data, built here from ../shared/data (docs/data-cards/reader.md): the *train* motions of
reader/splits.json in ArgKP, each argument and key point under questions framed from its
motion (yes/no, "a bad idea?", choice templates with the options in both orders, so "the
first option" carries no signal; scripts/stance_data.py motion_questions), a fresh framing
each epoch; "no side" pairs are another training motion's arguments under this motion's
questions (a third as many). Each epoch also holds --facts fresh fact-checking pairs from
judge-extra (claim as a yes/no question, evidence passage: supported -> yes, contradicted
-> no, not supported -> no side), a stance signal on other topics than the motions'.
The decision margin is chosen on the *tune* motions; the *test* motions are never read.

Fixed seed; CPU, 2 threads (or --device cuda). A checkpoint is written after every epoch
(build/stance/ or --checkpoints).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from stance_data import (  # noqa: E402
    DATA,
    STANCE,
    claim_question,
    load_argkp,
    motion_parts,
    motion_questions,
)

from reader.framing import frame_options  # noqa: E402
from reader.model import BASE_MODEL, load_base  # noqa: E402
from reader.stance import MAX_TOKENS  # noqa: E402
from reader.stance_net import STANCE_WEIGHTS, StanceNet, encode, export_file, save  # noqa: E402

SEED = 14
SPLITS = json.loads((ROOT / "reader" / "splits.json").read_text())
CHECKPOINTS = ROOT / "build" / "stance"
MARGINS = [round(m, 2) for m in np.arange(0.0, 0.91, 0.05)]
MIN_PRECISION = 0.75  # the margin is the smallest whose tune calls are this precise
MIN_CALLS = 40


def epoch_rows(
    argkp: dict[str, list[tuple[str, int]]], facts: list[dict], rng: random.Random
) -> list[dict]:
    """One epoch: every training argument under a fresh framing, plus no-side pairs, plus
    the fact-checking pairs given."""
    motions = SPLITS["argkp"]["train"]
    rows = []
    for motion in motions:
        questions = motion_questions(motion)
        for text, side in argkp[motion]:
            question, pro_index = rng.choice(questions)
            rows.append(row(question, text, side if pro_index == 0 else 1 - side))
        for _ in range(len(argkp[motion]) // 3):
            other = rng.choice([m for m in motions if m != motion])
            rows.append(row(rng.choice(questions)[0], rng.choice(argkp[other])[0], 2))
    rows += [row(claim_question(f["claim"], rng), f["passage"], STANCE[f["label"]]) for f in facts]
    rng.shuffle(rows)
    return rows


def row(question: str, passage: str, label: int) -> dict[str, Any]:
    return {"question": question, "options": frame_options(question)[1], "passage": passage,
            "label": label}  # fmt: skip


def load_facts(rng: random.Random) -> list[dict]:
    """Every judge-extra pair with a claim and a passage, shuffled."""
    pairs = []
    for path in sorted((DATA / "judge-extra").glob("*.jsonl*")):  # .gz where it travels
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            pairs += [p for p in map(json.loads, handle) if p["claim"].strip() and p["passage"]]
    rng.shuffle(pairs)
    return pairs


def encode_rows(
    tokenizer: Any, group: list[dict], device: str = "cpu", max_tokens: int = MAX_TOKENS
) -> dict[str, torch.Tensor]:
    questions = [r["question"] for r in group]
    passages = [r["passage"] for r in group]
    batch = encode(tokenizer, questions, [r["options"] for r in group], passages, max_tokens)
    return {key: value.to(device) for key, value in batch.items()}


def batches(rows: list[dict], size: int, rng: random.Random) -> list[list[dict]]:
    """Length-bucketed batches (less padding), in random order."""
    out = []
    for start in range(0, len(rows), size * 20):
        pool = sorted(rows[start : start + size * 20], key=lambda r: len(r["passage"]))
        out += [pool[i : i + size] for i in range(0, len(pool), size)]
    rng.shuffle(out)
    return out


def tune_rows(argkp: dict[str, list[tuple[str, int]]], per_motion: int = 100) -> list[dict]:
    """The tune motions under the benchmark's yes/no and seen-choice framings."""
    rng = random.Random(7)
    rows = []
    for motion in SPLITS["argkp"]["tune"]:
        yes_no, gerund = motion_parts(motion)
        items = rng.sample(argkp[motion], min(per_motion, len(argkp[motion])))
        for kind, question in (
            ("yes/no", yes_no),
            ("choice", f"Is {gerund} beneficial or harmful?"),
        ):
            rows += [dict(row(question, text, side), kind=kind) for text, side in items]
    return rows


def predict(net: StanceNet, tokenizer: Any, rows: list[dict], device: str) -> np.ndarray:
    net.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(rows), 64):
            group = rows[start : start + 64]
            batch = encode_rows(tokenizer, group, device)
            out.append(torch.softmax(net(batch).float(), -1).cpu().numpy())
    net.train()
    return np.concatenate(out)


def margin_table(probs: np.ndarray, gold: np.ndarray) -> list[dict[str, float]]:
    """Per margin: macro-F1 (no side counts wrong), precision and share of the calls."""
    from sklearn.metrics import f1_score

    table = []
    for margin in MARGINS:
        sure = (np.abs(probs[:, 0] - probs[:, 1]) >= margin) & (probs[:, :2].max(1) > probs[:, 2])
        called = np.where(sure, probs[:, :2].argmax(1), 2)
        hits = (called == gold)[sure]
        table.append({
            "margin": margin,
            "macro_f1": float(f1_score(gold, called, labels=[0, 1], average="macro")),
            "precision": float(hits.mean()) if sure.any() else 0.0,
            "coverage": float(sure.mean()),
        })  # fmt: skip
    return table


def choose_margin(table: list[dict[str, float]], calls: int) -> float:
    """The smallest margin whose tune calls are MIN_PRECISION right, counting only margins
    that leave at least MIN_CALLS calls (a handful of lucky calls proves nothing); if none
    is, the margin with the best tune macro-F1."""
    for line in table:
        if line["precision"] >= MIN_PRECISION and line["coverage"] * calls >= MIN_CALLS:
            return line["margin"]
    return max(table, key=lambda t: t["macro_f1"])["margin"]


def evaluate(net: StanceNet, tokenizer: Any, tune: list[dict], device: str) -> dict[str, Any]:
    probs = predict(net, tokenizer, tune, device)
    report: dict[str, Any] = {}
    for kind in ("yes/no", "choice"):
        index = [i for i, r in enumerate(tune) if r["kind"] == kind]
        report[kind] = margin_table(probs[index], np.array([tune[i]["label"] for i in index]))
    report["all"] = margin_table(probs, np.array([r["label"] for r in tune]))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--limit", type=int, default=0, help="rows per epoch (0: all)")
    parser.add_argument("--measure", action="store_true", help="time 6 batches and stop")
    parser.add_argument("--facts", type=int, default=2000, help="fact-checking pairs per epoch")
    parser.add_argument(
        "--out", type=Path, default=STANCE_WEIGHTS,
        help="the fp16 weights; the int8 ONNX file the product runs is written beside it",
    )  # fmt: skip
    parser.add_argument("--no-onnx", action="store_true", help="weights only (a GPU box)")
    parser.add_argument("--checkpoints", type=Path, default=CHECKPOINTS)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--max-tokens", type=int, default=96, help="training pairs are cut here")
    parser.add_argument("--base", type=Path, help="the MiniLM folder (default: the package's)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    if args.device == "cpu":
        torch.set_num_threads(2)
    rng = random.Random(args.seed)
    argkp = load_argkp()
    facts = load_facts(random.Random(args.seed)) if args.facts else []
    tune = tune_rows(argkp)
    if args.base is None:
        from ingest.embedding import resolve_model_path  # the project's stack, not on a GPU box

        args.base = resolve_model_path(BASE_MODEL)
    tokenizer, base = load_base(args.base)
    for param in base.embeddings.parameters():
        param.requires_grad = False  # the package's embeddings are used as they are
    net = StanceNet(base).to(args.device)
    net.train()
    plan = []
    for epoch in range(args.epochs):
        rows = epoch_rows(argkp, facts[epoch * args.facts : (epoch + 1) * args.facts], rng)
        rows = rows[: args.limit] if args.limit else rows
        plan.append(batches(rows, args.batch, rng))
    steps = sum(len(p) for p in plan)
    optimiser = torch.optim.AdamW(
        [
            {"params": [p for p in base.encoder.parameters()], "lr": args.lr},
            {"params": list(net.head.parameters()), "lr": 1e-3},
        ],
        weight_decay=0.01,
    )
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=[args.lr, 1e-3], total_steps=steps, pct_start=0.06,
        anneal_strategy="linear",
    )  # fmt: skip
    loss_fn = torch.nn.CrossEntropyLoss()
    started = time.perf_counter()
    print(f"{steps} steps, {sum(len(b) for p in plan for b in p)} rows", flush=True)
    seen = step = 0
    for epoch, epoch_batches in enumerate(plan, 1):
        for group in epoch_batches:
            batch = encode_rows(tokenizer, group, args.device, args.max_tokens)
            gold = torch.tensor([r["label"] for r in group], device=args.device)
            loss = loss_fn(net(batch), gold)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            seen += len(group)
            elapsed = time.perf_counter() - started
            if args.measure and step == 6:
                print(f"measure: {seen / elapsed:.1f} rows/s ({elapsed:.0f} s, {seen} rows, "
                      f"max {args.max_tokens} tokens)")  # fmt: skip
                return
            if step % 20 == 0:
                print(f"epoch {epoch} step {step}/{steps} loss {loss.item():.3f} "
                      f"{elapsed:.0f} s {seen / elapsed:.1f} rows/s", flush=True)  # fmt: skip
        report = evaluate(net, tokenizer, tune, args.device)
        best = {k: max(t["macro_f1"] for t in v) for k, v in report.items()}
        print(f"epoch {epoch} tune macro-F1 at margin 0: "
              f"{ {k: round(v[0]['macro_f1'], 3) for k, v in report.items()} } best {best}",
              flush=True)  # fmt: skip
        meta = {
            "base_model": BASE_MODEL,
            "max_tokens": MAX_TOKENS,
            "train_max_tokens": args.max_tokens,
            "margin": choose_margin(report["all"], len(tune)),
            "min_precision": MIN_PRECISION,
            "min_calls": MIN_CALLS,
            "tune": report,
            "epochs": epoch,
            "train_rows": seen,
            "batch": args.batch,
            "lr": args.lr,
            "facts_per_epoch": args.facts,
            "device": args.device,
            "seed": args.seed,
            "train_seconds": round(time.perf_counter() - started),
            "rows_per_s": round(seen / (time.perf_counter() - started), 1),
        }
        save(args.checkpoints / f"epoch-{epoch}.safetensors", net, meta)
        print(json.dumps({k: v for k, v in meta.items() if k != "tune"}), flush=True)
    save(args.out.resolve(), net, meta)
    print(f"wrote {args.out}", flush=True)
    if not args.no_onnx:  # what `Reader` runs (scripts/export_models.py does this alone)
        # From the saved fp16 file, as scripts/export_models.py does: the same bytes either way.
        export_file(args.out.resolve(), args.out.resolve().with_suffix(".onnx"))
        print(f"wrote {args.out.with_suffix('.onnx')}", flush=True)


if __name__ == "__main__":
    main()
