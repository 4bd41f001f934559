"""``annal data info`` and ``annal data list``: describe datasets."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from annal.cli import output_file, print_warning, sub_app
from annal.data import dataset_info, list_datasets, load_dataset, plot_label_distribution
from annal.data.dataset import Dataset
from annal.data.labels import POLICIES

console = Console(highlight=False, soft_wrap=True)

SOURCE_ARG = typer.Argument(..., metavar="NAME|PATH", help="Dataset name, folder, file, or 'demo'.")
DATA_ROOT_OPT = typer.Option(
    None, "--data-root", help="Folder of dataset folders (default $ANNAL_DATA_ROOT)."
)
NO_CLEAN_OPT = typer.Option(False, "--no-clean", help="Keep texts exactly as read.")
POLICY_OPT = typer.Option(
    "single", "--label-policy", help=f"Multi-label rows: {' | '.join(POLICIES)}."
)
TEXT_COL_OPT = typer.Option(
    ["text"], "--text-col", help="Text column; repeat to join several with '. '."
)
LABEL_COL_OPT = typer.Option("label", "--label-col", help="Label column.")
MIN_CLASS_OPT = typer.Option(2, "--min-class-size", help="Drop classes with fewer rows.")


@contextmanager
def warnings_to_stderr() -> Iterator[None]:
    """Show Python warnings raised inside as one ``warning:`` line each on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        yield
    for w in caught:
        print_warning(w.message)


def load_from_cli(
    source: str,
    data_root: Path | None,
    no_clean: bool,
    label_policy: str,
    text_col: list[str],
    label_col: str,
    min_class_size: int,
) -> Dataset:
    """Load a dataset from the shared CLI options, printing warnings on stderr."""
    with warnings_to_stderr():
        return load_dataset(
            source,
            data_root=data_root,
            text_col=text_col[0] if len(text_col) == 1 else text_col,
            label_col=label_col,
            label_policy=label_policy,
            clean=not no_clean,
            min_class_size=min_class_size,
        )


def info(
    source: str = SOURCE_ARG,
    data_root: Path | None = DATA_ROOT_OPT,
    no_clean: bool = NO_CLEAN_OPT,
    label_policy: str = POLICY_OPT,
    text_col: list[str] = TEXT_COL_OPT,
    label_col: str = LABEL_COL_OPT,
    min_class_size: int = MIN_CLASS_OPT,
    plot: Path | None = typer.Option(
        None,
        "--plot",
        callback=output_file,
        help="Also draw the label distribution to this image file.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the statistics as JSON."),
) -> None:
    """Rows, classes, class counts, imbalance ratio, class entropy and drop counts."""
    ds = load_from_cli(
        source, data_root, no_clean, label_policy, text_col, label_col, min_class_size
    )
    stats = dataset_info(ds)
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
        console.print(f"label distribution written to {plot}")


def list_(data_root: Path | None = DATA_ROOT_OPT) -> None:
    """Datasets under the data root, with rows, classes and precomputed embeddings."""
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
