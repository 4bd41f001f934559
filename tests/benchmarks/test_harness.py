"""Smoke and correctness tests of the issue-6 benchmark harness, at tiny sizes.

The peers are only exercised when installed (the ``bench`` extra); the rest runs everywhere.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import end_to_end  # noqa: E402
import run_all  # noqa: E402
import scale  # noqa: E402
import selection  # noqa: E402
from peers import PEERS, Peer, fixed_proba, unlabelled_positions  # noqa: E402

PEERS_INSTALLED = all(
    importlib.util.find_spec(m) is not None for m in ("small_text", "skactiveml", "modAL")
)
needs_peers = pytest.mark.skipif(not PEERS_INSTALLED, reason="bench extra not installed")


def _pool(n=400, d=16, classes=5, seed=0) -> selection.Pool:
    X, y = selection.synthetic_rows(n, d=d, n_classes=classes, seed=seed)
    return selection.Pool(X, y, "test")


def _annal_select(name, pool, labelled, batch, proba=None, **params):
    from annal.al import make_strategy

    state = selection.annal_state(pool, labelled, proba)
    return make_strategy(name, **params).select(state, batch, 0)


# --------------------------------------------------------------------------- peers


@needs_peers
def test_every_peer_returns_a_valid_batch():
    pool = _pool()
    labelled = np.arange(0, 400, 20, dtype=np.int64)
    proba = selection.centroid_proba(pool, labelled)
    for peer in PEERS:
        assert peer.available()[0], peer.label
        sel = peer.prepare(pool.X, labelled, 15, proba=proba, seed=0)()
        assert sel.dtype.kind == "i"
        assert len(sel) == 15 and len(np.unique(sel)) == 15, peer.label
        assert not np.isin(sel, labelled).any(), peer.label
        assert ((sel >= 0) & (sel < 400)).all(), peer.label


@needs_peers
def test_margin_peers_pick_what_annal_margin_picks():
    """Same fitted model for all: every margin implementation must choose the same rows."""
    pool = _pool(seed=1)
    labelled = np.arange(3, 400, 13, dtype=np.int64)
    proba = selection.centroid_proba(pool, labelled, temperature=3.0)
    ours = set(_annal_select("margin", pool, labelled, 25, proba).tolist())
    for peer in (p for p in PEERS if p.strategy == "margin"):
        theirs = set(peer.prepare(pool.X, labelled, 25, proba=proba, seed=0)().tolist())
        assert theirs == ours, peer.label


@needs_peers
def test_coreset_peers_pick_what_annal_coreset_picks():
    """k-center greedy is deterministic: on unit rows euclidean and cosine order alike."""
    pool = _pool(n=300, seed=2)
    labelled = np.arange(0, 300, 30, dtype=np.int64)
    ours = set(_annal_select("coreset", pool, labelled, 20).tolist())
    for peer in (p for p in PEERS if p.strategy == "coreset"):
        theirs = set(peer.prepare(pool.X, labelled, 20, seed=0)().tolist())
        assert theirs == ours, peer.label


def test_fixed_proba_answers_pool_or_unlabelled_rows():
    proba = np.random.default_rng(0).dirichlet(np.ones(3), 10).astype(np.float32)
    unl = unlabelled_positions(10, np.array([2, 5]))
    model = fixed_proba(proba, unl)
    assert np.array_equal(model.predict_proba(np.zeros((10, 4))), proba)
    assert np.array_equal(model.predict_proba(np.zeros((8, 4))), proba[unl])
    with pytest.raises(ValueError):
        model.predict_proba(np.zeros((7, 4)))


# --------------------------------------------------------------------------- timing rules


def _sleepy_peer(per_pick: float, truncation="recompute", min_flops=lambda n, m, d, b: 0.0):
    def prepare(X, labelled, batch, *, proba=None, seed=0):
        def run():
            time.sleep(per_pick * batch)
            return np.arange(batch) + 1000  # never a labelled row

        return run

    return Peer("fake", "coreset", "Sleepy()", "math", prepare, truncation, min_flops=min_flops)


class _FakeClock:
    """A clock that moves only when a fake peer "works", with the harness's time limit on it:
    the timing rules are checked without wall-clock bounds (a loaded machine oversleeps)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.deadline = math.inf

    def perf_counter(self) -> float:
        return self.now

    @contextmanager
    def time_limit(self, seconds: float):
        self.deadline = self.now + seconds
        try:
            yield
        finally:
            self.deadline = math.inf

    def spend(self, seconds: float) -> None:
        if self.now + seconds > self.deadline:  # the alarm goes off at the deadline
            self.now = self.deadline
            raise selection.PeerTimeout
        self.now += seconds


