"""A simulated oracle through a labelling project: known labels answer instead of a person.

The rows go through the same code a person's labels go through (the store's claim and label
transactions, the trainer's fit and queue), so the run checks that a project is the
active-learning loop: with the same strategy, initialiser, classifier and seed it should give
the F1 curve of :class:`annal.al.ActiveLearningLoop` (``annal al run``). The only intended
difference is the cold start: a project keeps asking the initialiser until every label has an
example.
"""

from __future__ import annotations

import os

import numpy as np

from annal.al.metrics import evaluate_predictions
from annal.al.stopping import flag_field
from annal.label.create import create_project, make_config
from annal.label.trainer import Trainer

ORACLE = "oracle"


def simulate_project(
    folder: str | os.PathLike[str],
    X_pool: np.ndarray,
    y_pool: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    class_names: list[str],
    *,
    strategy: str = "margin",
    strategy_params: dict | None = None,
    init: str = "random",
    classifier: str = "sgd",
    initial: int = 250,
    budget: int = 500,
    rounds: int = 20,
    seed: int = 0,
    estimate: bool = False,
    texts: list[str] | None = None,
) -> list[dict]:
    """Label a pool through a new project in ``folder``, answering from ``y_pool``.

    Parameters
    ----------
    folder : str or PathLike
        Where the project is written (replaced if it exists).
    X_pool : np.ndarray of float32, shape (n, d)
    y_pool : np.ndarray of int, shape (n,)
        Class codes into ``class_names`` (the oracle's answers).
    X_test, y_test : test rows, scored after every fit (never seen by the project).
    class_names : list of str
    strategy, strategy_params, init, classifier, initial, budget, rounds, seed
        As for :class:`annal.al.ActiveLearningLoop`; the project queues ``budget`` rows and
        refits after every ``budget`` labels.
    estimate : bool
        Also compute the page's cross-validated F1 estimate at every fit.
    texts : list of str, optional
        Row texts (default ``"row i"``).

    Returns
    -------
    list of dict
        One per fit: ``round``, ``n_labelled``, ``phase``, the test scores of
        :func:`annal.al.metrics.evaluate_predictions`, ``estimate`` (or None), ``advice`` and
        each criterion's ``stop_<name>`` flag (as in :class:`annal.al.RoundRecord`).
    """
    n = len(X_pool)
    cfg = make_config(
        source="(simulated oracle)",
        model="(in memory)",
        strategy=strategy,
        strategy_params=strategy_params or {},
        init=init,
        classifier=classifier,
        initial=initial,
        batch=budget,
        retrain_every=budget,
        strategy_after=initial,
        seed=seed,
    )
    project = create_project(
        folder,
        ext_ids=[str(i) for i in range(n)],
        texts=texts if texts is not None else [f"row {i}" for i in range(n)],
        vectors=X_pool,
        labels=list(class_names),
        config=cfg,
        force=True,
    )
    store = project.store
    trainer = Trainer(project, estimate=estimate)
    answers = np.asarray(y_pool, dtype=np.int64)
    records = []
    for _ in range(rounds + 1):
        queue = store.queued()
        if not queue:
            break
        claimed = store.claim(ORACLE, len(queue))
        for item in claimed:
            store.label(item.id, class_names[answers[item.id]], who=ORACLE, client=ORACLE)
        info = trainer.step()
        last = store.last_round()
        scores = evaluate_predictions(
            np.asarray(y_test, dtype=np.int64), trainer.model.predict(X_test), len(class_names)
        )
        est = None
        if last["f1"] is not None:
            est = {"f1": last["f1"], "lo": last["f1_lo"], "hi": last["f1_hi"]}
        records.append(
            {
                "round": info["round"],
                "n_labelled": info["n_labelled"],
                "phase": info["phase"],
                **scores,
                "estimate": est,
                "advice": last["advice"],
                # The loop's record fields, so annal.al.stopping.stop_costs reads both.
                **{flag_field(a["name"]): a["stop"] for a in last["advice"]},
            }
        )
    store.close()
    return records
