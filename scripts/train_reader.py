"""Train the reader model (relevance + stance heads on the packaged MiniLM's layers).

    .venv/bin/python scripts/reader_data.py     # once: build/reader/{train,tune}.jsonl
    .venv/bin/python scripts/train_reader.py    # writes reader/reader.safetensors and .onnx

Fixed seed; CPU. The defaults (all six layers, 1.5 epochs) train the shipped file in about
22 minutes on 2 CPU cores; `--layers 1` is the cheaper first recipe (the frozen lower layers'
pass cached), `--limit` and `--epochs` shrink a run.
After training, relevance is calibrated on the *tune* split (Platt scaling: a logistic
regression on the relevance logit) and the brief threshold is the calibrated probability
that maximises F1 on tune; both go into the model file's metadata. Nothing from the test
splits (reader/splits.json) is read here.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import random
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.embedding import resolve_model_path  # noqa: E402
from reader.inputs import pair_text, tokenize  # noqa: E402
from reader.model import (  # noqa: E402
    BASE_MODEL,
    MAX_TOKENS,
    WEIGHTS_FILE,
    Heads,
    export_file,
    frozen_part,
    load_base,
    save,
    trained_part,
)

DATA = ROOT / "build" / "reader"
SEED = 14
# Rows kept per kind, and the token window while training: sized so the whole run fits the
# budget on 2 cores shared with other work (a 2-layer, 11,000-row first try ran ~1 row/s).
CAPS = {
    "argkp-train": 3500,
    "argkp-other": 800,
    "scifact-neg": 600,
    "scifact-chunk": 300,
    "judge-vitaminc": 400,
    "judge-cad_snli": 200,
    "judge-fm2": 250,
    "judge-fever_symmetric": 200,
    "judge-check_covid": 250,
    "judge-fever2_adversarial": 100,
    "judge-contractnli": 0,
}
TRAIN_TOKENS = 160
TUNE_ROWS = 800


def load_rows(name: str) -> list[dict[str, Any]]:
    path = DATA / f"{name}.jsonl"
    if not path.exists():
        maker = "reader_hybrid_negatives.py" if name == "train-hybrid" else "reader_data.py"
        sys.exit(f"{path} is missing: run scripts/{maker} first")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def encode(tokenizer: Any, batch: list[dict]) -> dict[str, torch.Tensor]:
    firsts = [pair_text(r["question"], r["options"]) for r in batch]
    return tokenize(tokenizer, firsts, [r["passage"] for r in batch], TRAIN_TOKENS)


def frozen_cache(
    quantised: Any, tokenizer: Any, rows: list[dict], tag: str, layers: int
) -> list[torch.Tensor]:
    """Hidden states below the `layers` trained layers, one [tokens, 384] fp16 tensor per
    row, computed once with the int8 model the product runs (cached under build/reader/).
    With every layer trained that is the (frozen) embeddings' output."""
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:12]
    path = DATA / f"frozen-{tag}-{layers}-{digest}.pt"
    if path.exists():
        return torch.load(path)
    out: list[torch.Tensor] = [torch.empty(0)] * len(rows)
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]["passage"]))
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(order), 32):
            group = order[start : start + 32]
            batch = encode(tokenizer, [rows[i] for i in group])
            hidden, _ = frozen_part(quantised, batch, layers)
            lengths = batch["attention_mask"].sum(1).tolist()
            for row, index in enumerate(group):
                out[index] = hidden[row, : lengths[row]].to(torch.float16).clone()
            if start % 1600 == 0:
                print(f"frozen {tag}: {start}/{len(rows)} {time.perf_counter() - started:.0f} s",
                      flush=True)  # fmt: skip
    torch.save(out, path)
    return out


