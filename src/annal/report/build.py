"""``annal report RUN_DIR``: tables and figures from a run directory's results store.

Writes ``RUN_DIR/report.md`` (figures as ``RUN_DIR/figures/*.png``) and a self-contained
``RUN_DIR/report.html``. Every number comes from a stored round of a finished run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from annal._io import atomic_write_bytes, atomic_write_text
from annal.al.protocol import RunProtocol
from annal.errors import AnnalError
from annal.experiments.config import Config, ProtocolConfig
from annal.experiments.store import ResultsStore
from annal.report import figures, tables
from annal.report.document import Document
from annal.report.lsh import find_arms, lsh_vs_flat
from annal.report.stopping import add_stopping_section
from annal.report.summary import TIE, summarise_strategies


@dataclass(frozen=True)
class ReportPaths:
    """Where the report went."""

    markdown: Path
    html: Path
    figures: Path
    #: The Summary's sentence: which strategy won, by how much, how sure that is.
    headline: str = ""


def _baseline_init(config: Config) -> str:
    inits = [i for e in config.experiments for i in e.inits]
    return "random" if "random" in inits else inits[0]


def _amount(v: int | float, what: str) -> str:
    return f"{v:g} of each dataset's pool ({100 * v:g}%)" if isinstance(v, float) else f"{v} {what}"


def protocol_text(p: ProtocolConfig) -> str:
    """The protocol in words, counts as counts and fractions as fractions of the pool."""
    return (
        f"initial set {_amount(p.initial, 'texts')}, {_amount(p.budget, 'texts')} per round, "
        f"{p.rounds} rounds"
    )


def stored_protocol_text(runs: pd.DataFrame, config: Config) -> str:
    """The protocol as the runs stored it: counts resolved against each dataset's pool (one
    text when every dataset ran the same), then the config's fractions when it gave any."""
    per = runs.groupby("dataset", sort=False)[["initial", "budget", "rounds"]].first()
    texts = {
        d: protocol_text(
            RunProtocol(initial=int(r["initial"]), budget=int(r["budget"]), rounds=int(r["rounds"]))
        )
        for d, r in per.iterrows()
    }
    stored = (
        next(iter(texts.values()))
        if len(set(texts.values())) == 1
        else "; ".join(f"{d}: {t}" for d, t in texts.items())
    )
    p = config.protocol
    if isinstance(p.initial, float) or isinstance(p.budget, float):
        stored += f" (config: {protocol_text(p)})"
    return stored


def choose_baseline(config: Config, ranked: list[str], baseline: str | None) -> str:
    """The strategy the Summary compares against.

    ``baseline`` when given (it must have run); else the config's ``baseline`` when it ran,
    else ``random``, else ``margin``, else the lowest-ranked strategy.

    Raises
    ------
    AnnalError
        A given ``baseline`` that has no finished run with the ranked initialisation.
    """
    if baseline is not None:
        if baseline not in ranked:
            raise AnnalError(
                f"--baseline {baseline!r}: no finished run of it to compare with; "
                f"strategies: {', '.join(ranked)}"
            )
        return baseline
    for name in (config.baseline, "random", "margin"):
        if name in ranked:
            return name
    return ranked[-1]


