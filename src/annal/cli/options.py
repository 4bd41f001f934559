"""Options shared by the command modules, the consoles they print on, and the help texts'
conventions, defined once so every command says the same thing the same way.

Help style: sentences, capitalised, ending with a full stop; an option with a fixed set of
values lists them (``One of: a, b.``), taken from the registries so new names appear by
themselves.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
import yaml
from rich.console import Console

from annal.cli import print_warning
from annal.errors import AnnalError

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
    from annal.experiments.backends import BACKENDS

    return list(BACKENDS)


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


def load_from_cli(
    source: str,
    data_root: Path | None,
    no_clean: bool,
    label_policy: str,
    text_col: list[str],
    label_col: str,
    min_class_size: int,
):
    """Load a dataset from the shared CLI options, printing warnings on stderr."""
    from annal.data import load_dataset

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


def parse_params(pairs: list[str], flag: str = "--param") -> dict:
    """``["aggregate=max", "n_clusters=20"]`` -> ``{"aggregate": "max", "n_clusters": 20}``.

    Values that read as YAML numbers, booleans or lists become those; anything else stays text
    (so index specs like ``faiss:lsh?nbits=16`` pass through unchanged).
    """
    params: dict = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise AnnalError(f"{flag} must look like key=value, got {pair!r}")
        if key.strip() in params:
            raise AnnalError(f"{flag} {key.strip()} is given twice; give each parameter once")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
        if isinstance(value, list):
            value = tuple(value)
        elif not isinstance(value, int | float | bool) or value is None:
            value = text
        params[key.strip()] = value
    return params
