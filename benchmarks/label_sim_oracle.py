"""A simulated oracle through a labelling project against ``annal al run`` (same strategy/seed).

For each dataset: the split, initial set and classifier of ``annal al run``; the same run once
through :class:`annal.al.ActiveLearningLoop` and once through a labelling project (the store's
claim and label transactions, the trainer's fits), answering from the known labels. Prints the
F1 curves side by side, where each stopping criterion would have stopped each run and the
macro-F1 there against the end, and writes the "Labelling with a simulated oracle" section of
BENCHMARKS.md.

    python benchmarks/label_sim_oracle.py                       # trec6 and r8, seeds 0 and 1
    python benchmarks/label_sim_oracle.py --datasets trec6 --seeds 0 --no-write
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from annal.al import ActiveLearningLoop, stratified_split  # noqa: E402
from annal.al.stopping import stop_costs  # noqa: E402
from annal.data import load_dataset  # noqa: E402
from annal.embed import embed_dataset  # noqa: E402
from annal.label.simulate import simulate_project  # noqa: E402
from label_latency import REPORT, SHARED, write_section  # noqa: E402


def compare(name: str, seed: int, args) -> dict:
    ds = load_dataset(name, data_root=SHARED)
    X = embed_dataset(ds, None, progress=False)
    y = np.asarray(ds.y, dtype=np.int64)
    train, test = stratified_split(y, test_size=0.2, seed=seed)
    kw = dict(
        init=args.init,
        classifier=args.classifier,
        initial=args.initial,
        budget=args.budget,
        rounds=args.rounds,
        seed=seed,
    )
    t0 = time.perf_counter()
    loop = ActiveLearningLoop(args.strategy, **kw).run(
        X[train], y[train], X[test], y[test], ids=ds.ids[train], n_classes=ds.n_classes
    )
    loop_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        sim = simulate_project(
            Path(tmp) / "project",
            X[train],
            y[train],
            X[test],
            y[test],
            list(ds.classes),
            strategy=args.strategy,
            **kw,
        )
        sim_s = time.perf_counter() - t0
    loop_rows = [r.as_dict() for r in loop]
    return {
        "dataset": name,
        "seed": seed,
        "loop": loop_rows,
        "sim": sim,
        "loop_s": loop_s,
        "sim_s": sim_s,
        "stops": (stop_costs(loop_rows), stop_costs(sim)),
    }


def stop_text(c: dict) -> str:
    if c["round"] is None:
        return "never"
    return f"round {c['round']} ({c['n_labelled']} labels): F1 {c['score']:.3f} (cost {c['cost']:+.3f})"


def report(results: list[dict], args) -> str:
    out = []
    for res in results:
        f_loop = [r["f1_macro"] for r in res["loop"]]
        f_sim = [r["f1_macro"] for r in res["sim"]]
        n = min(len(f_loop), len(f_sim))
        diff = np.abs(np.asarray(f_loop[:n]) - np.asarray(f_sim[:n]))
        phases = [r["phase"] for r in res["sim"]]
        out += [
            f"### {res['dataset']}, seed {res['seed']}",
            "",
            f"`annal al run {res['dataset']} --strategy {args.strategy} --init {args.init}"
            f" --classifier {args.classifier} --initial {args.initial} --budget {args.budget}"
            f" --rounds {args.rounds} --seed {res['seed']}` ({res['loop_s']:.1f} s) against the"
            f" same run through a labelling project ({res['sim_s']:.1f} s): largest |ΔF1| over"
            f" {n} rounds {diff.max():.4f}; the project's batches came from the initialiser in"
            f" {phases.count('init')} of {len(phases)} rounds (cold start until every label has"
            " an example).",
            "",
            "| round | labelled | macro-F1 `al run` | macro-F1 project |",
            "|---:|---:|---:|---:|",
        ]
        for i in range(n):
            out.append(
                f"| {i} | {res['loop'][i]['n_labelled']} | {f_loop[i]:.4f} | {f_sim[i]:.4f} |"
            )
        out += [
            "",
            "| criterion | `al run` would stop at | project would stop at |",
            "|---|---|---|",
        ]
        for a, b in zip(*res["stops"], strict=True):
            out.append(f"| {a['criterion']} | {stop_text(a)} | {stop_text(b)} |")
        final = res["stops"][0][0]
        out += [
            "",
            f"Macro-F1 at the end: {final['final_score']:.3f} ({final['final_n_labelled']} labels).",
            "",
        ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["trec6", "r8"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--strategy", default="margin")
    parser.add_argument("--init", default="cluster-coverage")
    parser.add_argument("--classifier", default="sgd")
    parser.add_argument("--initial", type=int, default=100)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if not (SHARED / "trec6").is_dir():
        print(f"error: {SHARED} not found", file=sys.stderr)
        return 2
    load = os.getloadavg()[0]
    results = [compare(d, s, args) for d in args.datasets for s in args.seeds]
    md = report(results, args)
    print(md)
    if not args.no_write:
        write_section(
            REPORT,
            "label-sim-oracle",
            "## Labelling with a simulated oracle (`annal label` vs `annal al run`)\n\n"
            f"`python benchmarks/label_sim_oracle.py --datasets {' '.join(args.datasets)} --seeds"
            f" {' '.join(map(str, args.seeds))}` (load average {load:.1f} at the start). The"
            " project answers from the known labels through the store and the trainer the page"
            " uses; identical F1 means the project is the loop.\n\n" + md,
        )
        print(f"wrote the label-sim-oracle section of {REPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
