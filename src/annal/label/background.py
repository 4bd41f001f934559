"""Fits in another process, so the page never waits for one (nor for the interpreter lock).

The server starts one trainer process per project (``spawn``: a fresh interpreter). It waits to
be woken (:meth:`BackgroundTrainer.poke`, after every write from the page) and then runs
:meth:`annal.label.trainer.Trainer.step` while a fit is due
(:func:`annal.label.trainer.fit_due`). Both processes share only the project folder: the trainer
reads labels from the store and writes the round, the queue and ``predictions.npz``. It runs at
a lower CPU priority (``nice`` 5) than the server, whose requests come first. The trainer
process ends with the server, also when the server is killed (it checks its parent every
second). A failed fit is logged and its message kept in the store's ``trainer_error`` meta key,
which the page shows.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os

from annal.label.project import Project

log = logging.getLogger(__name__)
ERROR_KEY = "trainer_error"


def _fit_loop(folder: str, wake, stop, busy, force, parent: int) -> None:
    """The trainer process: step while due, until stopped or orphaned."""
    from annal.label.trainer import Trainer, fit_due

    try:
        os.nice(5)  # the page's requests come first; fits take the spare CPU
    except OSError:
        pass
    project = Project(folder)
    trainer = Trainer(project)
    store = project.store
    while not stop.is_set() and os.getppid() == parent:
        if not wake.wait(1.0):
            continue
        wake.clear()
        while not stop.is_set():
            with force.get_lock():
                forced, force.value = bool(force.value), 0
            if not (forced or fit_due(project)):
                break
            busy.value = 1
            try:
                trainer.step()
                if store.meta(ERROR_KEY):
                    store.set_meta(ERROR_KEY, "")
            except Exception as exc:  # keep serving; the page shows the message
                log.exception("background fit failed")
                store.set_meta(ERROR_KEY, f"{type(exc).__name__}: {exc}")
                break
            finally:
                busy.value = 0
    store.close()


class BackgroundTrainer:
    """The trainer process of one served project.

    Parameters
    ----------
    project : Project
        The served project (the trainer process opens its own).
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        ctx = mp.get_context("spawn")
        self._wake = ctx.Event()
        self._stop = ctx.Event()
        self._busy = ctx.Value("b", 0)
        self._force = ctx.Value("b", 0)
        self._proc = ctx.Process(
            target=_fit_loop,
            args=(
                str(project.folder),
                self._wake,
                self._stop,
                self._busy,
                self._force,
                os.getpid(),
            ),
            name="annal-label-trainer",
            daemon=True,
        )

    def start(self) -> BackgroundTrainer:
        """Start the process; it fits at once if a fit is due."""
        self._proc.start()
        self.poke()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the process to end after its current fit; terminate it after ``timeout``."""
        self._stop.set()
        self._wake.set()
        if self._proc.is_alive():
            self._proc.join(timeout)
            if self._proc.is_alive():
                self._proc.terminate()

    def poke(self, force: bool = False) -> None:
        """The labels changed: fit if due (always, with ``force``: the label set changed)."""
        if force:
            self._force.value = 1
        self._wake.set()

    @property
    def busy(self) -> bool:
        """Whether a fit is running now."""
        return bool(self._busy.value)

    @property
    def last_error(self) -> str | None:
        """The message of the last failed fit, None after a good one."""
        return self.project.store.meta(ERROR_KEY) or None
