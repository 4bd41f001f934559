"""The driver: expand the grid, prepare the data, farm cells out, and write every round.

:func:`run_experiment` is what ``annal experiment run`` calls. It is safe to re-run: cells
already ``done`` in the store are skipped, unfinished ones continue after their stored rounds
(the loop's ``resume=``), and the final numbers equal those of an uninterrupted run. A store
written by a different config is refused unless ``force=True``.
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from annal._io import check_output_dir, run_lock
from annal.al import ActiveLearningLoop, make_strategy
from annal.errors import AnnalError
from annal.experiments.backends import make_backend
from annal.experiments.config import Config
from annal.experiments.grid import Cell, expand_grid, experiments_of
from annal.experiments.prepare import (
    PreparedDataset,
    add_initial_sets,
    prepare_dataset,
    split_fingerprint,
)
from annal.experiments.store import STORE_NAME, ResultsStore
from annal.experiments.worker import CellTask
from annal.progress import StepProgress

DEFAULT_JOBS = 2  # this project's reference machine has 2 cores


@dataclass
class RunSummary:
    """What a call to :func:`run_experiment` did.

    Attributes
    ----------
    out : Path
        The run directory.
    total : int
        Cells in the grid.
    skipped : int
        Cells already done before this call.
    done : int
        Cells finished by this call.
    failed : list of (str, str)
        ``(cell, traceback)`` of every cell that raised.
    wall_s : float
    """

    out: Path
    total: int
    skipped: int = 0
    done: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no cell failed."""
        return not self.failed


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape the numbers."""
    import faiss
    import numpy
    import sklearn

    import annal

    return {
        "annal": annal.__version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
        "faiss": getattr(faiss, "__version__", "?"),
    }


def _other_config(store: ResultsStore, out: Path, config: Config, force: bool) -> bool:
    """Whether ``store`` holds another config's results (which ``force`` allows replacing)."""
    old_hash = store.get_meta("config_hash")
    if old_hash is None or old_hash == config.config_hash():
        return False
    if not force:
        raise AnnalError(
            f"{out}: holds results of a different config (hash {old_hash}, this one "
            f"{config.config_hash()}); use another --out, or --force to replace them"
        )
    return True


def stored_status(out: Path, config: Config, *, force: bool = False) -> dict[str, str]:
    """The status of every cell already stored in ``out`` for ``config``; nothing is written.

    Returns ``{}`` when there is no store, or when it holds another config and ``force`` is
    set (it is replaced only once the new run can start, see :func:`open_store`).

    Raises
    ------
    AnnalError
        When the store holds results of a different config and ``force`` is False, or it is
        not a readable results store.
    """
    if not (out / STORE_NAME).exists():
        return {}
    with ResultsStore.existing(out) as old:
        return {} if _other_config(old, out, config, force) else old.run_status()


def open_store(out: Path, config: Config, *, force: bool = False) -> ResultsStore:
    """The run directory's store, created for ``config`` or checked against it.

    Call it only once the run can start: with ``force`` it deletes the results of a
    different config.

    Raises
    ------
    AnnalError
        When the store holds results of a different config and ``force`` is False.
    """
    path = out / STORE_NAME
    if path.exists():
        with ResultsStore.existing(out) as old:
            replace = _other_config(old, out, config, force)
        if replace:
            ResultsStore.remove(out)
    store = ResultsStore(path)
    if store.get_meta("config_hash") is None:
        store.set_meta(
            {
                "config_hash": config.config_hash(),
                "config": json.dumps(config.model_dump(mode="json")),
                "created_at": str(time.time()),
            }
        )
    return store


def check_components(config: Config) -> None:
    """Build every strategy once, so a bad parameter fails before any work (the classifier
    was built when the config was validated).

    Raises
    ------
    AnnalError
        Naming the strategy (by its key).
    """
    for key, strat in config.strategies().items():
        try:
            make_strategy(strat.name, **strat.params)
        except (AnnalError, TypeError, ValueError) as exc:
            raise AnnalError(f"config: strategy {key!r}: {exc}") from None


def _task_fields(config: Config, cell: Cell, prep: PreparedDataset, versions: dict) -> dict:
    strat = config.strategies()[cell.strategy]
    train_pos, test_pos = prep.splits[cell.seed]
    return {
        "config_hash": config.config_hash(),
        "dataset": cell.dataset,
        "strategy": cell.strategy,
        "strategy_name": strat.name,
        "strategy_params": strat.params,
        "init": cell.init,
        "seed": cell.seed,
        "classifier": str(config.classifier),
        "experiments": experiments_of(config, cell.strategy, cell.init),
        "versions": versions,
        "n_pool": len(train_pos),
        "n_test": len(test_pos),
        **prep.protocol.model_dump(),  # initial, budget, rounds: counts for this pool
        "split_fingerprint": split_fingerprint(train_pos, test_pos),
        "initial_ids": prep.initial_ids[(cell.seed, cell.init)],
    }


