"""What the loop holds in memory (issue 14: a 1M-row CLI run peaked at 7.7 GiB, target 4).

Peaks are measured with :mod:`tracemalloc` (numpy reports its buffers to it), on pools small
enough to run in a second, sized so that the copy a test rules out would dominate the peak.
Only allocations made during the measured call count, so the inputs are made beforehand.
"""

from __future__ import annotations

import sys
import tracemalloc

import numpy as np
import pytest

import annal.al.models as models_module
import annal.al.state as state_module
from annal.al import ActiveLearningLoop
from annal.al.models import LabelledModel, make_classifier

from .conftest import blobs


def traced_peak(fn, *args, **kw) -> int:
    """Bytes allocated at the peak of ``fn(*args, **kw)`` above what was allocated before."""
    fn(*args, **kw)  # once untraced: lazy imports and caches are not the call's memory
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn(*args, **kw)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_a_rounds_candidates_are_freed_before_the_next_round():
    """The 1M SEALS run kept one round's candidate state (its float16 rows and probabilities,
    ~500 MB) alive through the next round's fit, evaluation and pool search, so two rounds'
    copies met at the peak. One round's candidate rows at a time now."""
    X, y = blobs(24_000, 4, dim=128, seed=3)
    loop = ActiveLearningLoop(
        "margin", pool="random?size=16000", initial=40, budget=20, rounds=3, stopping=()
    )
    sub_bytes = (16_000 + 100) * 128 * 4  # one round's candidates plus labelled rows, float32
    peak = traced_peak(loop.run, X[:20_000], y[:20_000], X[20_000:], y[20_000:])
    assert peak < 2 * sub_bytes, (peak, sub_bytes)  # was 4.6x, growing with the rounds


def test_the_test_set_is_predicted_in_blocks_in_its_own_dtype(monkeypatch):
    """The 1M run made a float32 copy of its 197k float16 test rows (303 MB) and their whole
    (n, n_classes) probability table every round: the test rows are now predicted a block at
    a time, so the evaluation's peak is a block's, whatever the test set's size."""
    monkeypatch.setattr(state_module, "LARGE_POOL_BYTES", 1000)
    monkeypatch.setattr(models_module, "PREDICT_BLOCK", 1024, raising=False)  # small blocks
    X, y = blobs(101_000, 40, dim=64, seed=5)
    X16 = X.astype(np.float16)
    loop = ActiveLearningLoop("margin", initial=200, budget=20, rounds=1, stopping=())
    peak = traced_peak(loop.run, X16[:1000], y[:1000], X16[1000:], y[1000:])
    test_f16 = X16[1000:].nbytes  # 12.8 MB; a float32 copy is twice that, the table 16 MB
    assert peak < 0.6 * test_f16, (peak, test_f16)


@pytest.mark.parametrize("all_classes", [True, False])
def test_labelled_model_predict_is_blockwise_and_exact(all_classes, monkeypatch):
    """``predict`` gives the argmax of ``predict_proba`` row for row, without the (n, c) table."""
    monkeypatch.setattr(models_module, "PREDICT_BLOCK", 1000, raising=False)
    X, y = blobs(30_000, 30, dim=32, seed=8)
    train = np.flatnonzero(y < (30 if all_classes else 20))[:600]
    model = LabelledModel(make_classifier("sgd", 0), 30).fit(X[train], y[train])
    want = model.predict_proba(X).argmax(axis=1)
    assert np.array_equal(model.predict(X), want)
    assert np.array_equal(
        model.predict(X.astype(np.float16)), model.predict(X.astype(np.float16).astype(np.float32))
    )
    peak = traced_peak(model.predict, X)
    assert peak < 0.5 * len(X) * 30 * 4, peak  # the (n, c) float32 table is 3.6 MB


def test_a_pool_state_is_freed_without_the_cycle_collector():
    """A state that referred to itself (its shared probability cache named it as the root) was
    freed only when the cycle collector ran, which large numpy arrays do not prompt: the 1M
    run piled up rounds of candidate rows that way. A state and the states made from it by
    ``without`` and ``subset`` now go as soon as nothing uses them."""
    import gc
    import weakref

    X, y = blobs(3000, 5, dim=16, seed=2)
    labelled = np.zeros(3000, dtype=bool)
    labelled[::10] = True
    model = LabelledModel(make_classifier("sgd", 0), 5).fit(X[labelled], y[labelled])
    gc.disable()
    try:
        state = state_module.PoolState(X, np.arange(3000), labelled, model=model, n_classes=5)
        child = state.without([1, 2])
        want = state.proba()[2:]
        assert np.array_equal(child.proba(), want)  # the cache is still shared
        sub = state.subset(np.arange(0, 3000, 2))
        sub.proba()
        refs = [weakref.ref(s) for s in (state, child, sub)]
        del state, child, sub
        assert [r() for r in refs] == [None, None, None]
    finally:
        gc.enable()


def test_al_run_frees_the_texts_and_the_whole_embeddings_before_the_loop(tmp_path, monkeypatch):
    """``annal al run`` on the 1M folder held the million texts and a float16 copy of every
    row's embedding (the loader dropped duplicates, so the file's rows were gathered whole)
    through all its rounds, on top of the pool's and the test set's copies: only those two
    remain when the loop starts."""
    import pandas as pd
    from typer.testing import CliRunner

    from annal.cli import app

    rng = np.random.default_rng(0)
    n, d = 4000, 64
    words = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"])
    texts = [" ".join(rng.choice(words, 120)) + f" {i}" for i in range(n)]
    texts[-1] = texts[0]  # a duplicate: the loader drops a row, as it did at 1M
    labels = [f"c{i % 4}" for i in range(n)]
    pd.DataFrame({"text": texts, "label": labels}).to_csv(tmp_path / "data.csv", index=False)
    X, _ = blobs(n, 4, dim=d, seed=1)
    np.save(tmp_path / "minilm.npy", X.astype(np.float16))
    held = []
    run = ActiveLearningLoop.run

    def spy(self, X_pool, *args, **kw):
        if tracemalloc.is_tracing():
            held.append(tracemalloc.get_traced_memory()[0])
        return run(self, X_pool, *args, **kw)

    monkeypatch.setattr(ActiveLearningLoop, "run", spy)
    args = ["al", "run", str(tmp_path), "--strategy", "margin", "--rounds", "1"]
    args += ["--budget", "10", "--initial", "20", "--stop-set-size", "10"]
    for _ in range(2):  # the first run imports what the command needs
        tracemalloc.start()
        try:
            result = CliRunner().invoke(app, args)
        finally:
            tracemalloc.stop()
        assert result.exit_code == 0, result.output
    embeddings = (n - 1) * d * 2  # pool and test rows, float16: 512 KB
    text_bytes = 2 * sum(sys.getsizeof(t) for t in texts)  # raw and cleaned: 5.8 MB
    assert held[-1] < embeddings + 0.25 * text_bytes, (held, embeddings, text_bytes)
