"""``annal label``: label your own data with active learning (init, serve, status, export, labels)."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich import box
from rich.table import Table

from annal.cli.options import (
    MODEL_HELP,
    classifier_names,
    console,
    one_of,
    parse_params,
    print_warning,
    strategy_names,
    sub_app,
    wrote,
)
from annal.errors import AnnalError

DIR_ARG = typer.Argument(..., metavar="FOLDER", help="The project folder.", show_default=False)


def init(
    folder: Path = DIR_ARG,
    data: Path = typer.Option(..., "--data", help="CSV, TSV, JSONL or Parquet file to label."),
    text_col: str = typer.Option(..., "--text-col", help="Column holding the text."),
    labels: str = typer.Option(..., "--labels", help="The label set, comma-separated: a,b,c."),
    id_col: str | None = typer.Option(None, "--id-col", help="Column of unique row ids."),
    label_col: str | None = typer.Option(
        None, "--label-col", help="Column of labels already given (empty cells: unlabelled)."
    ),
    strategy: str = typer.Option(
        "margin", "--strategy", help=f"Query strategy once warmed up. {one_of(strategy_names())}"
    ),
    param: list[str] | None = typer.Option(
        None, "--param", help="Strategy parameter key=value (repeatable)."
    ),
    init_: str = typer.Option(
        "cluster-coverage",
        "--init",
        help="How the first batches are chosen. One of: cluster-coverage, random.",
    ),
    classifier: str = typer.Option(
        "sgd", "--classifier", help=f"Classifier. {one_of(classifier_names())}"
    ),
    model: str = typer.Option("minilm", "--model", help=MODEL_HELP),
    batch: int = typer.Option(20, "--batch", min=1, help="Rows queued after each fit."),
    initial: int = typer.Option(30, "--initial", min=1, help="Rows in the first batch."),
    retrain_every: int = typer.Option(10, "--retrain-every", min=1, help="Labels between fits."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random choice."),
    force: bool = typer.Option(False, "--force", help="Replace a non-empty project folder."),
) -> None:
    """Make a labelling project from a data file.

    Every row is kept (row i is item i) and embedded once; labels already in --label-col are
    imported.
    """
    from annal.label import init_project

    project = init_project(
        folder,
        data,
        text_col=text_col,
        labels=labels,
        id_col=id_col,
        label_col=label_col,
        force=force,
        model=model,
        strategy=strategy,
        strategy_params=parse_params(param or []),
        init=init_,
        classifier=classifier,
        batch=batch,
        initial=initial,
        retrain_every=retrain_every,
        seed=seed,
    )
    counts = project.store.counts()
    console.print(
        f"{folder}: {counts['n_items']} rows, {counts['n_labelled']} already labelled, "
        f"labels {', '.join(counts['histogram'])}; next: annal label serve {folder}"
    )


def serve(
    folder: Path = DIR_ARG,
    port: int = typer.Option(8765, "--port", help="Port to listen on."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind (other than loopback: warned)."
    ),
    user: str | None = typer.Option(None, "--user", help="Name recorded with each label."),
) -> None:
    """Serve the labelling page (http://127.0.0.1:8765 by default)."""
    from annal.label.app import serve as run_server

    who = user or _user()
    run_server(
        folder,
        host=host,
        port=port,
        who=who,
        log=console.print,
        warn=print_warning,
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers): a neutral default
        return "local"


def status(folder: Path = DIR_ARG) -> None:
    """Show counts, class distribution, estimated F1 and stopping advice."""
    from annal.label import Project
    from annal.label.status import project_status

    project = Project(folder)
    s = project_status(project)
    console.print(
        f"{project.name}: {s['n_labelled']} of {s['n_items']} labelled, {s['n_skipped']} skipped, "
        f"{s['classes_covered']} of {s['n_classes']} classes covered, "
        f"{s['labels_per_minute']} labels/min (last 5 min)"
    )
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("label")
    table.add_column("count", justify="right")
    table.add_column("share", justify="right")
    total = max(1, s["n_labelled"])
    for name, count in s["histogram"].items():
        table.add_row(name, str(count), f"{count / total:.1%}")
    console.print(table)
    m = s["model"]
    if m is None:
        console.print("model: none yet")
    elif m["f1"] is None:
        console.print(f"model {m['round']} on {m['n_labelled']} labels: no F1 estimate yet")
    else:
        console.print(
            f"model {m['round']} on {m['n_labelled']} labels ({m['phase']}): estimated macro-F1 "
            f"{m['f1']:.3f} (95% interval {m['f1_lo']:.3f}-{m['f1_hi']:.3f}; "
            f"{m['cv_folds']}-fold cross-validation on the labelled set)"
        )
    for a in s["advice"]:
        console.print(f"{'STOP' if a['stop'] else 'go  '} {a['name']}: {a['reason']}")


def export(
    folder: Path = DIR_ARG,
    out: Path = typer.Option(..., "--out", help="Output file."),
    fmt: str | None = typer.Option(
        None,
        "--format",
        help="File format. One of: csv, jsonl, parquet. Default: from the extension.",
        show_default=False,
    ),
    predictions: bool = typer.Option(
        False, "--predictions", help="Every row, with the model's label and probability."
    ),
) -> None:
    """Write the labelled rows (id, text, label, who, at)."""
    from annal.label import Project
    from annal.label.export import export_project

    n = export_project(Project(folder), out, fmt=fmt, predictions=predictions)
    console.print(f"{n} rows")
    wrote(out)


def labels(
    folder: Path = DIR_ARG,
    add: list[str] | None = typer.Option(None, "--add", help="Add a label (repeatable)."),
    rename: list[str] | None = typer.Option(
        None, "--rename", help="Rename OLD=NEW; if NEW exists, merge OLD into it (repeatable)."
    ),
) -> None:
    """List, add, rename or merge labels.

    Renaming re-labels the label's rows; renaming onto an existing label merges the two.
    """
    from annal.label import Project

    store = Project(folder).store
    for pair in rename or []:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise AnnalError(f"--rename must look like old=new, got {pair!r}")
        store.rename_label(old.strip(), new.strip())
    for name in add or []:
        store.add_label(name)
    for name, count in store.counts()["histogram"].items():
        console.print(f"{name}\t{count}")


def register(app: typer.Typer) -> None:
    """Add the ``label`` command group to the root app."""
    group = sub_app("Label your own data in a local page, with active learning.")
    group.command("init")(init)
    group.command("serve")(serve)
    group.command("status")(status)
    group.command("export")(export)
    group.command("labels")(labels)
    app.add_typer(group, name="label")
