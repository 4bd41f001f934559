"""``annal report RUN_DIR``: tables and figures from a run directory's results store.

Writes ``RUN_DIR/report.md`` (figures as ``RUN_DIR/figures/*.png``) and a self-contained
``RUN_DIR/report.html``. Every number comes from a stored round of a finished run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from annal._io import atomic_write_bytes, atomic_write_text
from annal.errors import AnnalError
from annal.experiments.config import Config
from annal.experiments.store import ResultsStore
from annal.report import figures, tables
from annal.report.document import Document


@dataclass(frozen=True)
class ReportPaths:
    """Where the report went."""

    markdown: Path
    html: Path
    figures: Path


def _baseline_init(config: Config) -> str:
    inits = [i for e in config.experiments for i in e.inits]
    return "random" if "random" in inits else inits[0]


def build_document(run_dir: str | Path) -> Document:
    """The report of ``run_dir`` as a :class:`Document`.

    Raises
    ------
    AnnalError
        No store, or no finished run in it.
    """
    with ResultsStore.existing(run_dir) as store:
        config = Config.model_validate(store.config())
        runs = store.runs()
        all_rounds = store.rounds_frame()
        ds_info = store.datasets()
    done = all_rounds[all_rounds["status"] == "done"]
    if done.empty:
        raise AnnalError(f"{run_dir}: no finished run to report yet")
    base_init = _baseline_init(config)
    datasets = [d.key for d in config.datasets if d.key in set(done["dataset"])]
    order = list(config.strategies())
    pairs = [
        (s, i)
        for i in dict.fromkeys(i for e in config.experiments for i in e.inits)
        for s in order
        if ((done["strategy"] == s) & (done["init"] == i)).any()
    ]
    doc = Document(f"annal report: {config.name}")
    status = runs["status"].value_counts().to_dict()
    p = config.protocol
    doc.para(
        f"Config hash {config.config_hash()}; {len(runs)} runs "
        f"({', '.join(f'{v} {k}' for k, v in sorted(status.items()))}); seeds {config.seeds}; "
        f"protocol initial={p.initial}, budget={p.budget}, rounds={p.rounds} "
        f"(fractions are of each dataset's pool); classifier {config.classifier}; "
        f"test fraction {config.test_size}. Values are means over seeds ± the half-width of "
        "the 95% confidence interval (Student t). Only finished runs are counted."
    )
    _tables(doc, done, config, datasets, order, pairs, base_init)
    _figures(doc, done, ds_info, datasets, base_init, figures.strategy_colors(order))
    failed = runs[runs["status"] == "failed"]
    if len(failed):
        doc.heading("Failed runs")
        last = failed["traceback"].fillna("").map(lambda t: t.strip().splitlines()[-1] if t else "")
        doc.table(pd.DataFrame({"Run": failed["cell"], "Error": last}))
    return doc


def _tables(doc, done, config, datasets, order, pairs, base_init) -> None:
    t2_strategies = [s for s, i in pairs if i == base_init]
    doc.heading("Table 2: final macro F1 and recall by sampling strategy and dataset")
    doc.para(f"Initialisation {base_init}; last round of every run; Mean = mean over datasets.")
    doc.table(tables.table2(done, t2_strategies, datasets, base_init))

    inits_of: dict[str, list[str]] = {}
    for s, i in pairs:
        inits_of.setdefault(s, []).append(i)
    t1_strategies = [s for s in order if len(inits_of.get(s, [])) > 1]
    t1_inits = list(dict.fromkeys(i for s in t1_strategies for i in inits_of[s]))
    doc.heading("Table 1: final macro F1 and recall by initialisation and sampling strategy")
    if t1_strategies:
        doc.para("Mean over all datasets (per-dataset tables follow).")
        doc.table(tables.table1(done, t1_inits, t1_strategies, datasets))
        for d in datasets:
            doc.heading(f"Table 1 on {d}", level=3)
            doc.table(tables.table1(done, t1_inits, t1_strategies, [d]))
    else:
        doc.para("This config runs no strategy with more than one initialisation.")

    doc.heading("Area under the learning curves")
    doc.para(
        "Trapezoid area under each curve divided by the span of labelled counts "
        "(the curve's mean height)."
    )
    doc.table(tables.auc_table(done, pairs, datasets))

    diffs, n = tables.differences(done, config.baseline)
    doc.heading(f"Differences to {config.baseline} larger than their confidence intervals")
    doc.para(
        f"{len(diffs)} of {n} paired differences (same dataset, initialisation and seed; "
        "final F1, final recall, F1 curve area) have a 95% interval that excludes zero. "
        f"The intervals are not corrected for multiple comparisons: by chance alone about "
        f"{0.05 * n:.0f} of {n} would exclude zero."
    )
    if len(diffs):
        doc.table(diffs)


def _figures(doc, done, ds_info, datasets, base_init, colors) -> None:
    doc.heading("Learning curves")
    for d in datasets:
        doc.figure(
            f"curves_{d}.png",
            figures.learning_curves(done, d, base_init, colors),
            f"{d}: accuracy, macro F1, precision and recall per labelled count",
        )
    doc.heading("Label distribution")
    shown = {k: v for k, v in ds_info.items() if k in datasets}
    if shown:
        doc.figure(
            "label_distribution.png",
            figures.label_distributions(shown),
            "texts per class in each dataset (log scale)",
        )
    doc.heading("Class coverage and time per round")
    for d in datasets:
        doc.figure(
            f"coverage_time_{d}.png",
            figures.coverage_and_time(done, d, base_init, colors),
            f"{d}: classes covered per round; seconds per round by phase",
        )


def make_report(run_dir: str | Path) -> ReportPaths:
    """Write ``report.md``, ``figures/*.png`` and ``report.html`` into ``run_dir``."""
    run_dir = Path(run_dir)
    doc = build_document(run_dir)
    fig_dir = run_dir / "figures"
    for name, png in doc.figures().items():
        atomic_write_bytes(fig_dir / name, png)
    md, page = run_dir / "report.md", run_dir / "report.html"
    atomic_write_text(md, doc.to_markdown("figures"))
    atomic_write_text(page, doc.to_html())
    return ReportPaths(md, page, fig_dir)
