"""load_dataset: formats, columns, sources, the drop pipeline and its report, bad input."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annal.data import CleanConfig, build_dataset, load_dataset
from annal.data.synthetic import TOPICS, demo_table
from annal.errors import AnnalError

ROWS = [
    ("The cat sat on the mat.", "animals"),
    ("Stocks fell sharply today!", "finance"),
    ("A dog barked at the cat", "animals"),
    ("Markets rallied after the news", "finance"),
    ("Bonds and stocks: a primer", "finance"),
    ("Birds migrate south in winter", "animals"),
]


def frame(rows=ROWS, text="text", label="label"):
    return pd.DataFrame(rows, columns=[text, label])


def write(df: pd.DataFrame, path):
    suffix = path.suffix
    if suffix == ".csv":
        df.to_csv(path, index=False)
    elif suffix == ".tsv":
        df.to_csv(path, index=False, sep="\t")
    elif suffix == ".jsonl":
        df.to_json(path, orient="records", lines=True)
    else:
        df.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_every_format_gives_the_same_dataset(tmp_path, suffix):
    ds = load_dataset(write(frame(), tmp_path / f"d{suffix}"))
    assert ds.name == "d" and len(ds) == 6 and ds.classes == ("animals", "finance")
    assert ds.ids.dtype == np.int64 and ds.ids.tolist() == list(range(6))
    assert ds.y.tolist() == [0, 1, 0, 1, 1, 0]
    assert ds.raw_texts[0] == "The cat sat on the mat."
    assert ds.texts[0] == "cat sat mat"
    assert ds.texts.dtype == object and ds.raw_texts.dtype == object


def test_several_text_columns_are_joined(tmp_path):
    df = pd.DataFrame(
        {
            "title": ["Alpha", "Beta", None, "Delta"],
            "body": ["one", None, "three", "four"],
            "y": ["a", "b", "a", "b"],
        }
    )
    path = write(df, tmp_path / "t.csv")
    ds = load_dataset(path, text_col=["title", "body"], label_col="y", clean=False)
    assert ds.raw_texts.tolist() == ["Alpha. one", "Beta", "three", "Delta. four"]
    same = load_dataset(path, text_col="title,body", label_col="y", clean=False)
    assert same.raw_texts.tolist() == ds.raw_texts.tolist()


def test_missing_column_names_existing_ones(tmp_path):
    path = write(frame(text="body"), tmp_path / "d.csv")
    with pytest.raises(AnnalError, match=r"no column 'text'; columns are: body, label"):
        load_dataset(path)


@pytest.mark.parametrize(
    ("name", "pattern"),
    [("nope.csv", "no such file"), ("data.xlsx", "unknown format")],
)
def test_bad_paths(tmp_path, name, pattern):
    (tmp_path / "data.xlsx").write_text("x")
    with pytest.raises(AnnalError, match=pattern):
        load_dataset(tmp_path / name)


def test_a_csv_is_parsed_from_its_bytes_not_a_decoded_copy(tmp_path):
    """Reading the 1M-row CSV (231 MB) peaked at 2.6 GB, the whole ``al run``'s peak: the file
    was decoded whole (4 bytes a character: its texts hold emoji) and pandas read that text
    through a StringIO. The parser now gets the bytes; the UTF-8 check decodes a block at a
    time."""
    import tracemalloc

    from annal.data.readers import read_table

    texts = [f"row {i} says " + "word " * 70 for i in range(20_000)]
    texts[0] += "\U0001f600"  # one emoji: a decoded copy of the file takes 4 bytes a character
    path = tmp_path / "big.csv"
    frame([(t, "a") for t in texts]).to_csv(path, index=False)
    size = path.stat().st_size  # 7.4 MB; the rows' own strings about as much
    read_table(path)
    tracemalloc.start()
    try:
        got = read_table(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got["text"].tolist() == texts
    assert peak < 6 * size, (peak, size)  # 10x before; the rows' strings and pandas' 4x


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_is_checked_across_block_edges(tmp_path, monkeypatch, bom):
    """A character split between two check blocks is fine; a bad byte past the first block is
    reported at its offset in the file; a BOM is skipped, but counted in that offset (the
    byte and offset named were 3 bytes early in a file with a BOM)."""
    import annal.data.readers as readers
    from annal.data.readers import read_table

    monkeypatch.setattr(readers, "_UTF8_CHECK_BYTES", 7)
    body = "text,label\n\u00e9t\u00e9 \U0001f600 ok,a\nna\u00efve caf\u00e9,b\n".encode()
    (tmp_path / "ok.csv").write_bytes(bom + body)
    got = read_table(tmp_path / "ok.csv")
    assert got["text"].tolist() == ["\u00e9t\u00e9 \U0001f600 ok", "na\u00efve caf\u00e9"]
    (tmp_path / "bad.csv").write_bytes(bom + body + b"late \xff byte,a\n")
    offset = len(bom + body) + 5
    with pytest.raises(AnnalError, match=rf"data row 2 \(line 4\): byte 0xff at offset {offset}"):
        read_table(tmp_path / "bad.csv")


def test_non_utf8_names_the_data_row(tmp_path):
    # Row 0 spans two lines, so the data row (2) differs from the line number (5).
    raw = b'text,label\n"multi\nline",a\nfine,b\nbad \xff byte,a\n'
    (tmp_path / "d.csv").write_bytes(raw)
    with pytest.raises(AnnalError, match=r"not UTF-8 at data row 2 \(line 5\)") as err:
        load_dataset(tmp_path / "d.csv")
    assert "\n" not in str(err.value)
    (tmp_path / "d.jsonl").write_bytes(
        b'{"text": "ok", "label": "a"}\n\n{"text": "\xfe", "label": "b"}\n'
    )
    with pytest.raises(AnnalError, match=r"data row 1 \(line 3\)"):
        load_dataset(tmp_path / "d.jsonl")


def test_bad_jsonl_line(tmp_path):
    (tmp_path / "d.jsonl").write_text('{"text": "a", "label": "x"}\n{oops\n')
    with pytest.raises(AnnalError, match="line 2 is not valid JSON"):
        load_dataset(tmp_path / "d.jsonl")


def test_dataset_folder_and_data_root(tmp_path, monkeypatch):
    folder = tmp_path / "root" / "mini"
    folder.mkdir(parents=True)
    write(frame(), folder / "data.csv")
    by_folder = load_dataset(folder)
    assert by_folder.name == "mini" and by_folder.folder == folder
    assert load_dataset("mini", data_root=tmp_path / "root").folder == folder
    monkeypatch.setenv("ANNAL_DATA_ROOT", str(tmp_path / "root"))
    assert len(load_dataset("mini")) == 6
    with pytest.raises(AnnalError, match="not found under .*available: mini"):
        load_dataset("other")
    monkeypatch.delenv("ANNAL_DATA_ROOT")
    with pytest.raises(AnnalError, match="no data root"):
        load_dataset("mini")


def test_demo_is_a_name():
    ds = load_dataset("demo", clean=False)
    assert ds.name == "demo" and ds.n_classes >= 10 and ds.folder is None


def test_demo_honours_label_sep():
    # "demo" used to drop label_sep (and dedupe) on the way to the generator.
    split = load_dataset("demo", label_sep="o")  # "sports" -> ("sp", "rts"): multi-label
    assert split.report.multi_label > 0
    assert "sports" not in split.classes
    assert load_dataset("demo", label_sep=None).report.multi_label == 0


def test_demo_honours_dedupe():
    # Keep only the topic nouns, so many demo texts clean to the same words.
    texts, _ = demo_table()
    nouns = {w for words in TOPICS.values() for w in words}
    others = {w.lower() for t in texts for w in re.findall(r"\w+", t)} - nouns
    clean = CleanConfig(stopword_list=frozenset(others))
    deduped = load_dataset("demo", clean=clean)
    assert deduped.report.duplicates + deduped.report.conflicting > 0
    kept_all = load_dataset("demo", clean=clean, dedupe=False)
    assert kept_all.report.duplicates == kept_all.report.conflicting == 0
    assert len(kept_all.ids) > len(deduped.ids)


def test_drop_pipeline_counts_everything_and_keeps_row_ids(tmp_path):
    rows = [
        ("Alpha beta", "x"),  # 0 kept
        (None, "x"),  # 1 missing text
        ("Gamma delta", None),  # 2 missing label
        ("Epsilon", "x|y"),  # 3 multi-label
        ("the of and!", "y"),  # 4 empty after cleaning
        ("ALPHA, beta", "x"),  # 5 duplicate of 0 after cleaning (same label)
        ("Zeta eta", "y"),  # 6 conflicting with 7
        ("zeta ETA", "x"),  # 7 conflicting with 6
        ("Theta iota", "y"),  # 8 kept
        ("Kappa", "y"),  # 9 kept
        ("Lambda mu", "lonely"),  # 10 rare class
        ("Nu xi", "x"),  # 11 kept
    ]
    path = write(frame(rows), tmp_path / "d.csv")
    with pytest.warns(UserWarning, match="fewer than 2 rows: lonely"):
        ds = load_dataset(path)
    r = ds.report
    assert (r.missing, r.multi_label, r.empty_after_clean) == (2, 1, 1)
    assert (r.duplicates, r.conflicting, r.rare_class, r.rare_classes) == (1, 2, 1, ("lonely",))
    assert r.rows_read == 12 and r.kept == len(ds) == 4 and r.dropped == 8
    assert ds.ids.tolist() == [0, 8, 9, 11]
    assert ds.classes == ("x", "y") and ds.y.tolist() == [0, 1, 1, 0]
    # Without cleaning, 5 and 7 differ from 0 and 6 in case: only cleaning-independent drops.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = load_dataset(path, clean=False)
    assert raw.report.duplicates == 0 and raw.report.conflicting == 0
    assert 4 in raw.ids and 5 in raw.ids


def test_policies_first_and_keep(tmp_path):
    rows = [("a1", "x|y"), ("a2", "x"), ("a3", "y"), ("a4", "['y', 'x']")]
    path = write(frame(rows), tmp_path / "d.csv")
    first = load_dataset(path, label_policy="first", clean=False)
    assert first.y.tolist() == [0, 0, 1, 1] and first.label_sets is None
    keep = load_dataset(path, label_policy="keep", clean=False)
    assert keep.label_sets == ((0, 1), (0,), (1,), (1, 0))
    assert keep.multi_hot().tolist() == [[1, 1], [1, 0], [0, 1], [1, 1]]
    single = load_dataset(path, clean=False, min_class_size=1)
    assert single.ids.tolist() == [1, 2] and single.report.multi_label == 2


@pytest.mark.parametrize(
    ("rows", "pattern"),
    [
        ([("the", "a"), ("and", "b")], "no rows left .*empty after clean: 2"),
        ([("apple", "a"), ("pear", "a")], "only one class"),
    ],
)
def test_empty_or_single_class_is_an_error(tmp_path, rows, pattern):
    with pytest.raises(AnnalError, match=pattern):
        load_dataset(write(frame(rows), tmp_path / "d.csv"))


def test_min_class_size_configurable(tmp_path):
    path = write(frame(), tmp_path / "d.csv")
    with pytest.warns(UserWarning, match="animals, finance"):
        with pytest.raises(AnnalError, match="no rows left"):
            load_dataset(path, min_class_size=4)


def test_subset_keeps_alignment(tmp_path):
    ds = load_dataset(write(frame(), tmp_path / "d.csv"))
    sub = ds.subset(np.array([4, 1]))
    assert sub.ids.tolist() == [4, 1] and sub.y.tolist() == [1, 1] and sub.classes == ds.classes
    assert sub.texts.tolist() == [ds.texts[4], ds.texts[1]]


WORDS = st.sampled_from(["alpha", "Beta", "the", "gamma!", "delta", "and", "EPS", "zeta"])
ROW = st.tuples(
    st.one_of(st.none(), st.lists(WORDS, max_size=3).map(" ".join)),
    st.one_of(st.none(), st.sampled_from(["a", "b", "c", "a|b", "['c']"])),
)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=1, max_size=30), st.booleans())
def test_pipeline_invariants(rows, clean):
    texts = [t for t, _ in rows]
    labels = [lab for _, lab in rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = build_dataset(texts, labels, name="h", clean=clean)
        except AnnalError as exc:
            assert "no rows left" in str(exc) or "only one class" in str(exc)
            return
    r = ds.report
    assert r.rows_read == len(rows) and r.kept == len(ds)
    assert sum(r.counts().values()) == r.rows_read - r.kept
    assert np.all(np.diff(ds.ids) > 0) and ds.ids.min() >= 0 and ds.ids.max() < len(rows)
    assert len(set(ds.texts.tolist())) == len(ds)  # deduplicated
    assert list(ds.classes) == sorted(ds.classes)
    counts = ds.class_counts()
    assert counts.min() >= 2 and counts.sum() == len(ds)
    for pos, row_id in enumerate(ds.ids):
        assert texts[row_id] == ds.raw_texts[pos]
        assert (
            labels[row_id] == ds.classes[ds.y[pos]]
            or labels[row_id] == f"['{ds.classes[ds.y[pos]]}']"
        )


def test_jsonl_list_labels(tmp_path):
    lines = [
        {"text": "one", "label": ["x"]},
        {"text": "two", "label": ["x", "y"]},
        {"text": "three", "label": "y"},
        {"text": "four", "label": "y"},
        {"text": "five", "label": ["x"]},
    ]
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines))
    ds = load_dataset(path, clean=False)
    assert ds.ids.tolist() == [0, 2, 3, 4] and ds.report.multi_label == 1


CELL = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n,\"\t;|'"),
        min_size=1,
        max_size=20,
    ).filter(lambda s: s.strip() == s and s),
    st.sampled_from(["NA", "null", "None", "nan", "N/A"]),  # text, not missing values
)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
@settings(
    deadline=None, max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(CELL, min_size=2, max_size=8, unique=True))
def test_texts_survive_every_format_exactly(tmp_path, suffix, texts):
    labels = ["a", "b"] * (len(texts) // 2) + ["a"] * (len(texts) % 2)
    path = write(pd.DataFrame({"text": texts, "label": labels}), tmp_path / f"p{suffix}")
    ds = load_dataset(path, clean=False, min_class_size=1)
    assert ds.raw_texts.tolist() == texts and ds.ids.tolist() == list(range(len(texts)))


def test_parquet_binary_text_is_decoded_and_bad_bytes_named(tmp_path):
    """Issue 10: a Parquet bytes column became texts starting with "b'"."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = [f"café number {i}".encode() for i in range(6)]
    good = pa.table({"text": pa.array(texts, pa.binary()), "label": ["a", "b"] * 3})
    pq.write_table(good, tmp_path / "good.parquet")
    ds = load_dataset(tmp_path / "good.parquet", clean=False)
    assert list(ds.texts) == [t.decode() for t in texts]
    bad = pa.table(
        {"text": pa.array(texts[:5] + [b"\xffoops"], pa.binary()), "label": ["a", "b"] * 3}
    )
    pq.write_table(bad, tmp_path / "bad.parquet")
    with pytest.raises(AnnalError, match=r"bad.parquet: column 'text', data row 5: .*not UTF-8"):
        load_dataset(tmp_path / "bad.parquet")