def test_slow_greedy_peer_is_stopped_and_gets_a_linear_lower_bound(monkeypatch):
    clock = _FakeClock()
    monkeypatch.setattr(selection, "time", clock)  # the harness's perf_counter
    monkeypatch.setattr(selection, "time_limit", clock.time_limit)

    def prepare(X, labelled, batch, *, proba=None, seed=0):
        def run():
            clock.spend(0.002 * batch)  # a greedy peer: 2 ms a pick
            return np.arange(batch) + 1000

        return run

    peer = Peer("fake", "coreset", "Sleepy()", "math", prepare, "recompute")
    X = np.zeros((50, 4), dtype=np.float32)
    seconds, measure, _, note = selection.time_peer(peer, X, np.arange(5), 200, None, 0, 0.06, 1e3)
    # the full call (0.4 s) was cut at the cap; then 1 pick and 14 picks were timed
    assert clock.now == pytest.approx(0.06 + 0.002 + 0.028) and clock.now < 0.3
    assert measure == "lower-bound" and "straight line" in note and "14 picks" in note
    assert 0.3 <= seconds <= 0.45  # the full call would take 0.4 s: the line through
    assert seconds == pytest.approx(0.4)  # (1, 0.002 s) and (14, 0.028 s) reaches it at 200


def test_incremental_peer_is_extended_from_many_picks(monkeypatch):
    clock = _FakeClock()  # no wall-clock bounds (flaky under load): see _FakeClock
    monkeypatch.setattr(selection, "time", clock)
    monkeypatch.setattr(selection, "time_limit", clock.time_limit)

    def prepare(X, labelled, batch, *, proba=None, seed=0):
        def run():
            clock.spend(0.02 + 0.001 * batch)  # a setup, then a constant cost per pick
            return np.arange(batch) + 1000

        return run

    peer = Peer("fake", "coreset", "Inc()", "math", prepare, "incremental")
    X = np.zeros((50, 4), dtype=np.float32)
    seconds, measure, _, note = selection.time_peer(peer, X, np.arange(5), 500, None, 0, 0.2, 1e3)
    assert measure == "lower-bound" and "40 picks" in note and "straight line" in note
    assert 0.4 <= seconds <= 0.6  # the full call would take 0.52 s
    assert seconds == pytest.approx(0.52)


def test_slow_non_greedy_peer_is_stopped_at_the_cap():
    X = np.zeros((50, 4), dtype=np.float32)
    peer = _sleepy_peer(0.01, truncation="none")
    t0 = time.perf_counter()
    seconds, measure, _, note = selection.time_peer(peer, X, np.arange(5), 100, None, 0, 0.05, 1e3)
    assert time.perf_counter() - t0 < 0.5
    assert measure == "lower-bound" and seconds == pytest.approx(0.05)
    assert "did not finish" in note


def test_cheap_peer_is_timed_best_of_3():
    X = np.zeros((50, 4), dtype=np.float32)
    peer = _sleepy_peer(0.0001)
    seconds, measure, repeats, _ = selection.time_peer(peer, X, np.arange(5), 10, None, 0, 5.0, 1e3)
    assert (measure, repeats) == ("best-of-3", 3)
    assert 0.0009 <= seconds < 0.05


