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

from annal.al import ActiveLearningLoop, RoundRecord


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
    loop : ActiveLearningLoop
        The cell's loop, built by the driver: strategy, classifier, the resolved protocol,
        seed, warm start, candidate pool and sequential mode.
    train_pos, test_pos : np.ndarray of int64
        Positions into the dataset arrays: the pool and the held-out test set.
    initial_ids : np.ndarray of int64
        The initial labelled set (dataset ids), shared by every strategy of this
        (dataset, seed, init).
    n_classes : int
        Size of the dataset's class list.
    resume : list of dict
        Round records already stored for this cell (empty for a fresh start).
    threads : int
        BLAS/OpenMP threads this worker may use.
    """

    cell: str
    loop: ActiveLearningLoop
    train_pos: np.ndarray
    test_pos: np.ndarray
    initial_ids: np.ndarray
    n_classes: int
    resume: list[dict[str, Any]] = field(default_factory=list)
    threads: int = 1


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
    arrays = load_arrays(data)
    X, y, ids = arrays["X"], arrays["y"], arrays["ids"]
    tr, te = task.train_pos, task.test_pos
    task.loop.run(
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