class _Display:
    """Progress of a grid: on a terminal a bar over rounds (cells done, the latest round, ETA);
    elsewhere one line per finished cell."""

    def __init__(self, enabled: bool, n_cells: int, n_rounds: int, console: Console) -> None:
        self.n_cells, self.done = n_cells, 0
        self.last = ""
        self._progress = StepProgress(
            n_cells,
            units=n_rounds,
            enabled=enabled,
            console=console,
            columns=(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("rounds {task.completed:.0f}/{task.total:.0f}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
            ),
        )
        self._progress.describe(self._text())

    def _text(self) -> str:
        return f"cells {self.done}/{self.n_cells}" + (f" · {self.last}" if self.last else "")

    def __enter__(self) -> _Display:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)

    def round(self, cell: str, rnd: int, of: int) -> None:
        self.last = f"{cell} round {rnd}/{of}"
        self._progress.advance(1, self._text())

    def cell_ended(self, cell: str, status: str, rounds: int, leftover_rounds: int) -> None:
        self.done += 1
        self._progress.describe(self._text())
        self._progress.step_done(f"{cell} {status} ({rounds} rounds)", leftover_rounds)


def run_experiment(
    config: Config,
    out: str | Path,
    *,
    jobs: int = DEFAULT_JOBS,
    backend: str = "local",
    address: str | None = None,
    force: bool = False,
    progress: bool = True,
    console: Console | None = None,
) -> RunSummary:
    """Run (or finish) every cell of ``config`` and store its rounds in ``out``.

    Parameters
    ----------
    config : Config
    out : str or Path
        The run directory (``results.sqlite`` goes there).
    jobs : int
        Parallel workers (processes locally, CPUs of a local Ray).
    backend : {"local", "ray"}
    address : str, optional
        Ray cluster address (``--backend ray`` only).
    force : bool
        Replace results of a different config instead of refusing.
    progress : bool
        Show the rich progress display.

    Returns
    -------
    RunSummary
        Failed cells are listed there (with tracebacks, also in the store), not raised.
    """
    t0 = time.perf_counter()
    console = console or Console(stderr=True)
    out = Path(out)
    check_output_dir(out, what="run directory")
    executor = make_backend(backend, jobs=jobs, address=address)
    if executor.jobs < jobs:
        console.print(
            Text(
                f"note: --jobs {jobs} is more than the {executor.jobs} cores here; "
                f"running {executor.jobs} workers"
            )
        )
    check_components(config)
    cells = expand_grid(config)
    summary = RunSummary(out=out, total=len(cells))
    with run_lock(out):
        # Everything that can fail on the user's input (data, embeddings, protocol) is done
        # before the store is created or --force replaces an old one: a run that cannot
        # start writes nothing.
        status = stored_status(out, config, force=force)
        pending = [c for c in cells if status.get(c.key) != "done"]
        summary.skipped = len(cells) - len(pending)
        if not pending:
            summary.wall_s = time.perf_counter() - t0
            return summary
        preps = _prepare(config, pending, progress=progress, console=console)
        with open_store(out, config, force=force) as store:
            for prep in preps.values():
                store.put_dataset(prep.key, list(prep.classes), prep.class_counts(), prep.report)
                embedding = {"encoder": prep.encoder, "dim": int(prep.X.shape[1])}
                store.set_meta({f"embedding:{prep.key}": json.dumps(embedding)})
            _execute(
                config,
                pending,
                preps,
                store,
                executor,
                summary,
                progress,
                console,
                fresh=not status,
            )
    summary.wall_s = time.perf_counter() - t0
    return summary


def _inits_of(pending: list[Cell]) -> dict[str, list[str]]:
    """The initialisations each dataset's pending cells start from, in grid order."""
    inits: dict[str, list[str]] = {}
    for c in pending:
        inits.setdefault(c.dataset, [])
        if c.init not in inits[c.dataset]:
            inits[c.dataset].append(c.init)
    return inits


def _prepare(
    config: Config, pending: list[Cell], *, progress: bool, console: Console
) -> dict[str, PreparedDataset]:
    """Load, embed and split every dataset of ``pending`` and check its protocol; the
    initial sets are drawn later, in :func:`_execute`, while the workers run."""
    needed = {c.dataset for c in pending}
    preps = {}
    for dc in config.datasets:
        if dc.key not in needed:
            continue
        if progress:
            console.print(f"[dim]preparing {dc.key}: load, embed, split[/dim]")
        preps[dc.key] = prepare_dataset(dc, config, [], progress=progress, initial_sets=False)
    return preps


