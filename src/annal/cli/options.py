"""Options shared by the command modules, the consoles they print on, the error-handling
command group, and the help texts' conventions, defined once so every command says the same
thing the same way. Command modules import from here only (never from each other or from
:mod:`annal.cli`), so the package has no import cycle.

Help style: sentences, capitalised, ending with a full stop; an option with a fixed set of
values lists them (``One of: a, b.``), taken from the registries so new names appear by
themselves.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.text import Text
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from annal._io import check_output_dir, check_output_path, table_format
from annal.errors import AnnalError
from annal.spec import parse_assignments

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
    return typer.Typer(
        cls=AnnalGroup,
        help=help,
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
    )


#: What commands print for a person (results, tables, "wrote FILE" lines).
console = Console(highlight=False, soft_wrap=True)

CACHE_HELP = "Embeddings are cached in $ANNAL_CACHE_DIR (default ~/.cache/annal)."


def one_of(names: Iterable[str]) -> str:
    """``"One of: a, b, c."`` for a help text."""
    return "One of: " + ", ".join(names) + "."


def strategy_names() -> list[str]:
    """The registered query strategies."""
    from annal.al.registry import STRATEGIES

    return list(STRATEGIES)


def init_names() -> list[str]:
    """The registered initial-set methods."""
    from annal.al.registry import INITIALIZERS

    return list(INITIALIZERS)


def classifier_names() -> list[str]:
    """The named classifiers."""
    from annal.al.models import CLASSIFIERS

    return list(CLASSIFIERS)


def label_policies() -> list[str]:
    """How multi-label rows are treated."""
    from annal.data.labels import POLICIES

    return list(POLICIES)


def backend_names() -> list[str]:
    """Where experiment cells run."""
    from annal.ray_connect import EXECUTION_BACKENDS

    return list(EXECUTION_BACKENDS)


def preset_names() -> list[str]:
    """The built-in experiment configs."""
    from annal.experiments.config import PRESETS

    return list(PRESETS)


SOURCE_ARG = typer.Argument(
    ..., metavar="NAME|PATH", help="Dataset name, folder, file, or 'demo'.", show_default=False
)
DATA_ROOT_OPT = typer.Option(
    None,
    "--data-root",
    help="Folder of dataset folders. Default: $ANNAL_DATA_ROOT.",
    show_default=False,
)
NO_CLEAN_OPT = typer.Option(False, "--no-clean", help="Keep texts exactly as read.")
POLICY_OPT = typer.Option(
    "single",
    "--label-policy",
    help=f"What to do with multi-label rows. {one_of(label_policies())}",
)
TEXT_COL_OPT = typer.Option(
    ["text"], "--text-col", help="Text column; repeat to join several with '. '."
)
LABEL_COL_OPT = typer.Option("label", "--label-col", help="Label column.")
MIN_CLASS_OPT = typer.Option(
    2, "--min-class-size", min=1, help="Drop classes with fewer rows than this."
)
MODEL_HELP = (
    "Encoder spec (minilm, tfidf?dim=256, a model folder, a hub name) or a .npy file. "
    "Default: the folder's minilm.npy if present, else minilm. " + CACHE_HELP
)


def model_opt() -> typer.models.OptionInfo:
    """``--model``."""
    return typer.Option(None, "--model", help=MODEL_HELP, show_default=False)


PROGRESS_OPT = typer.Option(
    True,
    "--progress/--no-progress",
    help="Progress bars on a terminal, one line per finished step otherwise.",
)
JOBS_HELP = "Parallel workers (processes, or CPUs of a local Ray); each gets cores/jobs threads."


def jobs_opt() -> typer.models.OptionInfo:
    """``--jobs/-j``."""
    return typer.Option(2, "--jobs", "-j", min=1, help=JOBS_HELP)


def backend_opt() -> typer.models.OptionInfo:
    """``--backend``."""
    return typer.Option("local", "--backend", help=f"Where cells run. {one_of(backend_names())}")


def address_opt() -> typer.models.OptionInfo:
    """``--address``."""
    return typer.Option(
        None, "--address", help="Ray cluster address (with --backend ray).", show_default=False
    )


def force_opt() -> typer.models.OptionInfo:
    """``--force``."""
    return typer.Option(False, "--force", help="Replace the results of a different config.")


def wrote(path: Path | str) -> None:
    """Print ``wrote PATH`` on a line of its own."""
    console.print(f"wrote {path}", soft_wrap=True)


@contextmanager
def warnings_to_stderr() -> Iterator[None]:
    """Show Python warnings raised inside as one ``warning:`` line each on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        yield
    for w in caught:
        print_warning(w.message)


