"""Final macro-F1 of the vectorised ``sgd`` against ``sgd-sklearn`` on the shared datasets.

Default (``--final-fits``, cheap enough for a loaded machine): for every shared dataset x 3 seeds,
the seeded stratified 80/20 split of the runner, and one uniform random subset of the pool of
the paper protocol's final size (1.25% + 20 x 2.5% = 51.25% of the pool): exactly the final
labelled set of a random-sampling run, drawn once. Both classifiers fit on it (same seed); the
test macro-F1 pairs up, and the CPU seconds of the fits are summed.

``--grid``: whole active-learning runs, the paper protocol (the ``paper`` preset's pool fractions:
1.25% initial, 20 rounds of 2.5%) with margin sampling (``--strategies``), on every shared dataset
x 3 seeds, MiniLM (the folders' ``minilm.npy``), once with each classifier through
``annal experiment run`` (2 workers). Runs pair up by (dataset, strategy, seed): same
split, same initial set. Prints the paired difference of the final macro-F1 with its 95%
Student-t interval, per dataset and overall, and the grids' wall times; writes its
BENCHMARKS.md section.

    PYTHONPATH=src python benchmarks/sgd_fidelity.py [--grid] [--out DIR] [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from common import TreeCPU  # noqa: E402
from end_to_end import load_average, write_section  # noqa: E402
from selection import shared_datasets_root  # noqa: E402

CLASSIFIERS = ("sgd", "sgd-sklearn")


def fidelity_config(
    root: Path, classifier: str, seeds: int = 3, strategies: tuple[str, ...] = ("margin",)
):
    """The grid for one classifier: every shared dataset, ``strategies``, paper fractions."""
    from annal.data.sources import dataset_names
    from annal.experiments import parse_config

    return parse_config(
        {
            "name": f"sgd-fidelity-{classifier}",
            "data_root": str(root),
            "datasets": [{"name": d} for d in dataset_names(root)],
            "seeds": seeds,
            "protocol": {"initial": 0.0125, "budget": 0.025, "rounds": 20},
            "classifier": classifier,
            "strategies": list(strategies),
        }
    )


def final_f1(run_dir: Path) -> pd.DataFrame:
    """``dataset, strategy, seed, f1`` of every finished run's last round."""
    from annal.experiments.store import ResultsStore
    from annal.report.stats import final_rounds

    with ResultsStore.existing(run_dir) as store:
        rounds = store.rounds_frame()
    done = final_rounds(rounds[rounds["status"] == "done"])
    return done[["dataset", "strategy", "seed", "f1_macro"]].rename(columns={"f1_macro": "f1"})


def paired_ci(diff: np.ndarray) -> tuple[float, float]:
    """Mean of ``diff`` and the half-width of its 95% Student-t interval."""
    d = np.asarray(diff, dtype=float)
    if len(d) < 2:
        return float(d.mean()), float("nan")
    return float(d.mean()), float(stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)))