def test_peer_whose_flops_floor_exceeds_the_cap_is_not_run():
    def prepare(*args, **kwargs):
        raise AssertionError("must not be prepared")

    peer = Peer(
        "fake", "cluster", "Huge()", "math", prepare, "none", min_flops=lambda n, m, d, b: 1e12
    )
    X = np.zeros((50, 4), dtype=np.float32)
    seconds, measure, repeats, note = selection.time_peer(
        peer, X, np.arange(5), 10, None, 0, 1.0, 1.0
    )
    assert measure == "lower-bound" and repeats == 0 and "FLOPs floor" in note
    assert seconds == pytest.approx(1e12 / 1e9)


# --------------------------------------------------------------------------- pools


def test_synthetic_pool_is_unit_rows_and_deterministic():
    a = selection.make_pool(500, seed=3, root=None)
    b = selection.make_pool(500, seed=3, root=None)
    assert a.X.shape == (500, 384) and a.X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a.X, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)


@pytest.mark.shared
def test_real_pool_uses_real_rows_then_jittered_copies(shared_root, monkeypatch):
    monkeypatch.setenv("ANNAL_SHARED_DATASETS", str(shared_root))
    X_real, _ = selection.load_real_rows(shared_root)
    small = selection.make_pool(1000, seed=0, root=shared_root)
    assert "real MiniLM rows" in small.source
    # Every row of a small pool is one of the real rows.
    sims = small.X[:50] @ X_real.T
    assert np.allclose(sims.max(axis=1), 1.0, atol=1e-5)
    big = selection.make_pool(len(X_real) + 500, seed=0, root=shared_root)
    assert big.X.shape == (len(X_real) + 500, 384) and "jittered" in big.source
    copies = big.X[len(X_real) :]
    nearest = (copies[:50] @ X_real.T).max(axis=1)
    assert (nearest < 1 - 1e-4).all() and (nearest > 0.95).all()


# --------------------------------------------------------------------------- the grid + report


def test_run_selection_writes_the_contract_columns(tmp_path):
    pool = _pool(n=2000, d=32, classes=8)
    peers = PEERS if PEERS_INSTALLED else ()
    rows = selection.run_selection(pool, [100], batch=40, run_id="t", peer_cap_s=2.0, peers=peers)
    impls = {r.implementation for r in rows}
    assert {"annal", "matmul-bound"} <= impls
    if PEERS_INSTALLED:
        assert {"small-text", "scikit-activeml", "modAL"} <= impls
        assert all(math.isfinite(r.seconds) for r in rows), [
            r for r in rows if r.measure == "error"
        ]
    annal = [r for r in rows if r.implementation == "annal"]
    assert {(r.strategy, r.variant) for r in annal} == {
        (s, v) for s, v, _ in selection.ANNAL_STRATEGIES
    }
    bounds = [r for r in rows if r.implementation == "matmul-bound"]
    assert {r.strategy for r in bounds} == set(selection.GEOMETRY)
    assert all(r.flops > 0 for r in bounds)

    path = tmp_path / "selection.csv"
    selection.append_rows(rows, path)
    selection.append_rows(rows[:2], path)
    with path.open() as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == len(rows) + 2
    for col in ("strategy", "implementation", "pool_size", "n_labelled", "dim", "seconds"):
        assert col in table[0]
    assert table[0]["pool_size"] == "2000" and table[0]["dim"] == "32"

    e2e = [
        end_to_end.E2EResult("t", "sgd", 768, 2000, 2, 140, 0.5, 3.0, 2.0, 0.3, 0.2, 0.4, 0.1),
        end_to_end.E2EResult("t", "lda", 768, 2000, 2, 140, 0.51, 1.0, 0.5, 0.1, 0.2, 0.1, 0.1),
    ]
    screens = {768: [end_to_end.Screen("sgd", 0.2, 0.5), end_to_end.Screen("lda", 0.05, 0.51)]}
    report = tmp_path / "BENCHMARKS.md"
    kept = "<!-- label-latency:start -->\n## Labelling latency\n\n| a |\n<!-- label-latency:end -->"
    report.write_text(f"# old\n\nold text\n\n{kept}\n")
    notes = tmp_path / "NOTES.md"
    notes.write_text("## Analysis\n\nhand-written")
    facts = selection.machine_facts() | {
        "load_start": "1",
        "load_end": "1",
        "run_id": "t",
        "wall_s": 60.0,
    }
    run_all.write_report(
        report,
        facts=facts,
        selection=rows,
        selection_sources={2000: "test"},
        e2e=e2e,
        e2e_screens=screens,
        e2e_sources={768: "test"},
        scale=[r for r in rows if r.implementation == "annal"],
        scale_sources={2000: "test"},
        notes_path=notes,
    )
    text = report.read_text()
    assert "## 1. Selection time per round" in text and "hand-written" in text
    assert "| coreset | " in text and "matmul of that size" in text
    assert "end to end at 25k × 768 with sgd: 3.0 s" in text
    assert kept in text and "old text" not in text  # other scripts' sections survive a rewrite


