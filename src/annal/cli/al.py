"""``annal al run``: one active-learning run on a dataset, printed round by round."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich import box
from rich.live import Live
from rich.table import Table

from annal.cli.options import (
    DatasetArgs,
    classifier_names,
    console,
    dataset_command,
    init_names,
    model_opt,
    one_of,
    output_opt,
    parse_params,
    print_warning,
    strategy_names,
    sub_app,
    wrote,
)
from annal.errors import AnnalError

#: What the printed table shows: (column, header, format).
DISPLAY = (
    ("round", "round", "{}"),
    ("n_labelled", "n_lab", "{}"),
    ("accuracy", "acc", "{:.3f}"),
    ("f1_macro", "F1", "{:.3f}"),
    ("precision_macro", "P", "{:.3f}"),
    ("recall_macro", "R", "{:.3f}"),
    ("classes_covered", "cov", "{}"),
    ("imbalance_ratio", "imb", "{:.1f}"),
    ("fit_s", "fit_s", "{:.2f}"),
    ("query_s", "query_s", "{:.2f}"),
    ("stop_kappa", "kappa", "{:.3f}"),
    ("pool_size", "pool", "{}"),
    ("pool_search_s", "pool_s", "{:.2f}"),
)
#: Short names of the stopping criteria for the table's ``stop`` column.
STOP_ABBREV = {"stabilizing": "stab", "change": "chg", "uncertainty": "unc"}


def _row(record: dict) -> list[str]:
    from annal.al.stopping import STOPPING, flag_field

    cells = ["–" if record[name] is None else fmt.format(record[name]) for name, _, fmt in DISPLAY]
    stops = [STOP_ABBREV.get(name, name) for name in STOPPING if record.get(flag_field(name))]
    return [*cells, ",".join(stops) or "–"]


def stop_lines(records: list[dict]) -> list[str]:
    """One line per stopping criterion: where it would have stopped the run and the F1 cost."""
    from annal.al.stopping import stop_costs

    lines = []
    for c in stop_costs(records):
        end = f"{c['final_score']:.3f} at the end ({c['final_n_labelled']} labels)"
        if c["round"] is None:
            lines.append(f"{c['criterion']}: would not have stopped; macro-F1 {end}")
        else:
            lines.append(
                f"{c['criterion']}: would have stopped at round {c['round']} "
                f"({c['n_labelled']} labels): macro-F1 {c['score']:.3f} vs {end}, "
                f"cost {c['cost']:+.3f}"
            )
    return lines


class RoundPrinter:
    """Shows rounds as they finish: a live table on a terminal, else one plain line per round.

    Nothing is printed before the first round, so an error raised before it never follows an
    empty table header.
    """

    def __init__(self, title: str) -> None:
        self.title = title
        self.started = False
        self.table: Table | None = None
        self.live: Live | None = None
        self.headers = [h for _, h, _ in DISPLAY] + ["stop"]
        self.widths = [max(len(h), 7) for h in self.headers]

    def __enter__(self) -> RoundPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()

    def _line(self, cells: list[str]) -> str:
        *nums, stop = cells
        return " ".join(c.rjust(w) for c, w in zip(nums, self.widths, strict=False)) + f"  {stop}"

    def __call__(self, record: dict) -> None:
        cells = _row(record)
        first, self.started = not self.started, True
        if not console.is_terminal:
            if first:
                console.print(self.title)
                console.print(self._line(self.headers))
            console.print(self._line(cells))
            return
        if first:
            self.table = Table(title=self.title, box=box.SIMPLE_HEAD)
            for header in self.headers[:-1]:
                self.table.add_column(header, justify="right")
            self.table.add_column(self.headers[-1], justify="left")
            self.live = Live(self.table, console=console, refresh_per_second=4)
            self.live.start()
        self.table.add_row(*cells)


@dataset_command
def run(
    dataset: DatasetArgs,
    strategy: str = typer.Option(
        ...,
        "--strategy",
        "-s",
        help=f"Query strategy. {one_of(strategy_names())}",
        show_default=False,
    ),
    init: str = typer.Option("random", "--init", help=f"Initial set. {one_of(init_names())}"),
    rounds: int = typer.Option(20, "--rounds", help="Selection rounds (>= 1)."),
    budget: int = typer.Option(500, "--budget", help="Texts labelled per round (>= 1)."),
    initial: int = typer.Option(250, "--initial", help="Size of the initial labelled set (>= 1)."),
    seed: int = typer.Option(
        0, "--seed", min=0, max=2**32 - 1, help="Seed of the split, initial set and picks."
    ),
    classifier: str = typer.Option(
        "sgd",
        "--classifier",
        help=f"Classifier (sgd is vectorised; sgd-sklearn is scikit-learn's). "
        f"{one_of(classifier_names())}",
    ),
    classifier_param: list[str] = typer.Option(
        [],
        "--classifier-param",
        help="Classifier parameter key=value, repeatable, e.g. epochs=5.",
        show_default=False,
    ),
    param: list[str] = typer.Option(
        [],
        "--param",
        help="Strategy parameter key=value, repeatable, e.g. aggregate=max.",
        show_default=False,
    ),
    pool: str = typer.Option(
        "full",
        "--pool",
        help="Candidate pool the strategy looks in: full, random?size=M, "
        "seals?k=100&index=faiss:hnsw?M=32, anchoral?anchors=10&k=50&size=10000.",
    ),
    model: str | None = model_opt(),
    test_size: float = typer.Option(0.2, "--test-size", help="Held-out share of every class."),
    warm_start: bool = typer.Option(False, "--warm-start", help="Warm-start SGD between rounds."),
    sequential: bool = typer.Option(
        False,
        "--sequential",
        help="Let galaxy/direct see the answers of their earlier picks within a round.",
    ),
    stop_set_size: int = typer.Option(
        2000,
        "--stop-set-size",
        min=1,
        help="Unlabelled rows the stopping criteria watch (random, fixed per seed).",
    ),
    out: Path | None = output_opt(
        "--out",
        "Write the round records as a table: .csv, .tsv or .parquet, by the suffix.",
        kind="table",
    ),
) -> None:
    """Run active learning on a dataset and print one row per round."""
    from annal._io import write_table
    from annal.al import ActiveLearningLoop, RunProtocol, make_strategy, stratified_split
    from annal.al.pools import make_pool
    from annal.embed import embed_dataset
    from annal.experiments.config import ClassifierConfig, validated
    from annal.experiments.store import records_table

    protocol = RunProtocol.of(where="protocol", initial=initial, budget=budget, rounds=rounds)
    chosen = make_strategy(strategy, **parse_params(param))
    candidate_pool = make_pool(pool)
    clf = validated(  # a bad name or parameter fails here, before any work
        ClassifierConfig,
        {"name": classifier, "params": parse_params(classifier_param, "--classifier-param")},
        source="--classifier",
    )
    ds = dataset.load()
    # A precomputed float16 pool stays float16: no float32 copy of a million rows.
    X = embed_dataset(ds, model, progress=True, keep_dtype=True)
    y = np.asarray(ds.y, dtype=np.int64)
    train, test = stratified_split(y, test_size=test_size, seed=seed)
    if initial + budget > len(train):
        raise AnnalError(
            f"--initial {initial} + --budget {budget} exceeds the pool of {len(train)} rows "
            f"of {ds.name}: not one round fits"
        )
    if initial + budget * rounds > len(train):
        fits = (len(train) - initial) // budget
        print_warning(
            f"the pool of {len(train)} rows runs out after {fits} of {rounds} rounds "
            f"(--initial {initial}, --budget {budget})"
        )
    loop = ActiveLearningLoop(
        chosen,
        classifier=clf.name,
        classifier_params=clf.params,
        init=init,
        initial=protocol.initial,
        budget=protocol.budget,
        rounds=protocol.rounds,
        seed=seed,
        warm_start=warm_start,
        pool=candidate_pool,
        sequential=sequential,
        stop_set_size=stop_set_size,
    )
    console.print(
        f"{ds.name}: pool {len(train)}, test {len(test)}, {ds.n_classes} classes, "
        f"d={X.shape[1]}; {chosen!r} in {candidate_pool!r}, init {init}, classifier {clf}"
    )
    name, classes, n_classes, pool_ids = ds.name, list(ds.classes), ds.n_classes, ds.ids[train]
    X_pool, X_test = X[train], X[test]
    # The loop needs embeddings, labels and ids only: the texts (0.9 GB at a million rows)
    # and the embeddings of the whole dataset (a 750 MB copy when the loader dropped rows)
    # go before it starts, not after its last round.
    del ds, X
    title = f"{strategy} on {name} (seed {seed}; F1/P/R macro)"
    with RoundPrinter(title) as show:
        records = loop.run(
            X_pool,
            y[train],
            X_test,
            y[test],
            ids=pool_ids,
            n_classes=n_classes,
            on_round=lambda rec: show(rec.as_dict()),
        )
    console.print(
        f"Stopping criteria on a stop set of {min(stop_set_size, len(train) - initial)} "
        "unlabelled pool rows (kappa: agreement with the previous round's model; stop: the "
        "criteria that would stop there):"
    )
    for line in stop_lines([rec.as_dict() for rec in records]):
        console.print(f"  {line}")
    if out is not None:
        run = {"dataset": name, "strategy": strategy, "pool": pool, "init": init}
        run |= {"seed": seed, "classifier": str(clf)}
        table = records_table([rec.as_dict() for rec in records], classes)
        table["n_selected"] = [len(rec.selected_ids) for rec in records]
        write_table(pd.concat([pd.DataFrame([run] * len(table)), table], axis=1), out)
        wrote(out)


def register(app: typer.Typer) -> None:
    """Add the ``al`` command group (``annal al run``) to the root app."""
    group = sub_app("Active learning: run a strategy round by round.")
    group.command("run")(run)
    app.add_typer(group, name="al")
