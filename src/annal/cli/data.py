"""``annal data info`` and ``annal data list``: describe datasets."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from annal.cli.options import (
    DATA_ROOT_OPT,
    DatasetArgs,
    console,
    dataset_command,
    output_opt,
    sub_app,
    wrote,
)
from annal.data import dataset_info, list_datasets, plot_label_distribution


@dataset_command
def info(
    dataset: DatasetArgs,
    plot: Path | None = output_opt(
        "--plot", "Also draw the label distribution to this image file."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the statistics as JSON."),
) -> None:
    """Describe a dataset: class counts, imbalance, entropy, drops.

    Rows, classes, class counts and shares, imbalance ratio (largest/smallest), normalised
    class entropy, and how many rows each cleaning step dropped.
    """
    stats = dataset_info(dataset.load())
    if plot is not None:
        plot_label_distribution(stats, plot)
    if as_json:
        typer.echo(json.dumps(stats.as_dict(), indent=1))
        return
    console.print(
        f"[bold]{escape(stats.name)}[/bold]: {stats.n_rows} rows, {stats.n_classes} classes"
    )
    console.print(f"imbalance ratio (largest/smallest): {stats.imbalance_ratio:.2f}")
    console.print(f"normalised class entropy: {stats.normalised_entropy:.3f}")
    drops = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in stats.drops.items())
    console.print(f"rows read: {stats.rows_read}; dropped: {drops}")
    table = Table()
    table.add_column("label", overflow="fold")
    table.add_column("count", justify="right")
    table.add_column("share", justify="right")
    total = sum(k for _, k in stats.counts)
    for label, count in stats.counts:
        table.add_row(escape(label), str(count), f"{100 * count / total:.2f}%")
    console.print(table)
    if plot is not None:
        wrote(plot)


def list_(data_root: Path | None = DATA_ROOT_OPT) -> None:
    """List the datasets under the data root.

    One line each: rows, classes and the precomputed embeddings found in its folder.
    """
    summaries = list_datasets(data_root)
    table = Table(title=f"datasets in {summaries[0].folder.parent if summaries else data_root}")
    for name, justify in (("name", "left"), ("rows", "right"), ("classes", "right")):
        table.add_column(name, justify=justify)
    table.add_column("embeddings")
    for s in summaries:
        if s.problem is not None:
            table.add_row(escape(s.name), "-", "-", f"[red]cannot load: {escape(s.problem)}[/red]")
            continue
        table.add_row(escape(s.name), str(s.rows), str(s.classes), ", ".join(s.embeddings) or "-")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``data`` command group to the root app."""
    grp = sub_app("Load and describe labelled text datasets.")
    grp.command("info")(info)
    grp.command("list")(list_)
    app.add_typer(grp, name="data")
