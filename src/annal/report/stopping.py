"""The report's stopping section: where each stopping criterion would have stopped.

Per dataset × strategy × initialisation and criterion (:mod:`annal.al.stopping`), over seeds:
in how many runs it fired, at which round and labelled count it first did, the macro-F1 there
versus at the end of the same runs, and the difference (the F1 that stopping there cost).
Self-contained: :func:`add_stopping_section` appends a heading, a paragraph and a table to a
:class:`~annal.report.document.Document`, wherever the report builder calls it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from annal.al.stopping import STOPPING, flag_field, stop_costs
from annal.report.document import Document
from annal.report.stats import KEYS, mean_ci
from annal.report.tables import fmt

#: Columns of :func:`stopping_table`.
COLUMNS = [
    "Dataset",
    "Strategy",
    "Init",
    "Criterion",
    "Stopped",
    "Round",
    "Labels",
    "Labels saved",
    "F1 there",
    "F1 at end",
    "Cost (F1)",
]


def stop_points(rounds: pd.DataFrame) -> pd.DataFrame:
    """One row per run and criterion: :func:`annal.al.stopping.stop_costs` of every run.

    Parameters
    ----------
    rounds : pd.DataFrame
        Stored rounds (``ResultsStore.rounds_frame``) with ``dataset, strategy, init, seed``.

    Returns
    -------
    pd.DataFrame
        Columns ``dataset, strategy, init, seed`` and those of ``stop_costs`` (NaN where a
        criterion never fired); empty when no run recorded any criterion.
    """
    flags = [flag_field(n) for n in STOPPING if flag_field(n) in rounds.columns]
    if not flags or rounds[flags].isna().all().all():
        return pd.DataFrame()
    rows = []
    for key, g in rounds.groupby([*KEYS, "seed"], sort=True):
        for c in stop_costs(g.to_dict("records")):
            if g[flag_field(c["criterion"])].isna().all():
                continue  # this criterion was not observed in this run
            rows.append(dict(zip([*KEYS, "seed"], key, strict=True)) | c)
    return pd.DataFrame(rows).astype({"round": float, "n_labelled": float, "cost": float})


def stopping_table(
    rounds: pd.DataFrame, datasets: list[str] | None = None, strategies: list[str] | None = None
) -> pd.DataFrame:
    """The section's table (formatted strings), in dataset / strategy / criterion order.

    Round, labels, F1 there, F1 at end and cost are means over the runs (seeds) where the
    criterion fired, F1 with ± the half-width of the 95% interval; "never" where it fired in
    none (then F1 at end is over all runs).
    """
    points = stop_points(rounds)
    if points.empty:
        return pd.DataFrame(columns=COLUMNS)
    datasets = datasets or sorted(points["dataset"].unique())
    strategies = strategies or sorted(points["strategy"].unique())
    rank = {**{d: i for i, d in enumerate(datasets)}, **{s: i for i, s in enumerate(strategies)}}
    crit_rank = {n: i for i, n in enumerate(STOPPING)}
    points = points[points["dataset"].isin(datasets) & points["strategy"].isin(strategies)]
    rows = []
    groups = points.groupby([*KEYS, "criterion"], sort=False)
    order = sorted(
        groups.groups,
        key=lambda k: (rank[k[0]], rank[k[1]], k[2], crit_rank.get(k[3], len(crit_rank))),
    )
    for key in order:
        g = groups.get_group(key)
        fired = g[g["round"].notna()]
        stopped = f"{len(fired)}/{len(g)}"
        if fired.empty:
            end = fmt(*mean_ci(g["final_score"].to_numpy(dtype=float)))
            rows.append([*key, stopped, "never", "–", "–", "–", end, "–"])
            continue
        saved = (fired["final_n_labelled"] - fired["n_labelled"]).to_numpy(dtype=float)
        rows.append(
            [
                *key,
                stopped,
                f"{fired['round'].mean():.1f}",
                f"{fired['n_labelled'].mean():.0f}",
                f"{np.mean(saved):.0f}",
                fmt(*mean_ci(fired["score"].to_numpy(dtype=float))),
                fmt(*mean_ci(fired["final_score"].to_numpy(dtype=float))),
                fmt(*mean_ci(fired["cost"].to_numpy(dtype=float))),
            ]
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def add_stopping_section(
    doc: Document,
    rounds: pd.DataFrame,
    datasets: list[str] | None = None,
    strategies: list[str] | None = None,
    level: int = 2,
) -> None:
    """Append the stopping section (heading, explanation, table) to ``doc``."""
    doc.heading("Stopping criteria: where a person could have stopped labelling", level=level)
    table = stopping_table(rounds, datasets, strategies)
    if table.empty:
        doc.para(
            "No stopping criterion was recorded in these runs (they predate annal's stopping "
            "criteria, or ran without them)."
        )
        return
    doc.para(
        "Each round the model's predictions on a fixed stop set (up to 2,000 random pool rows "
        "unlabelled at round 0, never test rows) are watched by three criteria with their "
        "published defaults: stabilizing predictions (Bloodgood & Vijay-Shanker 2009: mean "
        "Cohen's kappa between successive models over the last 3 rounds ≥ 0.99), "
        "classification change (Zhu et al. 2008: no stop-set prediction changed since the "
        "previous round) and overall uncertainty (Zhu et al. 2008: mean normalised entropy on "
        "the stop set < 0.05). The run is never stopped; the table says where each criterion "
        "would first have stopped it. Stopped: runs (seeds) where it fired. Round, labels, "
        "labels saved (versus the end of the run), macro-F1 there and at the end of the same "
        "runs, and the cost (F1 at end minus F1 there; positive = F1 given up by stopping "
        "early) are means over those runs, ± the half-width of the 95% interval."
    )
    doc.table(table)