def compare(ours: pd.DataFrame, theirs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs (``f1_sgd``, ``f1_sklearn``, ``diff``) and a per-dataset + overall summary."""
    keys = ["dataset", "strategy", "seed"]
    pairs = ours.merge(theirs, on=keys, suffixes=("_sgd", "_sklearn"))
    pairs["diff"] = pairs["f1_sgd"] - pairs["f1_sklearn"]
    rows = []
    for name, g in [*pairs.groupby("dataset", sort=True), ("all", pairs)]:
        m, ci = paired_ci(g["diff"].to_numpy())
        rows.append((name, len(g), g["f1_sgd"].mean(), g["f1_sklearn"].mean(), m, ci))
    cols = ["dataset", "pairs", "sgd", "sgd-sklearn", "sgd - sgd-sklearn", "95% CI ±"]
    return pairs, pd.DataFrame(rows, columns=cols)


def paired_table(summary: pd.DataFrame) -> list[str]:
    """The per-dataset rows of a paired sgd vs sgd-sklearn comparison, as Markdown lines."""
    lines = [
        "| dataset | pairs | sgd | sgd-sklearn | sgd − sgd-sklearn | 95% CI ± |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in summary.itertuples(index=False):
        lines.append(f"| {r[0]} | {r[1]} | {r[2]:.4f} | {r[3]:.4f} | {r[4]:+.4f} | {r[5]:.4f} |")
    return lines


def markdown(
    summary: pd.DataFrame,
    walls: dict[str, float],
    load: str,
    jobs: int,
    strategies: tuple[str, ...] = ("margin",),
    cpu: dict[str, float] | None = None,
    seeds: int = 3,
) -> str:
    """The BENCHMARKS.md section (``seeds`` per dataset, as the grid ran)."""
    overall = summary[summary["dataset"] == "all"].iloc[0]
    m, ci = overall["sgd - sgd-sklearn"], overall["95% CI ±"]
    within = abs(m) + ci <= 0.005
    lines = [
        f"Measured by `benchmarks/sgd_fidelity.py --grid --seeds {seeds} --strategies "
        f"{' '.join(strategies)}`: "
        "whole active-learning runs, the paper protocol (pool fractions of the `paper` preset: "
        f"1.25% initial, 20 rounds of 2.5%) with {' and '.join(strategies)} sampling on the 7 "
        f"shared datasets x {seeds} seeds, MiniLM (the folders' `minilm.npy`), once per "
        f"classifier, `annal experiment run --jobs {jobs}` ({load}). Final macro-F1, paired by (dataset, "
        "strategy, seed): same split and initial set; each classifier chose its own batches.",
        "",
        *paired_table(summary),
        "",
        f"Overall: {m * 100:+.2f} points (95% CI {(m - ci) * 100:+.2f} to {(m + ci) * 100:+.2f}); "
        + (
            "the whole interval lies within the 0.5-point target."
            if within
            else "the interval is not entirely within ±0.5 point."
        ),
        (
            f"Grid wall time: sgd {walls['sgd']:.0f} s, sgd-sklearn {walls['sgd-sklearn']:.0f} s"
            if walls
            else "Read with `--read` from the stores of a grid that had not finished: only the "
            "runs both classifiers finished pair up"
        )
        + (
            f"; CPU seconds of this process and its workers: sgd {cpu['sgd']:.0f}, "
            f"sgd-sklearn {cpu['sgd-sklearn']:.0f}."
            if cpu
            else "."
        ),
    ]
    return "\n".join(lines)


def final_fits(root: Path, seeds: int = 3) -> tuple[pd.DataFrame, dict[str, float]]:
    """Final F1 of both classifiers on random-sampling final labelled sets (module docstring)."""
    import warnings

    from annal.al import LabelledModel, make_classifier, stratified_split
    from annal.al.metrics import evaluate_predictions
    from annal.data import load_dataset
    from annal.data.sources import dataset_names
    from annal.embed import embed_dataset
    from end_to_end import cpu_seconds

    rows, cpu = [], dict.fromkeys(CLASSIFIERS, 0.0)
    for name in dataset_names(root):
        ds = load_dataset(name, data_root=root)
        X = np.ascontiguousarray(embed_dataset(ds, progress=False), dtype=np.float32)
        y = np.asarray(ds.y, dtype=np.int64)
        for seed in range(seeds):
            train, test = stratified_split(y, test_size=0.2, seed=seed)
            size = max(1, round(0.0125 * len(train))) + 20 * max(1, round(0.025 * len(train)))
            pick = np.random.default_rng([seed, 12]).choice(train, size=size, replace=False)
            Xl, yl = X[pick], y[pick]
            for clf in CLASSIFIERS:
                model = LabelledModel(make_classifier(clf, seed), ds.n_classes)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    cpu[clf] += cpu_seconds(lambda m=model, a=Xl, b=yl: m.fit(a, b))
                f1 = evaluate_predictions(y[test], model.predict(X[test]), ds.n_classes)["f1_macro"]
                rows.append((name, "random-final", seed, clf, float(f1)))
            print(f"  .. {name} seed {seed}: {size} labelled", flush=True)
    frame = pd.DataFrame(rows, columns=["dataset", "strategy", "seed", "classifier", "f1"])
    return frame, cpu


def final_fits_markdown(summary: pd.DataFrame, cpu: dict[str, float], load: str) -> str:
    """The BENCHMARKS.md section of ``--final-fits``."""
    overall = summary[summary["dataset"] == "all"].iloc[0]
    m, ci = overall["sgd - sgd-sklearn"], overall["95% CI ±"]
    lines = [
        "Measured by `benchmarks/sgd_fidelity.py` (one BLAS thread; "
        f"{load}): on each of the 7 shared datasets x 3 seeds, the runner's stratified 80/20 "
        "split and a uniform random 51.25% of the pool, the final labelled set of a random-"
        "sampling run under the paper protocol (1.25% initial + 20 x 2.5%); both classifiers "
        "fit on it with the same seed. Test macro-F1, paired.",
        "",
        *paired_table(summary),
        "",
        f"Overall: {m * 100:+.2f} points (95% CI {(m - ci) * 100:+.2f} to {(m + ci) * 100:+.2f})"
        + (
            "; the whole interval lies within the ±0.5-point target."
            if abs(m) + ci <= 0.005
            else "; the interval is not entirely within the ±0.5-point target."
        )
        + f" CPU seconds of the 21 fits: sgd {cpu['sgd']:.1f}, sgd-sklearn {cpu['sgd-sklearn']:.1f} "
        f"({cpu['sgd-sklearn'] / cpu['sgd']:.1f}x).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the comparison, print, write the section."""
    from annal.experiments import run_experiment

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results" / "sgd_fidelity")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--grid", action="store_true", help="whole AL runs (slow; see above)")
    parser.add_argument("--strategies", nargs="+", default=["margin"], help="with --grid")
    parser.add_argument(
        "--read", action="store_true", help="with --grid: pair the finished runs in --out"
    )
    args = parser.parse_args(argv)
    root = shared_datasets_root()
    if root is None:
        print("error: the shared datasets are not present", file=sys.stderr)
        return 2
    before = load_average()
    if not args.grid:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            frame, cpu = final_fits(root, args.seeds)
        load = f"{before} before, {load_average()} after"
        by = {c: frame[frame["classifier"] == c].drop(columns="classifier") for c in CLASSIFIERS}
        _, table = compare(by["sgd"], by["sgd-sklearn"])
        body = final_fits_markdown(table, cpu, load)
        print(body)
        write_section("sgd-fidelity", "Vectorised sgd vs scikit-learn's: final macro-F1", body)
        return 0
    walls, finals, cpu = {}, {}, {}
    strategies = tuple(args.strategies)
    if args.read:  # the stores of a grid still running (or stopped): finished runs only
        finals = {name: final_f1(args.out / name) for name in CLASSIFIERS}
        _, table = compare(finals["sgd"], finals["sgd-sklearn"])
        body = markdown(table, {}, f"{before} when read", args.jobs, strategies, seeds=args.seeds)
        print(body)
        write_section("sgd-fidelity", "Vectorised sgd vs scikit-learn's: final macro-F1", body)
        return 0
    for name in CLASSIFIERS:
        out = args.out / name
        with TreeCPU() as tree:
            summary = run_experiment(
                fidelity_config(root, name, args.seeds, strategies),
                out,
                jobs=args.jobs,
                progress=False,
            )
        cpu[name] = tree.seconds
        walls[name] = summary.wall_s
        finals[name] = final_f1(out)
        print(f"{name}: {summary.total} cells, {summary.wall_s:.1f} s", flush=True)
    load = f"{before} before, {load_average()} after"
    _, table = compare(finals["sgd"], finals["sgd-sklearn"])
    body = markdown(table, walls, load, args.jobs, strategies, cpu, seeds=args.seeds)
    print(body)
    write_section("sgd-fidelity", "Vectorised sgd vs scikit-learn's: final macro-F1", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