@dataclass(frozen=True)
class DatasetArgs:
    """The dataset a command reads: SOURCE and the loading options, as given on the command line
    (see :func:`dataset_command`)."""

    source: str
    data_root: Path | None = None
    no_clean: bool = False
    label_policy: str = "single"
    text_col: tuple[str, ...] | list[str] = ("text",)
    label_col: str = "label"
    min_class_size: int = 2

    @property
    def text_cols(self) -> str | list[str]:
        """``--text-col`` as :func:`annal.data.load_dataset` takes it (one name, or several)."""
        return self.text_col[0] if len(self.text_col) == 1 else list(self.text_col)

    def load(self):
        """Load the dataset, printing the loader's warnings on stderr."""
        from annal.data import load_dataset

        options = asdict(self) | {"text_col": self.text_cols, "clean": not self.no_clean}
        del options["source"], options["no_clean"]
        with warnings_to_stderr():
            return load_dataset(self.source, **options)


#: The command-line form of every :class:`DatasetArgs` field, in help order.
_DATASET_PARAMS = (
    ("source", str, SOURCE_ARG),
    ("data_root", Path | None, DATA_ROOT_OPT),
    ("no_clean", bool, NO_CLEAN_OPT),
    ("label_policy", str, POLICY_OPT),
    ("text_col", list[str], TEXT_COL_OPT),
    ("label_col", str, LABEL_COL_OPT),
    ("min_class_size", int, MIN_CLASS_OPT),
)


def dataset_command(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command SOURCE and the dataset options (``--data-root``, ``--no-clean``,
    ``--label-policy``, ``--text-col``, ``--label-col``, ``--min-class-size``), declared once
    here; the command takes them as one parameter ``dataset: DatasetArgs``, and they stand in
    its help where that parameter stands.
    """
    signature = inspect.signature(command, eval_str=True)
    params: list[inspect.Parameter] = []
    for param in signature.parameters.values():
        if param.name != "dataset":
            params.append(param)
            continue
        params += [
            inspect.Parameter(name, param.kind, default=default, annotation=kind)
            for name, kind, default in _DATASET_PARAMS
        ]

    @functools.wraps(command)
    def with_dataset(**kwargs: Any) -> Any:
        fields = {name: kwargs.pop(name) for name, _, _ in _DATASET_PARAMS}
        return command(dataset=DatasetArgs(**fields), **kwargs)

    # typer reads the command's parameters from the signature and its annotations.
    with_dataset.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    with_dataset.__annotations__ = {p.name: p.annotation for p in params}
    return with_dataset


def parse_params(pairs: list[str], flag: str = "--param") -> dict:
    """``["aggregate=max", "n_clusters=20"]`` -> ``{"aggregate": "max", "n_clusters": 20}``
    (:func:`annal.spec.parse_assignments`: the value reader every spec string uses)."""
    return parse_assignments(pairs, flag)


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


_OUTPUT_CHECKS = {"file": output_file, "table": output_table, "dir": output_dir}


def output_opt(
    flag: str, help: str, *, kind: str = "file", default: Path | None = None
) -> typer.models.OptionInfo:
    """An output path option (``--out``, ``--plot``...), checked before any work is done:
    ``kind`` ``file`` (writable), ``table`` (writable, a known table format) or ``dir`` (a
    folder that is or can be made writable)."""
    return typer.Option(
        default,
        flag,
        callback=_OUTPUT_CHECKS[kind],
        help=help,
        show_default=default is not None,
    )
