"""Shared fixtures: the real datasets in ../shared/datasets (skipped cleanly when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from annal.data import shared_datasets_root as shared_root_of_annal

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_datasets_root() -> Path | None:
    """The shared dataset root (:func:`annal.data.shared_datasets_root`) when it holds trec6."""
    root = shared_root_of_annal()
    return root if root is not None and (root / "trec6" / "data.csv").is_file() else None


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


def overlapping_tick_labels(fig) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty tick labels of one axis of ``fig`` whose rendered boxes
    overlap (matplotlib reports each label's extent once the figure is drawn)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    clashes = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for axis in (ax.xaxis, ax.yaxis):
            labels = [
                t
                for t in axis.get_ticklabels(which="both")
                if t.get_visible() and t.get_text().strip()
            ]
            boxes = [t.get_window_extent(renderer) for t in labels]
            for i in range(len(boxes)):
                for j in range(i + 1, len(boxes)):
                    a, b = boxes[i], boxes[j]
                    # a strict overlap of areas; touching edges are fine
                    if (
                        a.x0 < b.x1 - 0.5
                        and b.x0 < a.x1 - 0.5
                        and a.y0 < b.y1 - 0.5
                        and b.y0 < a.y1 - 0.5
                    ):
                        clashes.append((labels[i].get_text(), labels[j].get_text()))
    return clashes


@pytest.fixture
def tick_overlaps():
    """:func:`overlapping_tick_labels`, for figure tests."""
    return overlapping_tick_labels


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's /usr/bin/chromium, or $ANNAL_CHROMIUM) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("ANNAL_CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).is_file():
        pytest.fail(f"{executable} missing: 'make test' installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield b
        b.close()
