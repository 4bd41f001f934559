"""The ``annal`` command line: a thin typer shell over the Python API.

Each command group lives in its own module and registers itself on :data:`app`;
every command is one call into a module usable without the CLI. A user error
(:class:`annal.errors.AnnalError`) becomes one line on stderr and exit code 2. What the
command modules share lives in :mod:`annal.cli.options`.
"""

from __future__ import annotations

import typer

from annal.cli import al, ann, data, embed, experiment, label
from annal.cli.options import AnnalGroup, err_console, print_error, print_warning, sub_app

__all__ = ["app", "err_console", "main", "print_error", "print_warning", "sub_app"]

app = typer.Typer(
    cls=AnnalGroup,
    help="annal: active learning on imbalanced, multi-class text, driven by ANN indexes.\n\n"
    "Datasets are read from $ANNAL_DATA_ROOT (or --data-root): a folder of dataset folders. "
    "Embeddings are cached in $ANNAL_CACHE_DIR (default ~/.cache/annal).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: wraps to the terminal and never cuts a default or a choice list.
    rich_markup_mode=None,
)


for _module in (data, embed, ann, al, experiment, label):
    _module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
