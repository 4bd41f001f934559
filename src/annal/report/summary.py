"""The report's Summary: which strategy to use, by how much, and how sure that is.

Strategies are ranked by their mean area under the macro-F1 learning curve (the curve's mean
height, :func:`~annal.report.stats.curve_areas`) over every dataset x seed. Each is compared with
the baseline strategy and with the best one *paired*: for one dataset and seed both ran on the
same split and initial set, so the unit is the per-(dataset, seed) difference, and its 95%
interval is Student t over those pairs.

>>> from annal.report.summary import summarise_strategies
>>> s = summarise_strategies(rounds, datasets_info, baseline="random", init="random")  # doctest: +SKIP
>>> s.sentence  # doctest: +SKIP
'margin is best on 4 of 5 datasets; its lead over entropy (+0.004, 95% CI -0.010 to +0.018) ...'
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from annal.report.stats import curve_areas, final_rounds, mean_ci, t_quantile

#: Two runs whose F1 curve areas differ by at most this much count as a tie.
TIE = 0.005
#: With fewer seeds than this, the report says the intervals mean little.
FEW_SEEDS = 5
_PAIR = ["dataset", "seed"]


@dataclass(frozen=True)
class Summary:
    """The Summary section's numbers and words.

    Attributes
    ----------
    rows : pd.DataFrame
        One row per strategy, best first: ``strategy, rank, n_runs, aulc, aulc_ci,
        vs_base, vs_base_ci, vs_best, vs_best_ci, wins, ties, losses, final_f1, final_f1_ci,
        minority_recall, sec_per_round, datasets_best`` (differences NaN for the strategy itself).
    baseline, best, init : str
        The baseline strategy, the best one and the initialisation whose runs are ranked.
    n_datasets, n_seeds : int
        How many datasets and seeds the ranked runs cover.
    sentence : str
        What the numbers support, in one sentence.
    caution : str or None
        Said when there are too few seeds for the intervals to mean much.
    values : pd.DataFrame
        The per-run values ranked (:func:`run_values`).
    """

    rows: pd.DataFrame
    baseline: str
    best: str
    init: str
    n_datasets: int
    n_seeds: int
    sentence: str
    caution: str | None
    values: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """The Summary table as formatted strings (the best marked with a star)."""
        out = []
        for r in self.rows.itertuples():
            out.append(
                {
                    "Rank": f"★ {r.rank}" if r.strategy == self.best else str(r.rank),
                    "Strategy": r.strategy,
                    "F1 curve area": _fmt_ci(r.aulc, r.aulc_ci),
                    f"Δ vs {self.baseline} [95% CI]": _fmt_diff(r.vs_base, r.vs_base_ci),
                    "Δ vs best [95% CI]": _fmt_diff(r.vs_best, r.vs_best_ci),
                    f"W/T/L vs {self.baseline}": (
                        "–" if r.strategy == self.baseline else f"{r.wins}/{r.ties}/{r.losses}"
                    ),
                    "Final macro-F1": _fmt_ci(r.final_f1, r.final_f1_ci),
                    "Minority recall": _fmt_ci(r.minority_recall, float("nan")),
                    "s/round": "–" if math.isnan(r.sec_per_round) else f"{r.sec_per_round:.2f}",
                }
            )
        return pd.DataFrame(out)


def _fmt_ci(mean: float, ci: float) -> str:
    if math.isnan(mean):
        return "–"
    return f"{mean:.3f}" if math.isnan(ci) else f"{mean:.3f} ± {ci:.3f}"


def _fmt_diff(d: float, ci: float) -> str:
    if math.isnan(d):
        return "–"
    if math.isnan(ci):
        return f"{d:+.3f}"
    return f"{d:+.3f} [{d - ci:+.3f}, {d + ci:+.3f}]"


def _per_class(value: object, classes: list[str]) -> np.ndarray:
    """A stored per-class list (JSON list by class index, or object by class name) as an
    array in the order of ``classes``."""
    if isinstance(value, str):
        value = json.loads(value)
    if isinstance(value, dict):
        return np.array([float(value.get(c, np.nan)) for c in classes])
    if value is None:
        return np.full(len(classes), np.nan)
    return np.asarray(value, dtype=float)


def minority_classes(class_counts: list[int]) -> np.ndarray:
    """Indices of the rarest third of the classes (at least one), by class count."""
    counts = np.asarray(class_counts)
    k = max(1, math.ceil(len(counts) / 3))
    return np.argsort(counts, kind="stable")[:k]


def run_values(rounds: pd.DataFrame, datasets_info: dict[str, dict]) -> pd.DataFrame:
    """Per run (dataset, strategy, init, seed): F1 curve area, final macro-F1, final recall of
    the rarest third of classes, and seconds per round (fit + evaluation + query)."""
    aulc = curve_areas(rounds, "f1_macro").rename(columns={"auc": "aulc"})
    final = final_rounds(rounds)
    minority = []
    for r in final.itertuples():
        info = datasets_info.get(r.dataset)
        if info is None or "recall_per_class" not in final.columns:
            minority.append(float("nan"))
            continue
        rec = _per_class(r.recall_per_class, [str(c) for c in info["classes"]])
        idx = minority_classes(info["class_counts"])
        minority.append(float(np.nanmean(rec[idx])) if len(rec) > idx.max() else float("nan"))
    final = final.assign(minority_recall=minority)
    phases = [c for c in ("fit_s", "eval_s", "query_s") if c in rounds.columns]
    per_round = rounds[rounds["round"] > 0] if (rounds["round"] > 0).any() else rounds
    secs = (
        per_round.assign(sec=per_round[phases].fillna(0.0).sum(axis=1))
        .groupby(["dataset", "strategy", "init", "seed"], sort=True)["sec"]
        .mean()
        .rename("sec_per_round")
        .reset_index()
    )
    keys = ["dataset", "strategy", "init", "seed"]
    out = aulc.merge(
        final[[*keys, "f1_macro", "minority_recall"]].rename(columns={"f1_macro": "final_f1"}),
        on=keys,
    )
    return out.merge(secs, on=keys, how="left")


def paired(values: pd.DataFrame, value: str, a: str, b: str) -> np.ndarray:
    """``a - b`` of ``value`` for every (dataset, seed) both strategies ran."""
    left = values[values["strategy"] == a][[*_PAIR, value]]
    right = values[values["strategy"] == b][[*_PAIR, value]]
    m = left.merge(right, on=_PAIR, suffixes=("_a", "_b"))
    return (m[f"{value}_a"] - m[f"{value}_b"]).to_numpy(dtype=float)


def pairs_needed(diffs: np.ndarray, level: float = 0.95, cap: int = 1000) -> int | None:
    """How many (dataset, seed) pairs would make a 95% interval narrower than the mean
    difference seen in ``diffs`` (its spread taken as it is); None beyond ``cap``."""
    d = np.asarray(diffs, dtype=float)
    if len(d) < 2:
        return None
    mean, sd = abs(float(d.mean())), float(d.std(ddof=1))
    if sd == 0.0:
        return len(d)
    if mean == 0.0:
        return None
    for n in range(2, cap + 1):
        if t_quantile(0.5 + level / 2, n - 1) * sd / math.sqrt(n) < mean:
            return n
    return None


def summarise_strategies(
    rounds: pd.DataFrame,
    datasets_info: dict[str, dict],
    *,
    baseline: str,
    init: str,
) -> Summary:
    """Rank the strategies run with initialisation ``init`` and compare them.

    Parameters
    ----------
    rounds : pd.DataFrame
        Stored rounds of finished runs (``annal.experiments.store.ResultsStore.rounds_frame``).
    datasets_info : dict
        ``dataset -> {"classes", "class_counts", ...}`` from the store.
    baseline : str
        The strategy to compare against (e.g. ``random`` or ``margin``). When it did not run
        with ``init``, the lowest-ranked strategy is not substituted: differences to it are
        left empty.
    init : str
        Whose runs are ranked.
    """
    values = run_values(rounds[rounds["init"] == init], datasets_info)
    per_strategy = (
        values.groupby("strategy", sort=False)["aulc"]
        .mean()
        .sort_values(ascending=False, kind="stable")
    )
    order = list(per_strategy.index)
    best = order[0]
    by_ds = values.groupby(["dataset", "strategy"])["aulc"].mean().unstack("strategy")
    ds_winner = by_ds.idxmax(axis=1)
    rows = []
    for rank, s in enumerate(order, start=1):
        v = values[values["strategy"] == s]
        aulc, aulc_ci = mean_ci(v["aulc"].to_numpy())
        f1, f1_ci = mean_ci(v["final_f1"].to_numpy())
        vs_base = vs_base_ci = vs_best = vs_best_ci = float("nan")
        wins = ties = losses = 0
        if s != baseline and baseline in order:
            d = paired(values, "aulc", s, baseline)
            vs_base, vs_base_ci = mean_ci(d)
            wins, ties = int((d > TIE).sum()), int((np.abs(d) <= TIE).sum())
            losses = int((d < -TIE).sum())
        if s != best:
            vs_best, vs_best_ci = mean_ci(paired(values, "aulc", s, best))
        rows.append(
            {
                "strategy": s,
                "rank": rank,
                "n_runs": len(v),
                "aulc": aulc,
                "aulc_ci": aulc_ci,
                "vs_base": vs_base,
                "vs_base_ci": vs_base_ci,
                "vs_best": vs_best,
                "vs_best_ci": vs_best_ci,
                "wins": wins,
                "ties": ties,
                "losses": losses,
                "final_f1": f1,
                "final_f1_ci": f1_ci,
                "minority_recall": float(np.nanmean(v["minority_recall"]))
                if v["minority_recall"].notna().any()
                else float("nan"),
                "sec_per_round": float(v["sec_per_round"].mean()),
                "datasets_best": int((ds_winner == s).sum()),
            }
        )
    table = pd.DataFrame(rows)
    n_datasets, n_seeds = values["dataset"].nunique(), values["seed"].nunique()
    sentence = _sentence(table, values, baseline, n_datasets)
    caution = _caution(table, values, n_datasets, n_seeds)
    return Summary(table, baseline, best, init, n_datasets, n_seeds, sentence, caution, values)


def _excludes_zero(d: float, ci: float) -> bool:
    return bool(np.isfinite(ci) and abs(d) > ci)


def _interval(d: float, ci: float) -> str:
    if not np.isfinite(ci):
        return f"{d:+.3f}, no interval from one pair"
    return f"{d:+.3f}, 95% CI {d - ci:+.3f} to {d + ci:+.3f}"


def _sentence(t: pd.DataFrame, values: pd.DataFrame, baseline: str, n_datasets: int) -> str:
    best = t.iloc[0]
    parts = [
        f"{best.strategy} has the largest F1 curve area ({best.aulc:.3f}) and is best on "
        f"{best.datasets_best} of {n_datasets} dataset{'s' if n_datasets != 1 else ''}"
    ]
    resolved_runner_up = False
    if len(t) > 1:
        second = t.iloc[1]
        lead, ci = -second.vs_best, second.vs_best_ci
        resolved_runner_up = _excludes_zero(lead, ci)
        where = "outside" if resolved_runner_up else "inside"
        parts.append(
            f"its lead over {second.strategy} ({_interval(lead, ci)}) is {where} the interval"
        )
    base = t[t["strategy"] == baseline]
    resolved_base = False
    if best.strategy == baseline:
        parts.append(f"no strategy beats the baseline {baseline} on average")
    elif len(base):
        n = best.wins + best.ties + best.losses
        resolved_base = _excludes_zero(best.vs_base, best.vs_base_ci)
        parts.append(
            f"over the baseline {baseline} it gains {_interval(best.vs_base, best.vs_base_ci)}"
            f" and wins {best.wins} of {n} dataset × seed pairs"
        )
    if resolved_runner_up:
        verdict = f"the data support {best.strategy} as the best strategy here"
    elif resolved_base:
        verdict = (
            f"the data support {best.strategy} over {baseline}, but do not separate it "
            f"from {t.iloc[1].strategy}"
        )
    else:
        verdict = "the data do not separate the leading strategies"
    n_seeds = values["seed"].nunique()
    if n_seeds < FEW_SEEDS and verdict.startswith("the data support"):
        verdict += f" (tentatively: {n_seeds} seed{'s' if n_seeds != 1 else ''})"
    return "; ".join(parts) + f". So {verdict}."


def _caution(t: pd.DataFrame, values: pd.DataFrame, n_datasets: int, n_seeds: int) -> str | None:
    if len(t) < 2:
        return None
    first, second = t.iloc[0], t.iloc[1]
    diffs = paired(values, "aulc", first.strategy, second.strategy)
    resolved = _excludes_zero(second.vs_best, second.vs_best_ci)
    if n_seeds >= FEW_SEEDS and resolved:
        return None
    n = len(diffs)
    msg = []
    if n_seeds < FEW_SEEDS:
        t_crit = t_quantile(0.975, n - 1) if n > 1 else float("inf")
        msg.append(
            f"Only {n_seeds} seed{'s' if n_seeds != 1 else ''} on {n_datasets} "
            f"dataset{'s' if n_datasets != 1 else ''} ({n} paired run{'s' if n != 1 else ''}): "
            + (
                f"a 95% interval from {n} values multiplies the spread by t = {t_crit:.1f}, "
                "so the intervals are too wide to mean much."
                if n > 1
                else "one pair gives no interval at all."
            )
        )
    if not resolved and n < 2:
        msg.append("At least two seeds are needed for any interval; five make them useful.")
    elif not resolved:
        need = pairs_needed(diffs)
        gap = abs(float(np.mean(diffs))) if n else float("nan")
        if need is None:
            msg.append(
                f"The gap between {first.strategy} and {second.strategy} ({gap:.3f}) is too "
                "small against its spread to resolve with any practical number of seeds."
            )
        else:
            per_ds = math.ceil(need / max(1, n_datasets))
            msg.append(
                f"With the spread seen here, resolving the {gap:.3f} gap between "
                f"{first.strategy} and {second.strategy} would take about {need} paired runs "
                f"(≈ {per_ds} seeds per dataset)."
            )
    return " ".join(msg)