def build_document(run_dir: str | Path, baseline: str | None = None) -> Document:
    """The report of ``run_dir`` as a :class:`Document`: the Summary first, then the paper's
    tables, then the detail.

    Parameters
    ----------
    run_dir : str or Path
        A run directory holding ``results.sqlite``.
    baseline : str, optional
        The strategy the Summary compares every other with (default: see
        :func:`choose_baseline`).

    Raises
    ------
    AnnalError
        No store, no finished run in it, or an unknown ``baseline``.
    """
    with ResultsStore.existing(run_dir) as store:
        config = Config.model_validate(store.config())
        embeddings = store.embeddings()
        runs = store.runs()
        all_rounds = store.rounds_frame()
        ds_info = store.datasets()
    done = all_rounds[all_rounds["status"] == "done"]
    if done.empty:
        raise AnnalError(f"{run_dir}: no finished run to report yet")
    base_init = _baseline_init(config)
    datasets = [d.key for d in config.datasets if d.key in set(done["dataset"])]
    pairs = [
        (s, i)
        for i in dict.fromkeys(i for e in config.experiments for i in e.inits)
        for s in config.strategies()
        if ((done["strategy"] == s) & (done["init"] == i)).any()
    ]
    if not any(i == base_init for _, i in pairs):
        base_init = pairs[0][1]
    ranked_names = [s for s, i in pairs if i == base_init]
    base = choose_baseline(config, ranked_names, baseline)
    summary = summarise_strategies(done, ds_info, baseline=base, init=base_init)
    order = list(summary.rows["strategy"]) + [
        s for s in config.strategies() if s not in set(summary.rows["strategy"])
    ]

    doc = Document(f"annal report: {config.name}")
    status = runs["status"].value_counts().to_dict()
    doc.para(
        f"{len(runs)} runs ({', '.join(f'{v} {k}' for k, v in sorted(status.items()))}) on "
        f"{len(datasets)} dataset{'s' if len(datasets) != 1 else ''} "
        f"({', '.join(datasets)}), seeds {', '.join(map(str, config.seeds))}; protocol: "
        f"{stored_protocol_text(runs[runs['dataset'].isin(datasets)], config)}; classifier {config.classifier}; test share "
        f"{config.test_size:g}. Config hash {config.config_hash()}. Only finished runs count.",
        "meta",
    )
    if embeddings:
        used = {}
        for name in datasets:
            e = embeddings.get(name)
            if e is not None:
                used.setdefault(f"{e['encoder']} ({e['dim']}-d)", []).append(name)
        doc.para(
            "Embeddings: " + "; ".join(f"{k} for {', '.join(v)}" for k, v in used.items()) + ".",
            "meta",
        )
    _summary(doc, summary, datasets)
    _tables(doc, done, config, datasets, order, pairs, base_init, base)
    add_stopping_section(doc, done, datasets, order, level=3)
    inits = list(dict.fromkeys(i for _, i in pairs))
    _figures(doc, done, ds_info, datasets, base_init, order, inits)
    failed = runs[runs["status"] == "failed"]
    if len(failed):
        doc.heading("Failed runs")
        last = failed["traceback"].fillna("").map(lambda t: t.strip().splitlines()[-1] if t else "")
        doc.table(pd.DataFrame({"Run": failed["cell"], "Error": last}))
    return doc


def _summary(doc: Document, s, datasets: list[str]) -> None:
    doc.heading("Summary")
    doc.para(s.sentence, "lead")
    if s.caution:
        doc.para(s.caution, "note")
    doc.table(s.table())
    doc.para(
        f"Ranked by the mean area under the macro-F1 learning curve (the curve's mean height) "
        f"over {s.n_datasets} dataset{'s' if s.n_datasets != 1 else ''} × {s.n_seeds} "
        f"seed{'s' if s.n_seeds != 1 else ''}, initialisation {s.init}. Values are means ± "
        f"the half-width of the 95% interval (Student t over dataset × seed runs); Δ columns "
        f"are paired differences (same dataset, seed, split and initial set) with their 95% "
        f"interval. W/T/L counts the dataset × seed pairs where the strategy's curve area is "
        f"above, within {TIE} of, or below {s.baseline}'s. Minority recall: final recall of "
        f"the rarest third of the classes (by class count). s/round: fit + test + query "
        f"seconds per round.",
        "meta",
    )
    if len(s.rows) > 1:
        doc.figure(
            "difference_to_baseline.png",
            figures.png(
                figures.paired_difference_plot(s.values, s.baseline, list(s.rows["strategy"]))
            ),
            f"F1 curve area minus {s.baseline}'s per dataset (95% CI over seeds) and over all "
            "dataset × seed pairs (black)",
        )


