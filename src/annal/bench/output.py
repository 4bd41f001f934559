"""Writing a benchmark run: ``results.csv``, ``results.json`` and three plots.

- ``results.csv``: one row per (index, k) with ``index`` (spec string), ``k``, ``recall``,
  ``build_s``, ``query_s``, ``qps``, ``threads``, ``memory_bytes`` and more.
- ``results.json``: ``{"settings", "machine", "results"}`` (the same rows).
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
from annal.bench.run import BenchResult

CSV_NAME, JSON_NAME = "results.csv", "results.json"
PLOTS = ("recall_at_k.png", "times.png", "recall_vs_qps.png")


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
    payload = {"settings": result.settings, "machine": result.machine, "results": result.rows}
    atomic_write_bytes(paths["json"], json.dumps(payload, indent=2, default=_jsonable).encode())
    for name, path in plot_results(result, out).items():
        paths[name] = path
    return paths


def _jsonable(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def plot_results(result: BenchResult, out_dir: Path) -> dict[str, Path]:
    """Draw the three benchmark figures into ``out_dir`` (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = result.to_frame()
    specs = list(dict.fromkeys(frame["index"]))
    k_ref = reference_k(sorted(frame["k"].unique().tolist()))
    at_ref = frame[frame["k"] == k_ref].set_index("index").loc[specs]
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, max(len(specs), 2)))
    markers = "os^vD<>ph*X"
    styles = ("-", "--", ":", "-.")
    title = (
        f"{result.settings.get('dataset', '')}: {result.settings.get('n_base')} base, "
        f"{result.settings.get('n_queries')} held-out queries"
    )
    paths: dict[str, Path] = {}

    fig, ax = plt.subplots(figsize=(11, 6))
    for i, spec in enumerate(specs):
        rows = frame[frame["index"] == spec].sort_values("k")
        ax.plot(
            rows["k"],
            rows["recall"],
            marker=markers[i % len(markers)],
            linestyle=styles[i % len(styles)],
            color=colours[i],
            label=spec,
            linewidth=1.4,
            markersize=4,
        )
    ax.set_xscale("log")
    ax.set_xlabel("k (log scale)")
    ax.set_ylabel("recall@k (exact cosine top-k, ties count)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    ax.set_title(f"Recall@k per index — {title}")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    paths["recall_at_k"] = _save(fig, out_dir / PLOTS[0])

    fig, (ax_build, ax_query) = plt.subplots(1, 2, figsize=(13, 0.4 * len(specs) + 2), sharey=True)
    ypos = np.arange(len(specs))
    ax_build.barh(ypos, at_ref["build_s"], color=colours[: len(specs)])
    ax_query.barh(ypos, at_ref["query_s"], color=colours[: len(specs)])
    ax_build.set_yticks(ypos, specs, fontsize=8)
    ax_build.invert_yaxis()
    ax_build.set_xscale("log")
    ax_query.set_xscale("log")
    ax_build.set_xlabel("build seconds (log)")
    ax_query.set_xlabel(f"query seconds for all queries, k={k_ref}, best of repeats (log)")
    for ax in (ax_build, ax_query):
        ax.grid(True, axis="x", alpha=0.3)
    fig.suptitle(f"Build and query time — {title}")
    paths["times"] = _save(fig, out_dir / PLOTS[1])

    fig, ax = plt.subplots(figsize=(11, 6))
    for i, spec in enumerate(specs):
        ax.scatter(
            at_ref.loc[spec, "recall"],
            at_ref.loc[spec, "qps"],
            color=colours[i],
            marker=markers[i % len(markers)],
            s=50,
            label=spec,
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
    ax.set_xlabel(f"recall@{k_ref}")
    ax.set_ylabel("queries per second (log)")
    ax.grid(True, alpha=0.3)
    ax.set_title(f"Recall@{k_ref} vs speed — {title}")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    paths["recall_vs_qps"] = _save(fig, out_dir / PLOTS[2])
    return paths


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
