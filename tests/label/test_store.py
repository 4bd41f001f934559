"""The project store on a real SQLite file: labels, undo, skip, tabs, label edits, versions."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annal.errors import AnnalError
from annal.label.store import SCHEMA_VERSION, ProjectStore

LABELS = ["a", "b", "c"]


def make_store(path, n=20, **kw) -> ProjectStore:
    return ProjectStore.create(
        path,
        ext_ids=[f"x{i}" for i in range(n)],
        texts=[f"text {i}" for i in range(n)],
        labels=LABELS,
        config={},
        **kw,
    )


def test_wal_mode_and_every_label_committed_before_return(tmp_path):
    store = make_store(tmp_path / "p.db")
    assert store.con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.label(3, "b", who="ann")
    # A separate connection (another process would do the same) sees it at once.
    other = sqlite3.connect(tmp_path / "p.db")
    assert other.execute("SELECT item, label FROM annotations").fetchall() == [(3, 2)]
    assert other.execute("SELECT who FROM annotations").fetchone()[0] == "ann"


def test_imported_labels_and_histogram(tmp_path):
    store = make_store(tmp_path / "p.db", initial=[(0, "a"), (5, "c"), (6, "c")])
    counts = store.counts()
    assert counts["histogram"] == {"a": 1, "b": 0, "c": 2}
    assert counts["n_labelled"] == 3 and counts["classes_covered"] == 2


def test_undo_restores_previous_label_and_skip(tmp_path):
    store = make_store(tmp_path / "p.db")
    store.label(1, "a", client="t1")
    store.label(1, "b", client="t1")
    store.skip(2, client="t1")
    assert store.undo(client="t1") == 2
    assert store.counts()["n_skipped"] == 0
    assert store.undo(client="t1") == 1
    assert store.annotations() == {1: "a"}
    assert store.undo(client="t1") == 1
    assert store.annotations() == {}
    assert store.undo(client="t1") is None


def test_two_tabs_never_get_the_same_row(tmp_path):
    store = make_store(tmp_path / "p.db", n=30)
    store.set_queue(list(range(10)), "init", -1)
    first = [i.id for i in store.claim("tab1", 6)]
    second = [i.id for i in store.claim("tab2", 6)]
    assert first == [0, 1, 2, 3, 4, 5]
    assert not set(first) & set(second)
    # tab2 gets the rest of the queue, then rows outside it; tab1 gets back what it holds.
    assert second[:4] == [6, 7, 8, 9]
    assert [i.id for i in store.claim("tab1", 0)] == first
    store.label(first[0], "a", client="tab1")
    assert first[0] not in [i.id for i in store.claim("tab1", 0)]


def test_lease_expires(tmp_path):
    store = make_store(tmp_path / "p.db", n=5)
    store.set_queue([0, 1], "init", -1)
    assert [i.id for i in store.claim("tab1", 2, now=1000.0)] == [0, 1]
    assert [i.id for i in store.claim("tab2", 2, now=1001.0)] == [2, 3]
    late = 1000.0 + 10_000
    assert {i.id for i in store.claim("tab3", 2, now=late)} == {0, 1}


def test_rename_and_merge_relabel_rows(tmp_path):
    store = make_store(tmp_path / "p.db")
    store.label(0, "a")
    store.label(1, "b")
    assert store.rename_label("a", "alpha") == ["alpha", "b", "c"]
    assert store.annotations() == {0: "alpha", 1: "b"}
    assert store.rename_label("b", "alpha") == ["alpha", "c"]
    assert store.annotations() == {0: "alpha", 1: "alpha"}
    assert store.add_label("d") == ["alpha", "c", "d"]
    with pytest.raises(AnnalError, match="already exists"):
        store.add_label("c")
    with pytest.raises(AnnalError, match="unknown label"):
        store.label(2, "zzz")


def test_other_schema_version_is_refused(tmp_path):
    store = make_store(tmp_path / "p.db")
    store.con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    store.close()
    with pytest.raises(
        AnnalError, match=f"schema version 99, this annal reads version {SCHEMA_VERSION}"
    ):
        ProjectStore(tmp_path / "p.db")


def test_search_is_a_substring_match(tmp_path):
    store = make_store(tmp_path / "p.db")
    assert [i.id for i in store.search("TEXT 1")] == [1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]


ops = st.lists(
    st.one_of(
        st.tuples(st.just("label"), st.integers(0, 7), st.sampled_from(LABELS)),
        st.tuples(st.just("skip"), st.integers(0, 7), st.none()),
        st.tuples(st.just("undo"), st.none(), st.none()),
    ),
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops)
def test_label_skip_undo_match_a_stack_model(tmp_path_factory, sequence):
    """Any sequence of labels, skips and undos leaves what a plain undo stack predicts."""
    store = make_store(tmp_path_factory.mktemp("p") / "p.db", n=8)
    labels: dict[int, str] = {}
    skipped: set[int] = set()
    stack: list[tuple[int, str | None, bool]] = []
    for op, item, name in sequence:
        if op == "undo":
            got = store.undo(client="c")
            if not stack:
                assert got is None
                continue
            row, prev, was_skipped = stack.pop()
            assert got == row
            if prev is None:
                labels.pop(row, None)
            else:
                labels[row] = prev
            (skipped.add if was_skipped else skipped.discard)(row)
            continue
        stack.append((item, labels.get(item), item in skipped))
        if op == "label":
            store.label(item, name, client="c")
            labels[item] = name
            skipped.discard(item)
        else:
            store.skip(item, client="c")
            skipped.add(item)
    assert store.annotations() == labels
    assert store.counts()["n_skipped"] == len(skipped)
    store.close()
