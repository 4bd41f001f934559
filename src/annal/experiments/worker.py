"""What runs inside a worker (a loky process or a Ray task): one grid cell, start to finish.

The worker never touches the results store. It reports through a *sink* (anything with
``put(message)``: a multiprocessing queue proxy, a Ray queue, a list) three kinds of message:

``("round", cell, record_dict)``  as soon as each AL round finishes;
``("done", cell, None)``          when the cell has run all its rounds;
``("failed", cell, traceback)``   when anything raised (the traceback as text).

The driver writes what it receives, so a crash loses at most the round in flight.
"""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class Sink(Protocol):
    """Where a worker sends its messages."""

    def put(self, item: Any) -> None: ...  # noqa: D102


@dataclass(frozen=True)
class CellTask:
    """Everything a worker needs for one cell, apart from the dataset arrays.

    Attributes
    ----------
    cell : str
        The cell key (``dataset/strategy/init/seed``).
    strategy, params : str, dict
        The strategy's registry name and parameters.
    init : str
        The initialisation method's name (its set is already fixed in ``initial_ids``).
    classifier, classifier_params : str, dict
        The classifier's registry name and parameters.
    seed : int
    initial, budget, rounds : int
        The resolved protocol.
    warm_start : bool
    sequential : bool
        The loop's sequential mode (strategies may ask the oracle inside a round).
    train_pos, test_pos : np.ndarray of int64
        Positions into the dataset arrays: the pool and the held-out test set.
    initial_ids : np.ndarray of int64
        The initial labelled set (dataset ids), shared by every strategy of this
        (dataset, seed, init).
    resume : list of dict
        Round records already stored for this cell (empty for a fresh start).
    n_classes : int
        Size of the dataset's class list.
    threads : int
        BLAS/OpenMP threads this worker may use.
    pool : str, optional
        Candidate-pool spec (``None``: the whole pool).
    """

    cell: str
    strategy: str
    params: dict[str, Any]
    init: str
    classifier: str
    classifier_params: dict[str, Any]
    seed: int
    initial: int
    budget: int
    rounds: int
    warm_start: bool
    train_pos: np.ndarray
    test_pos: np.ndarray
    initial_ids: np.ndarray
    n_classes: int
    resume: list[dict[str, Any]] = field(default_factory=list)
    threads: int = 1
    pool: str | None = None
    sequential: bool = False


def write_arrays(folder: str | os.PathLike, arrays: dict[str, np.ndarray]) -> str:
    """Write each array to ``folder/<name>.npy`` (the local backend's way to ship a dataset
    once); :func:`load_arrays` memory-maps them back. Returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=False)
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    return str(folder)


def load_arrays(data: dict[str, Any] | str | os.PathLike) -> dict[str, np.ndarray]:
    """The dataset arrays ``X`` (float32, (n, d)), ``y`` and ``ids`` (int64, (n,)).

    ``data`` is either the dict itself (Ray passes it by object reference) or the folder
    written by :func:`write_arrays` (the local backend): each ``.npy`` is memory-mapped
    read-only (:class:`numpy.memmap`), so workers share the pages and read only the rows
    they index.
    """
    if isinstance(data, dict):
        return data
    return {f.stem: np.load(f, mmap_mode="r") for f in sorted(Path(data).glob("*.npy"))}


def execute_cell(task: CellTask, data: dict[str, Any] | str, sink: Sink) -> str:
    """Run one cell and report through ``sink``; never raises.

    Returns
    -------
    str
        ``"done"`` or ``"failed"`` (the same as the last message sent).
    """
    try:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=task.threads):
            _set_native_threads(task.threads)
            _run(task, data, sink)
    except BaseException:  # noqa: BLE001 - any failure is recorded, other cells go on
        sink.put(("failed", task.cell, traceback.format_exc()))
        return "failed"
    sink.put(("done", task.cell, None))
    return "done"


def _set_native_threads(n: int) -> None:
    try:
        import faiss

        faiss.omp_set_num_threads(n)
    except ImportError:  # pragma: no cover - faiss is a core dependency
        pass
    torch = sys.modules.get("torch")  # only when something already imported it
    if torch is not None:
        torch.set_num_threads(n)


def _run(task: CellTask, data: dict[str, Any] | str, sink: Sink) -> None:
    from annal.al import ActiveLearningLoop, RoundRecord, make_strategy

    arrays = load_arrays(data)
    X, y, ids = arrays["X"], arrays["y"], arrays["ids"]
    tr, te = task.train_pos, task.test_pos
    loop = ActiveLearningLoop(
        make_strategy(task.strategy, **task.params),
        classifier=task.classifier,
        classifier_params=task.classifier_params,
        init=task.init,
        initial=task.initial,
        budget=task.budget,
        rounds=task.rounds,
        seed=task.seed,
        warm_start=task.warm_start,
        pool=task.pool,
        sequential=task.sequential,
    )
    loop.run(
        np.ascontiguousarray(X[tr]),
        y[tr],
        np.ascontiguousarray(X[te]),
        y[te],
        ids=ids[tr],
        initial_ids=task.initial_ids,
        on_round=lambda rec: sink.put(("round", task.cell, rec.as_dict())),
        resume=[RoundRecord.from_dict(r) for r in task.resume] or None,
        n_classes=task.n_classes,
    )