def _check_same_data(store: ResultsStore, run_id: int, cell: Cell, fields: dict) -> None:
    """A stored run continues only on the very split and initial set it started from."""
    row = store.con.execute(
        "SELECT split_fingerprint, initial_ids FROM runs WHERE run_id=?", (run_id,)
    ).fetchone()
    now = [int(i) for i in fields["initial_ids"]]
    if (
        row["split_fingerprint"] != fields["split_fingerprint"]
        or json.loads(row["initial_ids"]) != now
    ):
        raise AnnalError(
            f"{cell.key}: the data changed since its stored rounds (other split or initial set); "
            "use --force to start the run directory afresh"
        )


def _execute(
    config: Config,
    pending: list[Cell],
    preps: dict[str, PreparedDataset],
    store: ResultsStore,
    executor: Any,
    summary: RunSummary,
    progress: bool,
    console: Console,
    *,
    fresh: bool = False,
) -> None:
    """Run the pending cells and store what the workers report. ``fresh``: no cell of this
    config is in the store yet (the initial sets may then be drawn as the run goes)."""
    versions = library_versions()
    run_ids: dict[str, int] = {}
    expected: dict[str, int] = {}
    seen: dict[str, int] = {}
    by_dataset: dict[str, list[Cell]] = {}
    for cell in pending:
        by_dataset.setdefault(cell.dataset, []).append(cell)
        expected[cell.key] = preps[cell.dataset].protocol.rounds + 1
    inits = _inits_of(pending)

    def tasks_of(dataset: str) -> list[CellTask]:
        """The dataset's initial sets, then its cells' runs in the store and their tasks."""
        prep = add_initial_sets(preps[dataset], inits[dataset])
        tasks = []
        for cell in by_dataset[dataset]:
            fields = _task_fields(config, cell, prep, versions)
            run_id = store.ensure_run(cell.key, fields)
            _check_same_data(store, run_id, cell, fields)
            stored = store.rounds_of(run_id)
            run_ids[cell.key] = run_id
            seen[cell.key] = len(stored)
            strat = config.strategies()[cell.strategy]
            train_pos, test_pos = prep.splits[cell.seed]
            loop = ActiveLearningLoop(
                make_strategy(strat.name, **strat.params),
                classifier=config.classifier.name,
                classifier_params=dict(config.classifier.params),
                init=cell.init,
                **prep.protocol.model_dump(),
                seed=cell.seed,
                warm_start=config.warm_start,
                pool=strat.pool,
                sequential=config.sequential,
            )
            tasks.append(
                CellTask(
                    cell=cell.key,
                    loop=loop,
                    train_pos=train_pos,
                    test_pos=test_pos,
                    initial_ids=prep.initial_ids[(cell.seed, cell.init)],
                    n_classes=len(prep.classes),
                    resume=stored,
                    threads=executor.threads,
                )
            )
        return tasks

    # A fresh run starts its workers on the first dataset's cells and draws every later
    # dataset's initial sets while they run (cluster coverage's k-means is most of a
    # dataset's preparation). A resumed run first checks every stored cell against its data,
    # so a run that cannot continue fails before any work.
    order = list(by_dataset)
    ready = {d: tasks_of(d) for d in (order[:1] if fresh else order)}
    executor.start()
    finished = False
    try:
        futures: dict[str, Any] = {}
        open_cells: set[str] = set()
        n_rounds = sum(expected.values()) - sum(seen.values())
        with _Display(progress, len(pending), n_rounds, console) as display:

            def handle(msg: tuple) -> None:
                kind, cell, payload = msg
                if cell not in open_cells:
                    return
                if kind == "round":
                    store.add_round(run_ids[cell], payload)
                    seen[cell] += 1
                    display.round(cell, int(payload["round"]), expected[cell] - 1)
                    return
                open_cells.discard(cell)
                if kind == "done":
                    store.set_status(run_ids[cell], "done")
                    summary.done += 1
                else:
                    store.set_status(run_ids[cell], "failed", payload)
                    summary.failed.append((cell, payload))
                display.cell_ended(cell, kind, seen[cell], max(0, expected[cell] - seen[cell]))

            for dataset in order:
                tasks = ready.pop(dataset) if dataset in ready else tasks_of(dataset)
                data = executor.put_data(dataset, preps[dataset].arrays())
                for task in tasks:
                    store.set_status(run_ids[task.cell], "running")
                    futures[task.cell] = executor.submit(task, data)
                    open_cells.add(task.cell)
                for msg in executor.messages(timeout=0.0):  # store what is done so far
                    handle(msg)

            while open_cells:
                for msg in executor.messages(timeout=0.5):
                    handle(msg)
                for cell in list(open_cells):
                    ended, error = executor.outcome(futures[cell])
                    if not ended:
                        continue
                    for msg in executor.messages(timeout=0.05):  # its last words, if any
                        handle(msg)
                    if cell in open_cells:  # the worker died without a word
                        handle(("failed", cell, error or "worker ended without reporting"))
        finished = True
    finally:
        executor.shutdown(kill_workers=not finished)