# --------------------------------------------------------------------------- end to end, scale


def test_double_dim_keeps_every_cosine():
    X, _ = selection.synthetic_rows(50, d=24, seed=0)
    Z = end_to_end.double_dim(X, seed=1)
    assert Z.shape == (50, 48) and Z.dtype == np.float32
    np.testing.assert_allclose(Z @ Z.T, X @ X.T, atol=1e-5)


def test_run_protocol_splits_the_time_of_a_tiny_run():
    X, y = selection.synthetic_rows(900, d=16, n_classes=4, seed=0)
    data = end_to_end.E2EData(X[:700], y[:700], X[700:], y[700:], 4, "test")
    start = end_to_end.initial_ids(data, seed=0, initial=40)
    res, records = end_to_end.run_protocol(
        data, "sgd", "sgd", initial_ids=start, initial=40, budget=30, rounds=2, seed=0
    )
    assert len(records) == 3 and res.final_n_labelled == 100
    assert res.predict_s > 0 and res.select_s >= 0 and res.fit_s > 0
    parts = res.fit_s + res.predict_s + res.select_s + res.evaluate_s + res.other_s
    assert parts == pytest.approx(res.total_s)
    assert res.final_f1_macro > 0.5  # four well-separated blobs


def test_pick_fast_takes_the_cheapest_round_within_one_point():
    S = end_to_end.Screen
    screens = [
        S("sgd", 2.0, 0.80, 0.1),
        S("a", 0.1, 0.792, 0.1),
        S("b", 0.05, 0.70, 0.1),
        S("c", 0.5, 0.82, 0.1),
        S("slow-proba", 0.01, 0.80, 3.0),  # cheapest fit, dearest round
    ]
    assert end_to_end.pick_fast(screens, 0.80).name == "a"
    assert end_to_end.pick_fast(screens, 0.90).name == "b"  # none qualifies: cheapest overall


def test_loglog_slope_recovers_the_exponent():
    sizes = [10_000, 25_000, 100_000, 400_000]
    assert scale.loglog_slope(sizes, [3e-6 * n**0.8 for n in sizes]) == pytest.approx(0.8)


def test_tournament_verdict_against_the_goal():
    from tournament import verdict

    assert verdict(float("nan"), float("nan")) == "baseline"
    assert verdict(0.018, 0.014) == "meets the goal"
    assert verdict(0.006, 0.004).startswith("better than margin, 0.0040 short")
    assert verdict(0.013, 0.014).startswith("+0.01 reached, but the interval reaches -0.001")
    assert verdict(0.008, 0.011).startswith("not separated from margin")
    assert verdict(-0.02, 0.01) == "below margin by 0.020"
