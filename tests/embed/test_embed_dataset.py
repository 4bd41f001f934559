"""embed_dataset: precomputed folder files (rows by ids), .npy paths, encoders, bad files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from annal.data import load_dataset
from annal.embed import embed_dataset, load_embeddings
from annal.errors import AnnalError


@pytest.fixture
def folder(tmp_path):
    """A dataset folder whose rows 1 and 4 are dropped on load; minilm.npy holds row numbers."""
    folder = tmp_path / "ds"
    folder.mkdir()
    pd.DataFrame(
        {
            "text": ["red apple", None, "green pear", "blue sky", "red apple", "grey cloud"],
            "label": ["fruit", "fruit", "fruit", "sky", "fruit", "sky"],
        }
    ).to_csv(folder / "data.csv", index=False)
    vectors = np.repeat(np.arange(6, dtype=np.float16)[:, None], 3, axis=1)  # row i = (i, i, i)
    np.save(folder / "minilm.npy", vectors)
    np.save(folder / "other.npy", -vectors.astype(np.float32))
    return folder


def test_default_uses_the_folder_file_by_ids(folder):
    ds = load_dataset(folder)
    assert ds.ids.tolist() == [0, 2, 3, 5]
    X = embed_dataset(ds)
    assert X.dtype == np.float32 and X[:, 0].tolist() == [0, 2, 3, 5]
    assert embed_dataset(ds, "other.npy")[:, 0].tolist() == [0, -2, -3, -5]
    assert embed_dataset(ds, str(folder / "other.npy"))[:, 1].tolist() == [0, -2, -3, -5]


def test_encoder_spec_and_no_folder_file(folder):
    (folder / "minilm.npy").unlink()
    ds = load_dataset(folder)
    X = embed_dataset(ds, "tfidf?dim=2")
    assert X.shape == (4, 2)


@pytest.mark.parametrize(
    ("array", "pattern"),
    [
        (np.zeros((5, 3), np.float16), "5 embedding rows, but the data has 6 rows"),
        (np.zeros(6, np.float32), "2-D"),
        (np.full((6, 2), np.nan, np.float32), "NaN/inf"),
    ],
)
def test_bad_precomputed_files(folder, array, pattern):
    np.save(folder / "minilm.npy", array)
    with pytest.raises(AnnalError, match=pattern):
        embed_dataset(load_dataset(folder))


def test_pickled_or_missing_files_are_refused(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(AnnalError, match="not a readable"):
        load_embeddings(tmp_path / "obj.npy")
    with pytest.raises(AnnalError, match="no such embeddings file"):
        load_embeddings(tmp_path / "none.npy")
    np.save(tmp_path / "ok.npy", np.ones((3, 2), np.float16))
    with pytest.raises(AnnalError, match="out of range"):
        load_embeddings(tmp_path / "ok.npy", rows=np.array([0, 3]))
    with pytest.raises(AnnalError, match="dimension 2, expected 384"):
        load_embeddings(tmp_path / "ok.npy", dim=384)
    assert load_embeddings(tmp_path / "ok.npy", rows=np.array([2, 0]), dim=2).shape == (2, 2)


@pytest.mark.parametrize("bad_row", [3, 5])
def test_a_nan_row_is_named_by_its_file_row(folder, bad_row):
    """Issue 10: the NaN row was named by its position among the kept rows (rows 1 and 4 are
    dropped here, so file row 3 was called row 2 and file row 5 row 3)."""
    vectors = np.ones((6, 3), np.float32)
    vectors[bad_row, 1] = np.nan
    np.save(folder / "minilm.npy", vectors)
    with pytest.raises(
        AnnalError, match=rf"1 embedding rows hold NaN/inf, first at row {bad_row}$"
    ):
        embed_dataset(load_dataset(folder))
