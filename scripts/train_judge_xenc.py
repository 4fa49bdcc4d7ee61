"""Train the citation judge's cross-encoder (audit/judge_xenc.safetensors).

    .venv/bin/python scripts/train_judge_xenc.py [--layers 6] [--epochs 1] [--stack-only]

The packaged all-MiniLM-L6-v2 reads claim + passage window (``audit.crossenc.window``); its
top `--layers` layers are trained (all six by default: one trained layer over frozen ones
learned little, docs/benchmarks.md); what lies below stays as packaged, runs once per
training pair (int8, no gradient) and is cached (fp16, under build/judge-xenc/). Four-way
head: supported / partially supported / not supported / contradicted (cross-entropy).

Data (training groups only, see docs/data-cards/judge.md): SciFact, WiCE and ExpertQA
training groups (``audit/splits.json``) minus a *tune* share, made pairs from them (hard
negatives, changed numbers and negations, partial support as MiniCheck built it), and a
sample of judge-extra's training groups with partial pairs made from them. The tune groups
(TUNE_SHARE of each set's training groups, by hash) fit how the cross-encoder and the
feature judge combine, the thresholds and the cascade band; nothing of the test groups is
read. Fixed seed; sized for under 60 minutes on 2 shared CPU cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from judge_data import DATA, Pair, load_all, load_splits, split_pairs  # noqa: E402
from judge_fit import choose_contradiction_threshold, choose_thresholds  # noqa: E402
from judge_synth import hard_negatives, partial_pairs, perturbed_negatives  # noqa: E402

from audit import crossenc  # noqa: E402
from reader.model import frozen_part, trained_part  # noqa: E402

BUILD = ROOT / "build" / "judge-xenc"
SEED = 16
TUNE_SHARE = 0.2
IN_DOMAIN = ("scifact", "wice", "expertqa")
REPEAT_IN_DOMAIN = 2  # natural SciFact/WiCE/ExpertQA pairs are seen twice an epoch
CAPS = {"made": 2500, "extra": 9000, "extra-partial": 1500, "extra-tune": 600}
EXTRA_ORIGIN_CAP = 2500  # VitaminC and counterfactual SNLI would crowd out the rest


def is_tune(group: str) -> bool:
    value = int(hashlib.sha1(f"tune:{SEED}:{group}".encode()).hexdigest()[:8], 16)
    return value % 1000 < TUNE_SHARE * 1000


def build_rows(rng: random.Random) -> tuple[list[Pair], list[Pair]]:
    """(training pairs, tune pairs)."""
    train = split_pairs(load_all(DATA), load_splits(), "train")
    fit = {name: [p for p in pairs if not is_tune(p.group)] for name, pairs in train.items()}
    tune = [p for name in IN_DOMAIN for p in train[name] if is_tune(p.group)]
    extra_tune = [p for p in train["extra"] if is_tune(p.group)]
    tune += rng.sample(extra_tune, min(CAPS["extra-tune"], len(extra_tune)))

    natural = [p for name in IN_DOMAIN for p in fit[name]]
    made = [n for name in ("scifact", "expertqa") for n in hard_negatives(fit[name])]
    made += perturbed_negatives(natural) + partial_pairs(natural)
    made = rng.sample(made, min(CAPS["made"], len(made)))
    by_origin: dict[str, list[Pair]] = {}
    for p in fit["extra"]:
        by_origin.setdefault(p.origin, []).append(p)
    extra: list[Pair] = []
    for origin in sorted(by_origin):
        group = by_origin[origin]
        extra += group if len(group) <= EXTRA_ORIGIN_CAP else rng.sample(group, EXTRA_ORIGIN_CAP)
    extra = rng.sample(extra, min(CAPS["extra"], len(extra)))
    extra_partial = partial_pairs(fit["extra"])
    extra_partial = rng.sample(extra_partial, min(CAPS["extra-partial"], len(extra_partial)))
    rows = natural * REPEAT_IN_DOMAIN + made + extra + extra_partial
    rng.shuffle(rows)
    return rows, tune


def windows(pairs: list[Pair], tokenizer: Any) -> list[str]:
    from audit.encoder import StaticEncoder

    encoder = StaticEncoder()
    return [crossenc.window(p.claim, p.passage, encoder, tokenizer) for p in pairs]


def frozen_cache(base: Any, tokenizer: Any, pairs: list[Pair], tag: str, layers: int) -> list[Any]:
    """Hidden states below the trained layer, one [tokens, 384] fp16 tensor per pair."""
    import torch

    digest = hashlib.sha256(
        json.dumps([[p.pair_id, p.claim, p.passage] for p in pairs]).encode()
    ).hexdigest()[:12]
    path = BUILD / f"frozen-{tag}-{layers}-{crossenc.MAX_TOKENS}-{digest}.pt"
    if path.exists():
        return list(torch.load(path))
    started = time.perf_counter()
    cut = windows(pairs, tokenizer)
    print(f"windows {tag}: {time.perf_counter() - started:.0f} s", flush=True)
    out: list[Any] = [None] * len(pairs)
    order = sorted(range(len(pairs)), key=lambda i: len(cut[i]) + len(pairs[i].claim))
    with torch.inference_mode():
        for start in range(0, len(order), 32):
            group = order[start : start + 32]
            batch = crossenc.tokenize(tokenizer, [pairs[i].claim for i in group],
                                      [cut[i] for i in group])  # fmt: skip
            hidden = frozen_part(base, batch, layers)[0]
            lengths = batch["attention_mask"].sum(1).tolist()
            for row, index in enumerate(group):
                out[index] = hidden[row, : lengths[row]].to(torch.float16).clone()
            if start % 1600 == 0:
                print(f"frozen {tag}: {start}/{len(pairs)} {time.perf_counter() - started:.0f} s",
                      flush=True)  # fmt: skip
    BUILD.mkdir(parents=True, exist_ok=True)
    torch.save(out, path)
    return out


def padded(cache: list[Any], index: list[int]) -> tuple[Any, Any]:
    import torch

    longest = max(len(cache[i]) for i in index)
    hidden = torch.zeros(len(index), longest, cache[index[0]].shape[-1])
    mask = torch.zeros(len(index), longest, dtype=torch.long)
    for row, i in enumerate(index):
        hidden[row, : len(cache[i])] = cache[i].float()
        mask[row, : len(cache[i])] = 1
    return hidden, mask


def predict(base: Any, head: Any, cache: list[Any], layers: int) -> np.ndarray:
    import torch

    head.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(cache), 64):
            index = list(range(start, min(len(cache), start + 64)))
            logits = trained_part(base, head, *padded(cache, index), layers)
            out.append(torch.softmax(logits.float(), -1).numpy())
    return np.concatenate(out)


def fit_stack(tune: list[Pair], probs: np.ndarray) -> dict[str, Any]:
    """How the cross-encoder and the feature judge combine, chosen on the tune groups: a
    logistic regression over both, its thresholds, the contradiction threshold, and the
    cascade band (feature scores outside it are not sent to the cross-encoder)."""
    from judge_fit import binary_macro_f1
    from sklearn.linear_model import LogisticRegression

    from audit.judge import Judge

    judge = Judge(quotes=False, cross_encoder=False)
    feature = np.array([j.score for j in judge.judge_many([(p.claim, p.passage) for p in tune])])
    labels = [p.label for p in tune]
    datasets = [p.dataset for p in tune]
    y = np.array([label == "supported" for label in labels], dtype=int)
    weights = np.array([1.0 / Counter(datasets)[d] for d in datasets]) * len(tune)
    x = crossenc.stack_inputs(feature, probs)
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y, sample_weight=weights)
    stack = {"coef": model.coef_[0].round(5).tolist(), "intercept": float(model.intercept_[0])}
    combined = crossenc.combine({"stack": stack}, feature, probs)
    t_hi, t_lo, f1 = choose_thresholds(combined, labels, datasets)
    contra = np.array([label == "contradicted" for label in labels], dtype=int)
    t_contra, f1_contra, p_contra = choose_contradiction_threshold(probs[:, 3], contra, datasets)
    report: dict[str, Any] = {"tune_pairs": dict(Counter(datasets)), "stacked_f1": round(f1, 4)}
    ds = np.array(datasets)
    for name, scores, t in (("feature", feature, -1.0), ("xenc", probs[:, 0], -1.0),
                            ("stacked", combined, t_hi)):  # fmt: skip
        threshold = t if t >= 0 else choose_thresholds(scores, labels, datasets)[0]
        report[name] = {
            d: round(binary_macro_f1(y[ds == d], (scores[ds == d] >= threshold).astype(int)), 3)
            for d in sorted(set(datasets))
        }
    # The cascade: the narrowest band of feature scores around the thresholds that keeps
    # the stacked figure within 0.005 of consulting the cross-encoder on every pair.
    bands = {}
    for lo in (0.0, 0.02, 0.05, 0.1, 0.15, 0.2):
        for hi in (1.0, 0.95, 0.9, 0.8, 0.7, 0.6):
            ask = (feature >= lo) & (feature <= hi)
            scores = np.where(ask, combined, feature)
            t = choose_thresholds(scores, labels, datasets)
            bands[(lo, hi)] = (t[2], float(ask.mean()), t[0], t[1])
    full = bands[(0.0, 1.0)][0]
    lo, hi = min((k for k, v in bands.items() if v[0] >= full - 0.005), key=lambda k: bands[k][1])
    report["band_f1"] = round(bands[(lo, hi)][0], 4)
    report["band_share"] = round(bands[(lo, hi)][1], 3)
    return {
        "stack": stack,
        "thresholds": {"supported": t_hi, "partially_supported": t_lo, "contradicted": t_contra,
                       "band_supported": bands[(lo, hi)][2],
                       "band_partially_supported": bands[(lo, hi)][3]},
        "band": [lo, hi],
        "contradiction_tune": {"f1": round(f1_contra, 4), "precision": round(p_contra, 4)},
        "tune": report,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--layers", type=int, default=crossenc.TRAINED_LAYERS,
                        help="top layers trained (6: all)")  # fmt: skip
    parser.add_argument("--lr", type=float, default=5e-5, help="the layers' peak rate")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--out", type=Path, default=crossenc.MODEL_FILE)
    parser.add_argument("--stack-only", action="store_true",
                        help="refit the combination on the last checkpoint")  # fmt: skip
    args = parser.parse_args()
    import torch

    from ingest.embedding import resolve_model_path
    from reader.model import apply_state, load_base

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    rng = random.Random(SEED)
    started = time.perf_counter()
    rows, tune = build_rows(rng)
    print(f"rows: {len(rows)} training ({dict(Counter(p.label for p in rows))}), "
          f"{len(tune)} tune", flush=True)  # fmt: skip
    tokenizer, base = load_base(resolve_model_path(crossenc.BASE_MODEL))
    layers = args.layers
    crossenc.quantize_lower(base, layers)
    head = crossenc.make_head(base.config.hidden_size)
    checkpoint = BUILD / f"checkpoint-{layers}.pt"
    tune_cache = frozen_cache(base, tokenizer, tune, "tune", layers)
    if args.stack_only:
        state = torch.load(checkpoint)
        apply_state(base, head, state["state"])
        meta_train = state["meta"]
    else:
        cache = frozen_cache(base, tokenizer, rows, "train", layers)
        meta_train = train(args, base, head, rows, cache, tune, tune_cache, rng, started)
        state = crossenc.trained_state(base, head, layers)
        torch.save({"state": state, "meta": meta_train}, checkpoint)
    base.eval()
    probs = predict(base, head, tune_cache, layers)
    meta = {
        "base_model": crossenc.BASE_MODEL,
        "trained_layers": layers,
        "max_tokens": crossenc.MAX_TOKENS,
        "labels": list(crossenc.LABELS),
        "seed": SEED,
        **meta_train,
        **fit_stack(tune, probs),
    }
    crossenc.save(args.out.resolve(), base, head, meta)
    print(json.dumps(meta, indent=1))
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB) in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip


def train(args, base, head, rows, cache, tune, tune_cache, rng, started) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    import torch

    for param in base.parameters():
        param.requires_grad = False
    layers = args.layers
    top = base.encoder.layer[-layers:]
    for param in top.parameters():
        param.requires_grad = True
    optimiser = torch.optim.AdamW([
        {"params": [p for p in top.parameters()], "lr": args.lr},
        {"params": list(head.parameters()), "lr": 1e-3},
    ], weight_decay=0.01)  # fmt: skip
    plan: list[list[int]] = []
    index = list(range(len(rows)))
    for epoch in range(math.ceil(args.epochs)):
        rng.shuffle(index)
        batches = []
        for start in range(0, len(index), args.batch * 50):  # similar lengths batched
            pool = sorted(index[start : start + args.batch * 50], key=lambda i: len(cache[i]))
            batches += [pool[i : i + args.batch] for i in range(0, len(pool), args.batch)]
        rng.shuffle(batches)
        plan += batches[: int(len(batches) * min(1.0, args.epochs - epoch))]
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=[args.lr, 1e-3], total_steps=len(plan), pct_start=0.06
    )
    target = torch.tensor([crossenc.LABELS.index(p.label) for p in rows])
    loss_fn = torch.nn.CrossEntropyLoss()
    per_epoch = math.ceil(len(rows) / args.batch)
    for step, batch in enumerate(plan, 1):
        base.train()
        head.train()
        logits = trained_part(base, head, *padded(cache, batch), layers)
        loss = loss_fn(logits, target[batch])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 100 == 0:
            print(f"step {step}/{len(plan)} loss {loss.item():.3f} "
                  f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
        if step % per_epoch == 0 or step == len(plan):
            base.eval()
            probs = predict(base, head, tune_cache, layers)
            y = np.array([p.label == "supported" for p in tune])
            from sklearn.metrics import roc_auc_score

            print(f"tune AUC (supported) {roc_auc_score(y, probs[:, 0]):.3f} at step {step}",
                  flush=True)  # fmt: skip
            state = crossenc.trained_state(base, head, layers)
            torch.save({"state": state, "meta": {}}, BUILD / f"checkpoint-{layers}.pt")
    return {
        "train_rows": len(rows),
        "train_labels": dict(Counter(p.label for p in rows)),
        "train_sources": dict(Counter(p.dataset + (":made" if p.synthetic else "") for p in rows)),
        "epochs": args.epochs,
        "lr": args.lr,
        "train_seconds": round(time.perf_counter() - started),
    }


if __name__ == "__main__":
    main()
