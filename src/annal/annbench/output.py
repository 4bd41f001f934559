"""Writing a benchmark run: ``results.csv``, ``results.json`` and three plots.

- ``results.csv``: one row per (index, k) with ``index`` (spec string), ``build`` (the spec
  built), ``query`` (its query setting), ``k``, ``recall``, ``build_s``, ``query_s``, ``qps``,
  ``threads``, ``memory_bytes`` and more.
- ``results.json``: ``{"settings", "machine", "builds", "results"}`` (the same rows; one
  ``builds`` entry per index built, with its build seconds).
- ``recall_at_k.png``: recall@k per index (paper Figure 2).
- ``times.png``: build and query seconds per index (paper Figure 3).
- ``recall_vs_qps.png``: recall@k_ref against queries per second with the Pareto front
  (the ann-benchmarks view), ``k_ref`` = 10 when measured.

Every file is written to a temporary name and moved into place.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from annal._io import atomic_write, atomic_write_bytes
from annal.annbench.run import BenchResult

CSV_NAME, JSON_NAME = "results.csv", "results.json"
PLOTS = ("recall_at_k.png", "times.png", "recall_vs_qps.png")
_MARKERS = "os^vD<>ph*X"
_STYLES = ("-", "--", ":", "-.")


def reference_k(ks: list[int]) -> int:
    """The k used for the time and Pareto plots: 10 when measured, else the middle k."""
    return 10 if 10 in ks else ks[len(ks) // 2]


def write_results(result: BenchResult, out_dir: str | Path) -> dict[str, Path]:
    """Write the CSV, JSON and plots of ``result`` into ``out_dir``; returns their paths."""
    out = Path(out_dir).expanduser()
    frame = result.to_frame()
    paths = {"csv": out / CSV_NAME, "json": out / JSON_NAME}
    with atomic_write(paths["csv"]) as fh:
        frame.to_csv(fh, index=False)
    payload = {
        "settings": result.settings,
        "machine": result.machine,
        "builds": result.builds,
        "results": result.rows,
    }
    atomic_write_bytes(paths["json"], json.dumps(payload, indent=2, default=_jsonable).encode())
    for name, path in plot_results(result, out).items():
        paths[name] = path
    return paths


def _jsonable(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _log_axis(axis, values) -> None:
    """A log axis whose labels never collide: decade labels only (minor ticks unlabelled),
    and plain numbers at a few data values when the data span less than a decade."""
    from matplotlib.ticker import LogLocator, NullFormatter

    v = np.asarray(values, dtype=float)
    v = v[v > 0]
    axis.set_minor_formatter(NullFormatter())
    axis.set_major_locator(LogLocator(base=10, numticks=12))
    if len(v) and v.max() / v.min() < 10:
        lo, hi = v.min(), v.max()
        ticks = np.unique(np.round(np.geomspace(lo, hi, 4), 3 - int(np.floor(np.log10(hi)))))
        axis.set_ticks(ticks, [f"{t:g}" for t in ticks])
        axis.set_minor_locator(LogLocator(base=10, subs="auto"))


def _spaced(ks: list[int], min_ratio: float = 1.35) -> list[int]:
    """The ks to label on a log axis: each at least ``min_ratio`` times the previous one
    (the last k always kept), so labels do not collide."""
    kept: list[int] = []
    for k in sorted(ks):
        if not kept or k / kept[-1] >= min_ratio:
            kept.append(k)
    if kept[-1] != max(ks):
        kept[-1] = max(ks)
    return kept


def overlap_groups(frame) -> dict[str, str]:
    """``spec -> first spec`` for every index whose recall@k curve is identical to an earlier
    index's (e.g. flat indexes, all at recall 1.0), so the plots can say so."""
    first_of: dict[tuple, str] = {}
    same: dict[str, str] = {}
    for spec in dict.fromkeys(frame["index"]):
        rows = frame[frame["index"] == spec].sort_values("k")
        key = tuple(np.round(rows["recall"].to_numpy(), 6))
        if key in first_of:
            same[spec] = first_of[key]
        else:
            first_of[key] = spec
    return same


