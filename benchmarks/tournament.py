"""The tournament's table: every strategy against margin, from a finished run directory.

Run the preset (or a reduced copy of it), then::

    python benchmarks/tournament.py RUN_DIR [RUN_DIR ...] --wall-s 3900 --command "..."

prints the ranking (the report's Summary numbers: mean F1 curve area, paired difference to
margin with its 95% interval, wins/ties/losses, final macro-F1, minority recall, seconds per
round) with the issue's goal beside each strategy (pooled AULC at least 0.01 above margin with
the interval above zero), and writes it to ``docs/tournament.md``. Nothing here runs the grid
or tunes anything: the numbers come from the stored rounds. Several run directories of one
config that differ only in their seeds or datasets (a grid run in parts) are pooled, each cell
counted once; only (dataset, seed) groups where every strategy finished count, so every
difference stays paired.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

from annal._io import atomic_write_bytes, atomic_write_text
from annal.experiments.config import Config
from annal.experiments.store import ResultsStore
from annal.report.document import Document
from annal.report.figures import paired_difference_plot, png
from annal.report.summary import summarise_strategies

DOC = Path(__file__).resolve().parent.parent / "docs" / "tournament.md"
#: The issue's goal: pooled AULC at least this much above margin, interval above zero.
GOAL = 0.01


def verdict(diff: float, ci: float) -> str:
    """How a strategy's pooled difference to margin stands against the goal."""
    if math.isnan(diff):
        return "baseline"
    lo = diff - ci if math.isfinite(ci) else float("nan")
    if diff >= GOAL and lo > 0:
        return "meets the goal"
    if lo > 0:
        return f"better than margin, {GOAL - diff:.4f} short of +{GOAL}"
    if diff >= GOAL:
        return f"+{GOAL} reached, but the interval reaches {lo:+.3f}"
    if diff > 0:
        return f"not separated from margin (interval reaches {lo:+.3f}); {GOAL - diff:.4f} short"
    return f"below margin by {-diff:.3f}"


def complete_groups(done: pd.DataFrame, strategies: list[str]) -> pd.DataFrame:
    """The rounds of the (dataset, seed) groups in which every one of ``strategies`` finished."""
    ran = done.groupby(["dataset", "seed"])["strategy"].agg(lambda s: set(s))
    full = [key for key, got in ran.items() if set(strategies) <= got]
    keep = done.set_index(["dataset", "seed"]).index.isin(full)
    return done[keep]


def load_runs(run_dirs: list[Path]) -> tuple[Config, pd.DataFrame, dict, pd.DataFrame]:
    """Config (seeds of every part), finished rounds, dataset facts and runs of ``run_dirs``."""
    configs, rounds, runs, ds_info = [], [], [], {}
    for run_dir in run_dirs:
        with ResultsStore.existing(run_dir) as store:
            configs.append(Config.model_validate(store.config()))
            rounds.append(store.rounds_frame())
            runs.append(store.runs())
            ds_info.update(store.datasets())
    parts = {"seeds", "datasets"}
    first = configs[0].model_dump(exclude=parts)
    for path, cfg in zip(run_dirs[1:], configs[1:], strict=True):
        if cfg.model_dump(exclude=parts) != first:
            raise SystemExit(
                f"error: {path}: not the same config as {run_dirs[0]} (seeds and datasets aside)"
            )
    seeds = sorted({s for cfg in configs for s in cfg.seeds})
    datasets = list({d.key: d for cfg in configs for d in cfg.datasets}.values())
    config = configs[0].model_copy(update={"seeds": seeds, "datasets": datasets})
    return (
        config,
        first_of_each_cell(pd.concat(rounds, ignore_index=True), RUN_KEY + ["round"]),
        ds_info,
        first_of_each_cell(pd.concat(runs, ignore_index=True), RUN_KEY),
    )


#: What names one run of the grid: the same cell run in two parts (a run resumed into a second
#: directory) is counted once, from the first directory that finished it.
RUN_KEY = ["dataset", "strategy", "init", "seed"]


def first_of_each_cell(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """``frame`` with one row per ``key``: finished rows first, then the order of the run dirs."""
    if frame.empty or not set(key) <= set(frame.columns):
        return frame
    order = (frame["status"] != "done").astype(int) if "status" in frame else 0
    ranked = frame.assign(_order=order).sort_values("_order", kind="stable")
    return ranked.drop_duplicates(key).drop(columns="_order").sort_index()


def tournament_table(run_dirs: list[Path], baseline: str = "margin") -> tuple[pd.DataFrame, dict]:
    """The ranking of the finished runs of ``run_dirs`` against ``baseline``, and facts.

    ``facts["summary"]`` keeps the per-run values behind the table, for the figure.
    """
    config, rounds, ds_info, runs = load_runs(run_dirs)
    done = complete_groups(rounds[rounds["status"] == "done"], list(config.strategies()))
    summary = summarise_strategies(done, ds_info, baseline=baseline, init="random")
    table = summary.table()
    table["Goal (+0.01, CI > 0)"] = [
        verdict(r.vs_base, r.vs_base_ci) for r in summary.rows.itertuples()
    ]
    facts = {
        "config": config,
        "runs_done": int((runs["status"] == "done").sum()),
        "pairs": int(done.groupby(["dataset", "seed"]).ngroups),
        "runs": len(runs),
        "datasets": summary.n_datasets,
        "seeds": summary.n_seeds,
        "sentence": summary.sentence,
        "summary": summary,
    }
    return table, facts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dirs", type=Path, nargs="+")
    ap.add_argument("--wall-s", type=float, required=True, help="wall time of the run")
    ap.add_argument("--command", required=True, help="the command that ran the grid")
    ap.add_argument("--load", default="", help="load average while it ran (uptime)")
    ap.add_argument("--out", type=Path, default=DOC)
    ap.add_argument(
        "--figure",
        type=Path,
        default=None,
        help="where the paired-difference figure goes (default: beside --out, .png)",
    )
    args = ap.parse_args(argv)
    table, facts = tournament_table(args.run_dirs)
    cfg = facts["config"]
    doc = Document("annal tournament: margin against the strategies of the literature")
    doc.para(
        f"{facts['runs_done']} of {facts['runs']} runs finished; ranked: the "
        f"{facts['pairs']} (dataset, seed) groups where every strategy finished, over "
        f"{facts['datasets']} datasets ({', '.join(d.key for d in cfg.datasets)}) and seeds "
        f"{', '.join(map(str, cfg.seeds))}; protocol initial {cfg.protocol.initial}, budget "
        f"{cfg.protocol.budget} of each pool, {cfg.protocol.rounds} rounds; classifier "
        f"{cfg.classifier}; sequential mode {'on' if cfg.sequential else 'off'}; published "
        f"default hyper-parameters, none tuned. Wall time {args.wall_s:.0f} s "
        f"({args.wall_s / 60:.1f} min){'; load ' + args.load if args.load else ''}."
    )
    doc.para(f"Command: `{args.command}`")
    doc.para(facts["sentence"])
    doc.table(table)
    figure = args.figure or args.out.with_suffix(".png")
    summary = facts["summary"]
    fig = paired_difference_plot(summary.values, summary.baseline, list(summary.rows["strategy"]))
    doc.figure(
        figure.name,
        png(fig),
        f"F1 curve area minus {summary.baseline}'s per dataset (markers) and pooled (diamonds), "
        "paired by dataset and seed, with 95% CIs",
    )
    atomic_write_bytes(figure, doc.figures()[figure.name])
    text = doc.to_markdown(fig_dir=".")
    print(text)
    atomic_write_text(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