def padded(cache: list[torch.Tensor], index: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(len(cache[i]) for i in index)
    hidden = torch.zeros(len(index), longest, cache[index[0]].shape[-1])
    mask = torch.zeros(len(index), longest, dtype=torch.long)
    for row, i in enumerate(index):
        hidden[row, : len(cache[i])] = cache[i].float()
        mask[row, : len(cache[i])] = 1
    return hidden, mask


def predict(
    base: Any, heads: Heads, cache: list[torch.Tensor], layers: int
) -> tuple[np.ndarray, np.ndarray]:
    heads.eval()
    rel, stance = [], []
    order = list(range(len(cache)))
    with torch.inference_mode():
        for start in range(0, len(order), 64):
            r, s = trained_part(base, heads, *padded(cache, order[start : start + 64]), layers)
            rel.append(r.float().numpy())
            stance.append(torch.softmax(s.float(), -1).numpy())
    return np.concatenate(rel), np.concatenate(stance)


def subsample(rows: list[dict], rng: random.Random, uncapped: set[str]) -> list[dict]:
    """Cap the cheap-to-make, plentiful kinds so the CPU budget goes to stance pairs
    (`uncapped` kinds keep every row)."""
    by_source: dict[str, list[dict]] = {}
    for row in rows:
        by_source.setdefault(
            row["source"].split("-")[0] + "-" + row["source"].split("-")[1], []
        ).append(row)
    kept = []
    for source, group in sorted(by_source.items()):
        cap = len(group) if source in uncapped else CAPS.get(source, len(group))
        kept += group if len(group) <= cap else rng.sample(group, cap)
    rng.shuffle(kept)
    return kept


def calibrate(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float, float, dict]:
    """Platt scaling on tune, and the F1-best threshold on the calibrated probability."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score, roc_auc_score

    platt = LogisticRegression(C=100.0).fit(logits.reshape(-1, 1), labels)
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    probs = 1 / (1 + np.exp(-(a * logits + b)))
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    f1s = [f1_score(labels, probs >= t) for t in grid]
    threshold = float(grid[int(np.argmax(f1s))])
    report = {"auc": float(roc_auc_score(labels, logits)), "f1": float(max(f1s))}
    return a, b, threshold, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    # The defaults are the shipped file's recipe (docs/data-cards/reader.md).
    parser.add_argument("--epochs", type=float, default=1.5)
    parser.add_argument("--limit", type=int, default=0, help="train on this many rows only")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument(
        "--out", type=Path, default=WEIGHTS_FILE,
        help="the fp16 weights; the int8 ONNX file the product runs is written beside it",
    )  # fmt: skip
    parser.add_argument("--layers", type=int, default=6,
                        help="top layers trained (6: all; the frozen pass is then only the "
                        "embeddings, and a step costs about six times as much)")  # fmt: skip
    parser.add_argument("--lr", type=float, default=6e-5, help="the layers' learning rate")
    parser.add_argument("--uncap", default="scifact-neg,scifact-chunk",
                        help="row kinds kept whole (comma-separated)")  # fmt: skip
    parser.add_argument("--extra", default="",
                        help="more training rows, kept whole: build/reader/NAME.jsonl, "
                        "comma-separated; train-hybrid comes from "
                        "scripts/reader_hybrid_negatives.py, train-pseudo from "
                        "scripts/reader_pseudo_queries.py (both tried, not adopted: "
                        "docs/data-cards/reader.md)")  # fmt: skip
    args = parser.parse_args()
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    rng = random.Random(SEED)
    uncapped = set(filter(None, args.uncap.split(",")))
    train, tune = subsample(load_rows("train"), rng, uncapped), load_rows("tune")
    extra = list(filter(None, args.extra.split(",")))
    if extra:  # shuffled in; a run without them draws as the shipped recipe does
        for name in extra:
            train += load_rows(name)
        rng.shuffle(train)
    tune = rng.sample(tune, min(TUNE_ROWS, len(tune)))
    if args.limit:
        train = rng.sample(train, args.limit)
    started = time.perf_counter()
    tokenizer, base = load_base(resolve_model_path(BASE_MODEL))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantised = torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(base), {torch.nn.Linear}, dtype=torch.qint8
        )
    train_cache = frozen_cache(quantised, tokenizer, train, "train", args.layers)
    tune_cache = frozen_cache(quantised, tokenizer, tune, "tune", args.layers)
    del quantised
    for param in base.parameters():
        param.requires_grad = False
    for layer in base.encoder.layer[len(base.encoder.layer) - args.layers :]:
        for param in layer.parameters():
            param.requires_grad = True
    heads = Heads(base.config.hidden_size)
    params = [
        {"params": [p for p in base.parameters() if p.requires_grad], "lr": args.lr},
        {"params": list(heads.parameters()), "lr": 1e-3},
    ]
    optimiser = torch.optim.AdamW(params, weight_decay=0.01)
    plan = []
    index = list(range(len(train)))
    for epoch in range(math.ceil(args.epochs)):
        rng.shuffle(index)
        ordered = []
        for start in range(0, len(index), args.batch * 50):
            pool = sorted(index[start : start + args.batch * 50], key=lambda i: len(train_cache[i]))
            ordered += [pool[i : i + args.batch] for i in range(0, len(pool), args.batch)]
        rng.shuffle(ordered)
        share = min(1.0, args.epochs - epoch)
        plan += ordered[: int(len(ordered) * share)]
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=[args.lr, 1e-3], total_steps=len(plan), pct_start=0.06
    )
    stance_loss = torch.nn.CrossEntropyLoss(ignore_index=-1)
    base.train()
    heads.train()
    for step, batch in enumerate(plan, 1):
        rel_logit, stance_logits = trained_part(
            base, heads, *padded(train_cache, batch), args.layers
        )
        stance = torch.tensor([train[i]["stance"] for i in batch])
        relevance = torch.tensor([train[i]["relevance"] for i in batch], dtype=torch.float)
        loss = stance_loss(stance_logits, stance) if (stance >= 0).any() else rel_logit.sum() * 0
        known = relevance >= 0
        if known.any():
            loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(
                rel_logit[known], relevance[known]
            )
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 100 == 0 or step == len(plan):
            elapsed = time.perf_counter() - started
            print(f"step {step}/{len(plan)} loss {loss.item():.3f} {elapsed:.0f} s", flush=True)
    base.eval()
    rel, probs = predict(base, heads, tune_cache, args.layers)
    labels = np.array([r["relevance"] for r in tune])
    known = labels >= 0
    a, b, threshold, report = calibrate(rel[known], labels[known])
    stance_rows = [
        i for i, r in enumerate(tune) if r["source"] == "argkp-tune" and r["stance"] in (0, 1)
    ]
    from sklearn.metrics import f1_score

    gold = [tune[i]["stance"] for i in stance_rows]
    report["argkp_tune_macro_f1"] = float(
        f1_score(gold, probs[stance_rows].argmax(1), average="macro")
    )
    report["argkp_tune_macro_f1_two_way"] = float(
        f1_score(gold, probs[stance_rows][:, :2].argmax(1), average="macro")
    )
    meta = {
        "base_model": BASE_MODEL,
        "trained_layers": args.layers,
        "learning_rate": args.lr,
        "uncapped": sorted(uncapped),
        "extra": extra,
        "max_tokens": MAX_TOKENS,
        "train_tokens": TRAIN_TOKENS,
        "platt": [a, b],
        "threshold": threshold,
        "tune": report,
        "train_rows": len(train),
        "epochs": args.epochs,
        "seed": SEED,
        "train_seconds": round(time.perf_counter() - started),
    }
    save(args.out.resolve(), base, heads, meta)
    print(json.dumps(meta, indent=1))
    export_file(args.out.resolve())  # reader/reader.onnx, what `Reader` runs
    print(f"wrote {args.out.resolve().with_suffix('.onnx')}")


if __name__ == "__main__":
    main()
