"""The ``annal`` command line: a thin typer shell over the Python API.

Each command group lives in its own module and registers itself on :data:`app`;
every command is one call into a module usable without the CLI. A user error
(:class:`annal.errors.AnnalError`) becomes one line on stderr and exit code 2. What the
command modules share lives in :mod:`annal.cli._common`.
"""

from __future__ import annotations

import typer

from annal.cli import al, ann, data, embed, experiment
from annal.cli._common import AnnalGroup

app = typer.Typer(
    cls=AnnalGroup,
    help="annal: active learning on imbalanced, multi-class text, driven by ANN indexes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (data, embed, ann, al, experiment):
    _module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
