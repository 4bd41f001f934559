"""The ``annal`` command line: a thin typer shell over the Python API.

Each command group lives in its own module and registers itself on :data:`app`;
every command is one call into a module usable without the CLI. A user error
(:class:`annal.errors.AnnalError`) becomes one line on stderr and exit code 2.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from annal._io import check_output_dir, check_output_path, table_format
from annal.errors import AnnalError

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def print_error(message: object) -> None:
    """``error: <message>`` on stderr, one line; the message is shown as is (never as markup)."""
    err_console.print(Text("error:", style="bold red"), Text(" ".join(str(message).split())))


def print_warning(message: object) -> None:
    """``warning: <message>`` on stderr, one line, never rendered as markup."""
    err_console.print(Text("warning:", style="yellow"), Text(" ".join(str(message).split())))


def output_file(param: typer.CallbackParam, value: Path | None) -> Path | None:
    """Option callback: an output file path must be writable, checked before any work."""
    if value is not None:
        check_output_path(value, what=param.opts[0])
    return value


def output_table(param: typer.CallbackParam, value: Path | None) -> Path | None:
    """Option callback: an output table path must be writable and name a known format."""
    if value is not None:
        check_output_path(value, what=param.opts[0])
        table_format(value, what=param.opts[0])
    return value


def output_dir(param: typer.CallbackParam, value: Path | None) -> Path | None:
    """Option callback: an output folder must be (or can be made) a writable directory."""
    if value is not None:
        check_output_dir(value, what=param.opts[0])
    return value


class AnnalGroup(TyperGroup):
    """A command group that turns every user error into one ``error: ...`` line and exit 2.

    User errors are :class:`AnnalError` (bad input found by annal) and click's usage errors
    (a bad option value, a missing argument: one line with a pointer to ``--help``).
    """

    def invoke(self, ctx):  # noqa: D102
        try:
            return super().invoke(ctx)
        except AnnalError as exc:
            print_error(exc)
        except click_errors.NoArgsIsHelpError:
            raise  # `annal al` alone: typer shows the help
        except click_errors.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
            print_error(f"{exc.format_message()} (see '{where} --help')")
        # typer vendors its own click: only typer.Exit is understood here.
        raise typer.Exit(2) from None


def sub_app(help: str) -> typer.Typer:
    """A command group with annal's error handling, for the command modules."""
    return typer.Typer(
        cls=AnnalGroup,
        help=help,
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
    )


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


def _register() -> None:
    # Imported here, not at the top, so each module can import `app`/`sub_app` from us.
    from annal.cli import al, ann, data, embed, experiment, label

    for module in (data, embed, ann, al, experiment, label):
        module.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
