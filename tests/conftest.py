"""Shared fixtures: the real datasets in ../shared/datasets (skipped cleanly when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_datasets_root() -> Path | None:
    """The shared dataset root: $ANNAL_SHARED_DATASETS, else ../shared/datasets beside the repo."""
    env = os.environ.get("ANNAL_SHARED_DATASETS")
    root = Path(env) if env else REPO_ROOT.parent / "shared" / "datasets"
    return root if (root / "trec6" / "data.csv").is_file() else None


@pytest.fixture(scope="session")
def shared_root() -> Path:
    """Root folder of the shared datasets; skips the test when it is absent."""
    root = shared_datasets_root()
    if root is None:
        pytest.skip("../shared/datasets is not present")
    return root


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own embedding cache, never the user's ~/.cache/annal."""
    monkeypatch.setenv("ANNAL_CACHE_DIR", str(tmp_path_factory.mktemp("annal-cache")))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def check_user_error(output: str, *needles: str) -> str:
    """The one ``error:`` line of a CLI ``output`` (no traceback), which names every needle."""
    assert "Traceback" not in output, output
    errors = [ln for ln in output.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, output
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    return errors[0]


@pytest.fixture(scope="session")
def user_error():
    """``user_error(output, *needles)``: assert one ``error:`` line naming the needles."""
    return check_user_error
