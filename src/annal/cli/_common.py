"""What every command module shares: consoles, the error-handling group, dataset options.

Command modules import from here only (never from each other, never from
:mod:`annal.cli` itself), so the package has no cycle.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from annal.data import load_dataset
from annal.data.dataset import Dataset
from annal.data.labels import POLICIES
from annal.errors import AnnalError

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def print_error(message: object) -> None:
    """``error: <message>`` on stderr, one line; the message is shown as is (never as markup)."""
    err_console.print(Text("error:", style="bold red"), Text(" ".join(str(message).split())))


def print_warning(message: object) -> None:
    """``warning: <message>`` on stderr, one line, never rendered as markup."""
    err_console.print(Text("warning:", style="yellow"), Text(" ".join(str(message).split())))


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
    return typer.Typer(cls=AnnalGroup, help=help, no_args_is_help=True, add_completion=False)


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
