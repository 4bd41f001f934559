"""The tournament's table: every strategy against margin, from a finished run directory.

Run the preset (or a reduced copy of it), then::

    python benchmarks/tournament.py RUN_DIR --wall-s 3900 --command "annal experiment run ..."

prints the ranking (the report's Summary numbers: mean F1 curve area, paired difference to
margin with its 95% interval, wins/ties/losses, final macro-F1, minority recall, seconds per
round) with the issue's goal beside each strategy (pooled AULC at least 0.01 above margin with
the interval above zero), and writes it to ``docs/tournament.md``. Nothing here runs the grid
or tunes anything: the numbers come from the stored rounds.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

from annal._io import atomic_write_text
from annal.experiments.config import Config
from annal.experiments.store import ResultsStore
from annal.report.document import Document
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
        return f"better than margin, {GOAL - diff:.3f} short of +{GOAL}"
    if diff > 0:
        return f"not separated from margin (interval reaches {lo:+.3f}); {GOAL - diff:.3f} short"
    return f"below margin by {-diff:.3f}"


def tournament_table(run_dir: Path, baseline: str = "margin") -> tuple[pd.DataFrame, dict]:
    """The ranking of ``run_dir``'s finished runs against ``baseline`` and facts about the run."""
    with ResultsStore.existing(run_dir) as store:
        config = Config.model_validate(store.config())
        rounds = store.rounds_frame()
        ds_info = store.datasets()
        runs = store.runs()
    done = rounds[rounds["status"] == "done"]
    summary = summarise_strategies(done, ds_info, baseline=baseline, init="random")
    table = summary.table()
    table["Goal (+0.01, CI > 0)"] = [
        verdict(r.vs_base, r.vs_base_ci) for r in summary.rows.itertuples()
    ]
    facts = {
        "config": config,
        "runs_done": int((runs["status"] == "done").sum()),
        "runs": len(runs),
        "datasets": summary.n_datasets,
        "seeds": summary.n_seeds,
        "sentence": summary.sentence,
    }
    return table, facts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--wall-s", type=float, required=True, help="wall time of the run")
    ap.add_argument("--command", required=True, help="the command that ran the grid")
    ap.add_argument("--load", default="", help="load average while it ran (uptime)")
    ap.add_argument("--out", type=Path, default=DOC)
    args = ap.parse_args(argv)
    table, facts = tournament_table(args.run_dir)
    cfg = facts["config"]
    doc = Document("annal tournament: margin against the strategies of the literature")
    doc.para(
        f"{facts['runs_done']} of {facts['runs']} runs finished: {facts['datasets']} datasets "
        f"({', '.join(d.key for d in cfg.datasets)}) x {facts['seeds']} seeds "
        f"({', '.join(map(str, cfg.seeds))}); protocol initial {cfg.protocol.initial}, budget "
        f"{cfg.protocol.budget} of each pool, {cfg.protocol.rounds} rounds; classifier "
        f"{cfg.classifier}; sequential mode {'on' if cfg.sequential else 'off'}; published "
        f"default hyper-parameters, none tuned. Wall time {args.wall_s:.0f} s "
        f"({args.wall_s / 60:.1f} min){'; load ' + args.load if args.load else ''}."
    )
    doc.para(f"Command: `{args.command}`")
    doc.para(facts["sentence"])
    doc.table(table)
    text = doc.to_markdown()
    print(text)
    atomic_write_text(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