def _tables(doc, done, config, datasets, order, pairs, base_init, baseline) -> None:
    t2_strategies = [s for s in order if (s, base_init) in pairs]
    doc.heading("Table 2: final macro F1 and recall by sampling strategy and dataset")
    doc.para(
        f"Initialisation {base_init}; last round of every run; mean ± 95% interval over seeds; "
        "Mean = over every dataset × seed run."
    )
    doc.table(tables.table2(done, t2_strategies, datasets, base_init))

    inits_of: dict[str, list[str]] = {}
    for s, i in pairs:
        inits_of.setdefault(s, []).append(i)
    t1_strategies = [s for s in order if len(inits_of.get(s, [])) > 1]
    t1_inits = list(dict.fromkeys(i for s in t1_strategies for i in inits_of[s]))
    doc.heading("Table 1: final macro F1 and recall by initialisation and sampling strategy")
    if t1_strategies:
        doc.para("Over every dataset × seed run (per-dataset tables follow in the detail).")
        doc.table(tables.table1(done, t1_inits, t1_strategies, datasets))
    else:
        doc.para("This config runs no strategy with more than one initialisation.")

    arms = find_arms(config.strategies())
    if arms is not None and all((arms[a], base_init) in pairs for a in arms):
        table, sentence = lsh_vs_flat(done, arms, base_init)
        doc.heading("Section 3.1: distance sampling through LSH vs the flat index")
        doc.para(sentence)
        doc.table(table)

    doc.heading("Detail")
    if t1_strategies and len(datasets) > 1:
        for d in datasets:
            doc.heading(f"Table 1 on {d}", level=3)
            doc.table(tables.table1(done, t1_inits, t1_strategies, [d]))
    doc.heading("Area under the learning curves", level=3)
    doc.para(
        "Trapezoid area under each curve divided by the span of labelled counts "
        "(the curve's mean height)."
    )
    doc.table(tables.auc_table(done, pairs, datasets))

    diffs, n = tables.differences(done, baseline)
    doc.heading(f"Differences to {baseline} larger than their confidence intervals", level=3)
    doc.para(
        f"{len(diffs)} of {n} paired differences (same dataset, initialisation and seed; "
        "final F1, final recall, F1 curve area) have a 95% interval that excludes zero. "
        f"The intervals are not corrected for multiple comparisons: by chance alone about "
        f"{0.05 * n:.0f} of {n} would exclude zero."
    )
    if len(diffs):
        doc.table(diffs)


def _label(baseline_init: str):
    return lambda s, i: s if i == baseline_init else f"{s} (init {i})"


def _figures(doc, done, ds_info, datasets, base_init, order, inits) -> None:
    doc.heading("Learning curves", level=3)
    for d in datasets:
        doc.figure(
            f"curves_{d}.png",
            figures.png(figures.learning_curves(done, d, base_init, order)),
            f"{d}: accuracy, macro F1, precision and recall per labelled count",
        )
    doc.heading("Label distribution", level=3)
    for d in datasets:
        if d in ds_info:
            info = ds_info[d]
            doc.figure(
                f"labels_{d}.png",
                figures.png(figures.label_distribution(d, info["classes"], info["class_counts"])),
                f"{d}: texts per class",
            )
    doc.heading("Class coverage", level=3)
    for d in datasets:
        n_classes = len(ds_info[d]["classes"]) if d in ds_info else None
        doc.figure(
            f"coverage_{d}.png",
            figures.png(figures.coverage(done, d, n_classes, order, inits)),
            f"{d}: classes in the labelled set per labelled count, per initialisation",
        )
    doc.heading("Time per round", level=3)
    doc.figure(
        "time_per_round.png",
        figures.png(figures.time_per_round(done, datasets, _label(base_init))),
        "seconds per round by phase (classifier fit, test-set evaluation, query)",
    )


def make_report(run_dir: str | Path, baseline: str | None = None) -> ReportPaths:
    """Write ``report.md``, ``figures/*.png`` and ``report.html`` into ``run_dir``.

    ``baseline`` is the strategy the Summary compares with (see :func:`choose_baseline`)."""
    run_dir = Path(run_dir)
    doc = build_document(run_dir, baseline)
    fig_dir = run_dir / "figures"
    for name, png in doc.figures().items():
        atomic_write_bytes(fig_dir / name, png)
    md, page = run_dir / "report.md", run_dir / "report.html"
    atomic_write_text(md, doc.to_markdown("figures"))
    atomic_write_text(page, doc.to_html())
    lead = next((b[1] for b in doc.blocks if b[0] == "p" and b[2] == "lead"), "")
    return ReportPaths(md, page, fig_dir, lead)
