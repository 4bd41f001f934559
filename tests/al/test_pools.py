"""Candidate pools: Hypothesis properties (exact size, unique, unlabelled only, ids stable over
rounds, deterministic), SEALS against a brute-force reference over several rounds, AnchorAL's
scoring, any strategy inside any pool, saved indexes, resume, spec parsing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annal.al import STRATEGIES, ActiveLearningLoop, PoolState, make_strategy
from annal.al.pools import POOLS, make_pool, parse_pool_spec, pool_spec
from annal.errors import AnnalError

from .conftest import blobs


def _state(X, labelled, labels=None, ids=None):
    ids = np.arange(1000, 1000 + 7 * len(X), 7, dtype=np.int64) if ids is None else ids
    return PoolState(X, ids, labelled, n_classes=4, labels=labels)


def _unit(X):
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def brute_knn_unlabelled(X, rows, k, labelled):
    """Positions of the k nearest (cosine) unlabelled rows of each of ``rows``, by numpy."""
    U = _unit(X.astype(np.float64))
    out = set()
    for r in rows:
        sim = U @ U[r]
        sim[labelled] = -np.inf
        order = np.argsort(-sim, kind="stable")[:k]
        out.update(int(i) for i in order if np.isfinite(sim[i]))
    return out


POOL_SPECS = [
    "full",
    "random?size=15",
    "seals?k=3&index=exact",
    "seals?k=4&index=faiss:flat",
    "seals?k=3&index=faiss:hnsw?M=8",
    "seals?k=3&index=faiss:ivf?nlist=2&nprobe=2&storage=fp16",
    "anchoral?anchors=2&k=5&size=12&index=exact",
    "anchoral?anchors=3&k=4&size=30&index=hnswlib?M=8",
    "anchoral?anchors=2&k=6&size=20&index=faiss:hnsw?M=8&storage=sq8",
]

cases = st.fixed_dictionaries(
    {
        "n": st.integers(8, 80),
        "data_seed": st.integers(0, 10**6),
        "share": st.floats(0.05, 0.8),
        "budget": st.integers(1, 30),
        "seed": st.integers(0, 2**31 - 1),
        "rounds": st.integers(1, 3),
    }
)


@pytest.mark.parametrize("spec", POOL_SPECS)
@settings(deadline=None, max_examples=12)
@given(p=cases)
def test_pool_properties_over_rounds(spec, p, tmp_path_factory):
    """Every round: the candidates are unique unlabelled rows, named by dataset ids, at least
    min(budget, unlabelled) of them, the same for the same seed; random has exactly its size."""
    X, y = blobs(p["n"], 3, dim=6, seed=p["data_seed"])
    rng = np.random.default_rng(p["data_seed"])
    labelled = np.zeros(p["n"], dtype=bool)
    labelled[rng.choice(p["n"], max(1, int(p["share"] * p["n"])), replace=False)] = True
    root = str(tmp_path_factory.mktemp("idx"))
    pools = [make_pool(spec, **({"index_dir": root} if "index=" in spec else {})) for _ in "ab"]
    ids = np.arange(5000, 5000 + 3 * p["n"], 3, dtype=np.int64)
    for r in range(p["rounds"]):
        if labelled.all():
            break
        known = np.where(labelled, y, -1)
        state = PoolState(X, ids, labelled, n_classes=3, round=r, labels=known)
        subs = [pool.restrict(state, p["budget"], seed=p["seed"] + r) for pool in pools]
        (sub, stats), (sub2, _) = subs
        cand = sub.ids[~sub.labelled]
        assert np.array_equal(cand, sub2.ids[~sub2.labelled])  # deterministic
        assert len(np.unique(cand)) == len(cand) == stats.size
        assert set(cand) <= set(ids[~labelled].tolist())  # unlabelled dataset ids only
        assert set(sub.ids[sub.labelled]) == set(ids[labelled].tolist())
        u = int((~labelled).sum())
        assert stats.size >= min(p["budget"], u)
        if spec.startswith("random"):
            assert stats.size == max(min(15, u), min(p["budget"], u))
        if spec == "full":
            assert stats.size == u
        # The sub-state's rows are the pool's rows under the same ids.
        pos = np.searchsorted(ids, sub.ids)
        assert np.array_equal(sub.X, X[pos])
        picked = make_strategy("random").select(sub, p["budget"], seed=1)
        labelled[np.searchsorted(ids, picked)] = True


def test_seals_grows_incrementally_with_dataset_ids_over_rounds(tmp_path):
    """Pins the id mapping from round two on (small-text's SEALS loses it): the pool of every
    round equals the brute-force union of the k unlabelled neighbours of each row, searched
    in the round it was labelled, minus the rows labelled since."""
    X, y = blobs(300, 4, dim=10, seed=3)
    ids = np.arange(10_000, 10_000 + 300 * 13, 13, dtype=np.int64)[::-1].copy()  # not sorted
    labelled = np.zeros(300, dtype=bool)
    labelled[np.random.default_rng(0).choice(300, 10, replace=False)] = True
    pool = make_pool("seals?k=5&index=exact", index_dir=str(tmp_path))
    expected: set[int] = set()
    searched = np.zeros(300, dtype=bool)
    for r in range(5):
        new = np.flatnonzero(labelled & ~searched)
        expected |= brute_knn_unlabelled(X, new, 5, labelled)
        expected -= set(np.flatnonzero(labelled).tolist())
        searched |= labelled
        state = PoolState(X, ids, labelled, n_classes=4, round=r)
        sub, stats = pool.restrict(state, budget=7, seed=r)
        cand_ids = set(sub.ids[~sub.labelled].tolist())
        assert cand_ids == {int(ids[i]) for i in expected}, f"round {r}"
        assert stats.size == len(expected)
        picked = make_strategy("coreset").select(sub, 7, seed=r)
        assert set(picked.tolist()) <= cand_ids
        labelled[np.flatnonzero(np.isin(ids, picked))] = True
    assert r == 4 and stats.build_s == 0.0


def test_anchoral_scores_by_mean_similarity_to_the_anchors_that_found_them():
    X, y = blobs(400, 3, dim=8, seed=5)
    labelled = np.zeros(400, dtype=bool)
    labelled[:60] = True
    known = np.where(labelled, y, -1)
    pool = make_pool("anchoral?anchors=4&k=20&size=25&index=exact&save_index=false")
    state = _state(X, labelled, labels=known)
    rng = np.random.default_rng(11)
    cand = pool.candidates(state, rng)
    # Reference: the same anchors (same rng stream), brute-force neighbours and scores.
    from annal.al.pools.anchoral import class_anchors

    anchors = class_anchors(state, 4, np.random.default_rng(11))
    assert len(anchors) == 12 and set(known[anchors]) == {0, 1, 2}
    U = _unit(X.astype(np.float64))
    sims: dict[int, list[float]] = {}
    for a in anchors:
        s = U @ U[a]
        s[labelled] = -np.inf
        for i in np.argsort(-s)[:20]:
            sims.setdefault(int(i), []).append(float(s[i]))
    score = {i: np.mean(v) for i, v in sims.items()}
    best = sorted(score, key=lambda i: -score[i])[:25]
    assert len(cand) == 25
    assert set(cand.tolist()) == set(best)


def test_anchoral_size_is_min_of_m_and_what_the_anchors_found():
    X, y = blobs(500, 2, dim=8, seed=6)
    labelled = np.zeros(500, dtype=bool)
    labelled[:40] = True
    state = _state(X, labelled, labels=np.where(labelled, y, -1))
    big = make_pool("anchoral?anchors=2&k=10&size=10000&index=exact&save_index=false")
    found = big.candidates(state, np.random.default_rng(0))
    assert 10 <= len(found) <= 2 * 2 * 10  # classes x anchors x k at most
    small = make_pool("anchoral?anchors=2&k=10&size=7&index=exact&save_index=false")
    assert len(small.candidates(state, np.random.default_rng(0))) == 7
    with pytest.raises(AnnalError, match="labels of the labelled rows"):
        small.candidates(_state(X, labelled), np.random.default_rng(0))


@pytest.mark.parametrize("name", [n for n in STRATEGIES])
@pytest.mark.parametrize("pool", ["seals?k=8&index=faiss:flat", "anchoral?size=60&index=exact"])
def test_any_strategy_runs_inside_any_pool(name, pool, tmp_path):
    X, y = blobs(600, 3, dim=8, seed=1)
    params = {"strategies": "margin:1,distance:1"} if name == "combined" else {}
    loop = ActiveLearningLoop(
        make_strategy(name, **params),
        initial=30,
        budget=20,
        rounds=2,
        seed=4,
        pool=make_pool(pool, index_dir=str(tmp_path)),
    )
    ids = np.arange(600, dtype=np.int64) * 5 + 3
    records = loop.run(X[:500], y[:500], X[500:], y[500:], ids=ids[:500])
    chosen = [i for rec in records for i in rec.selected_ids]
    assert len(chosen) == len(set(chosen)) == 40
    assert set(chosen) <= set(ids[:500].tolist())
    assert all(0 < rec.pool_size < 470 for rec in records[:-1])
    assert records[-1].pool_size == 0


def test_pool_pads_with_random_rows_when_it_finds_fewer_than_the_budget(tmp_path):
    X, y = blobs(200, 2, dim=6, seed=2)
    labelled = np.zeros(200, dtype=bool)
    labelled[:3] = True
    pool = make_pool("seals?k=2&index=exact", index_dir=str(tmp_path))
    sub, stats = pool.restrict(_state(X, labelled), budget=50, seed=0)
    assert stats.size == 50 == int((~sub.labelled).sum())


def test_index_is_saved_once_and_reused_by_later_runs(tmp_path):
    X, y = blobs(2000, 3, dim=16, seed=8)
    spec = f"seals?k=10&index=faiss:hnsw?M=8&index_dir={tmp_path}"
    kwargs = {"initial": 20, "budget": 10, "rounds": 2, "seed": 0, "pool": spec}
    first = ActiveLearningLoop("margin", **kwargs).run(X[:1500], y[:1500], X[1500:], y[1500:])
    saved = list(tmp_path.iterdir())
    assert len(saved) == 1 and (saved[0] / "meta.json").is_file()
    pool = make_pool(spec)
    state = PoolState(X[:1500], np.arange(1500), np.arange(1500) < 20, n_classes=3)
    pool.restrict(state, 10)
    assert pool.pool_index().loaded
    second = ActiveLearningLoop("margin", **kwargs).run(X[:1500], y[:1500], X[1500:], y[1500:])
    assert [r.selected_ids for r in first] == [r.selected_ids for r in second]
    assert len(list(tmp_path.iterdir())) == 1


def test_resumed_seals_run_equals_an_uninterrupted_one(tmp_path):
    X, y = blobs(1200, 3, dim=12, seed=9)
    kw = {"initial": 20, "budget": 15, "rounds": 4, "seed": 2}
    pool = f"seals?k=6&index=exact&index_dir={tmp_path}"
    args = (X[:1000], y[:1000], X[1000:], y[1000:])
    whole = ActiveLearningLoop("coreset", pool=pool, **kw).run(*args)
    part = ActiveLearningLoop("coreset", pool=pool, **{**kw, "rounds": 2}).run(*args)[:2]
    resumed = ActiveLearningLoop("coreset", pool=pool, **kw).run(*args, resume=part)
    assert [r.selected_ids for r in resumed] == [r.selected_ids for r in whole]
    assert [r.pool_size for r in resumed] == [r.pool_size for r in whole]


def test_pool_specs_parse_typed_and_nested_index_parameters():
    assert parse_pool_spec("seals?k=100&index=faiss:hnsw?M=32") == (
        "seals",
        {"k": 100, "index": "faiss:hnsw?M=32"},
    )
    name, params = parse_pool_spec("seals?index=faiss:hnsw?M=32&efSearch=64&k=50")
    assert params == {"index": "faiss:hnsw?M=32&efSearch=64", "k": 50}
    assert parse_pool_spec("anchoral?save_index=false&index_dir=none")[1] == {
        "save_index": False,
        "index_dir": None,
    }
    for spec in ("random?size=5", "anchoral?anchors=3&index=faiss:ivf?nlist=4&nprobe=2"):
        assert pool_spec(make_pool(spec)) == spec
    assert set(POOLS) == {"full", "random", "seals", "anchoral"}
    for bad, msg in (
        ("seal", "unknown pool"),
        ("seals?kk=1", "valid: k, index"),
        ("seals?k=one", "must be an integer"),
        ("seals?index=faiss:hnsw?Mx=1", "unknown parameter 'Mx'"),
        ("random?size", "expected name=value"),
        ("seals?k=1&k=2", "given twice"),
        # Bounds are constructor annotations: refused when the pool is built, before a round.
        ("random?size=0", "parameter size='0' for pool 'random' must be >= 1"),
        ("seals?k=0&index=exact", "k='0' for pool 'seals'.* must be >= 1"),
        ("anchoral?anchors=0", "anchors='0' for pool 'anchoral'.* must be >= 1"),
        ("anchoral?size=-3", "size='-3' for pool 'anchoral'.* must be >= 1"),
        ("anchoral?index=faiss:ivf?nlist=0", "nlist='0' for faiss:ivf.* must be >= 1"),
    ):
        with pytest.raises(AnnalError, match=msg):
            make_pool(bad)
    with pytest.raises(AnnalError, match="size='0' for pool 'random'.* must be >= 1"):
        make_pool("random", size=0)


def test_large_float16_memmap_pool_is_read_in_place(tmp_path, monkeypatch):
    """A pool too large for a float32 copy stays a float16 memory map in the loop; the index is
    saved next to it and the run gives the same picks as the float32 pool would."""
    import annal.al.state as state_module

    X, y = blobs(900, 3, dim=16, seed=12)
    path = tmp_path / "pool.npy"
    np.save(path, X.astype(np.float16))
    mm = np.load(path, mmap_mode="r")
    seen = []
    monkeypatch.setattr(state_module, "LARGE_POOL_BYTES", 1000)
    original = state_module.PoolState.__init__

    def spy(self, X, *args, **kw):
        original(self, X, *args, **kw)
        seen.append(self.X)

    monkeypatch.setattr(state_module.PoolState, "__init__", spy)
    kw = {"initial": 20, "budget": 10, "rounds": 2, "seed": 1}
    pool = "seals?k=5&index=faiss:flat"
    got = ActiveLearningLoop("margin", pool=pool, **kw).run(mm[:800], y[:800], X[800:], y[800:])
    whole = [s for s in seen if len(s) == 800]
    assert whole and all(s.dtype == np.float16 and np.shares_memory(s, mm) for s in whole)
    got_mm = ActiveLearningLoop("margin", pool=pool, **kw).run(mm, y, X[800:], y[800:])
    assert (tmp_path / "pool.npy.indexes").is_dir()  # saved next to the embeddings
    monkeypatch.setattr(state_module, "LARGE_POOL_BYTES", 1 << 40)
    want = ActiveLearningLoop("margin", pool=pool, **kw).run(
        mm[:800].astype(np.float32), y[:800], X[800:], y[800:]
    )
    assert [r.selected_ids for r in got] == [r.selected_ids for r in want]
    assert len(got_mm) == 3


def test_a_large_float16_pool_hands_strategies_float16_candidates(tmp_path, monkeypatch):
    """Issue 14's 1M run held a float32 copy of SEALS's ~450k candidates (690 MB): the subset
    of a large float16 pool is now gathered in its own dtype, row for row the pool's rows."""
    import annal.al.state as state_module

    X, y = blobs(700, 3, dim=16, seed=4)
    path = tmp_path / "pool.npy"
    np.save(path, X.astype(np.float16))
    mm = np.load(path, mmap_mode="r")
    monkeypatch.setattr(state_module, "LARGE_POOL_BYTES", 1000)
    labelled = np.zeros(700, dtype=bool)
    labelled[::50] = True
    state = PoolState(mm, np.arange(700) * 3, labelled, n_classes=3)
    assert state.X.dtype == np.float16
    sub, stats = make_pool("seals?k=20&index=faiss:flat", index_dir=str(tmp_path)).restrict(
        state, budget=10, seed=0
    )
    pos = np.searchsorted(state.ids, sub.ids)
    assert sub.X.dtype == np.float16 and np.array_equal(sub.X, mm[pos])
    assert stats.size > 10 and not np.shares_memory(sub.X, mm)