def recall_figure(frame, title: str):
    """Recall@k per index on a log k-axis (the paper's Figure 2). An index whose curve equals
    an earlier one's is drawn with larger hollow markers and says so in the legend."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    specs = list(dict.fromkeys(frame["index"]))
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, max(len(specs), 2)))
    same = overlap_groups(frame)
    depth: dict[str, int] = {}
    fig, ax = plt.subplots(figsize=(11, 6))
    for i, spec in enumerate(specs):
        rows = frame[frame["index"] == spec].sort_values("k")
        under = same.get(spec)
        level = depth[spec] = depth.get(under, 0) + 1 if under else 0
        ax.plot(
            rows["k"],
            rows["recall"],
            marker=_MARKERS[i % len(_MARKERS)],
            linestyle=_STYLES[i % len(_STYLES)],
            color=colours[i],
            label=spec if under is None else f"{spec} (same as {under})",
            linewidth=1.4,
            markersize=4 + 3 * level,
            markerfacecolor="none" if level else colours[i],
            zorder=3 - 0.1 * level,
        )
    ks = sorted(frame["k"].unique().tolist())
    ax.set_xscale("log")
    labelled = _spaced(ks)
    ax.set_xticks(labelled, [str(k) for k in labelled])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("k (log scale)")
    ax.set_ylabel("recall@k (exact cosine top-k, ties count)")
    lo = float(frame["recall"].min())
    ax.set_ylim(max(0.0, lo - 0.05 * (1.02 - lo)) - 0.01, 1.02)
    ax.grid(True, alpha=0.3)
    ax.set_title(f"Recall@k per index — {title}")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    fig.tight_layout()
    return fig


def times_figure(frame, title: str, k_ref: int):
    """Build and query seconds per index at ``k_ref`` (the paper's Figure 3), log axes."""
    import matplotlib.pyplot as plt

    specs = list(dict.fromkeys(frame["index"]))
    at_ref = frame[frame["k"] == k_ref].set_index("index").loc[specs]
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, max(len(specs), 2)))
    fig, (ax_build, ax_query) = plt.subplots(1, 2, figsize=(13, 0.4 * len(specs) + 2), sharey=True)
    ypos = np.arange(len(specs))
    ax_build.barh(ypos, at_ref["build_s"], color=colours[: len(specs)])
    ax_query.barh(ypos, at_ref["query_s"], color=colours[: len(specs)])
    ax_build.set_yticks(ypos, specs, fontsize=8)
    ax_build.invert_yaxis()
    for ax, col in ((ax_build, "build_s"), (ax_query, "query_s")):
        ax.set_xscale("log")
        _log_axis(ax.xaxis, at_ref[col])
        ax.grid(True, axis="x", alpha=0.3)
    ax_build.set_xlabel("build seconds (log)")
    ax_query.set_xlabel(f"query seconds for all queries, k={k_ref}, best of repeats (log)")
    fig.suptitle(f"Build and query time — {title}")
    fig.tight_layout()
    return fig


def pareto_figure(frame, title: str, k_ref: int):
    """Recall@k_ref against queries per second, with the Pareto front; points that share a
    recall are told apart by marker and by a note in the legend."""
    import matplotlib.pyplot as plt

    specs = list(dict.fromkeys(frame["index"]))
    at_ref = frame[frame["k"] == k_ref].set_index("index").loc[specs]
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, max(len(specs), 2)))
    fig, ax = plt.subplots(figsize=(11, 6))
    for i, spec in enumerate(specs):
        ax.scatter(
            at_ref.loc[spec, "recall"],
            at_ref.loc[spec, "qps"],
            color=colours[i],
            marker=_MARKERS[i % len(_MARKERS)],
            s=50,
            label=f"{spec} ({at_ref.loc[spec, 'qps']:,.0f} qps)",
            zorder=3,
        )
    front = pareto_front(at_ref["recall"].to_numpy(), at_ref["qps"].to_numpy())
    ax.plot(
        at_ref["recall"].to_numpy()[front],
        at_ref["qps"].to_numpy()[front],
        "k--",
        linewidth=1,
        label="Pareto front",
        zorder=2,
    )
    ax.set_yscale("log")
    _log_axis(ax.yaxis, at_ref["qps"])
    ax.set_xlabel(f"recall@{k_ref}")
    ax.set_ylabel("queries per second (log)")
    ax.grid(True, alpha=0.3)
    ax.set_title(f"Recall@{k_ref} vs speed — {title}")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    fig.tight_layout()
    return fig


def plot_results(result: BenchResult, out_dir: Path) -> dict[str, Path]:
    """Draw the three benchmark figures into ``out_dir`` (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")

    frame = result.to_frame()
    k_ref = reference_k(sorted(frame["k"].unique().tolist()))
    title = (
        f"{result.settings.get('dataset', '')}: {result.settings.get('n_base')} base, "
        f"{result.settings.get('n_queries')} held-out queries"
    )
    return {
        "recall_at_k": _save(recall_figure(frame, title), out_dir / PLOTS[0]),
        "times": _save(times_figure(frame, title, k_ref), out_dir / PLOTS[1]),
        "recall_vs_qps": _save(pareto_figure(frame, title, k_ref), out_dir / PLOTS[2]),
    }


def pareto_front(recall: np.ndarray, qps: np.ndarray) -> np.ndarray:
    """Positions of the points no other point beats on both recall and qps, by recall."""
    order = np.lexsort((-qps, -recall))  # recall descending, then qps descending
    front, best_qps = [], -np.inf
    for i in order:
        if qps[i] > best_qps:
            front.append(i)
            best_qps = qps[i]
    return np.array(front[::-1], dtype=np.int64)


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    with atomic_write(path) as fh:
        fig.savefig(
            fh, format=path.suffix.lstrip(".").lower() or "png", dpi=120, bbox_inches="tight"
        )
    plt.close(fig)
    return path
