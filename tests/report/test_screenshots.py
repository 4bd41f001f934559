"""The report in a real browser (headless Chromium): the first screen shows the Summary, every
figure loads and fits the page, and a screenshot of the first screen and of each figure type
is taken.

Screenshots go to a temporary folder; to refresh the ones in docs/ after the README tour::

    ANNAL_SCREENSHOT_RUN=runs/my ANNAL_SCREENSHOT_ANNBENCH=out/annbench ANNAL_SCREENSHOTS=docs \\
        .venv/bin/python -m pytest -q tests/report/test_screenshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from annal.report import make_report

CONFIG = {
    "name": "screens",
    "datasets": ["alpha"],
    "seeds": 3,
    "protocol": {"initial": 10, "budget": 10, "rounds": 4},
    "experiments": [
        {"name": "e1", "strategies": ["random", "margin", "distance"], "inits": ["random"]},
        {"name": "t1", "strategies": ["random", "distance"], "inits": ["random", "class-coverage"]},
    ],
}
#: Figure file-name prefix -> screenshot name, one per figure type.
FIGURE_TYPES = {
    "difference_to_baseline": "figure-difference",
    "curves_": "figure-learning-curves",
    "labels_": "figure-label-distribution",
    "coverage_": "figure-coverage",
    "time_per_round": "figure-time-per-round",
}


@pytest.fixture
def report_page(tmp_path, filled, browser):
    run = os.environ.get("ANNAL_SCREENSHOT_RUN")
    if run:
        html = make_report(run).html
    else:
        filled(tmp_path / "run", config=CONFIG)
        html = make_report(tmp_path / "run").html
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(Path(html).resolve().as_uri())
    page.wait_for_load_state("load")
    yield page
    page.close()


def _out(tmp_path) -> Path:
    out = Path(os.environ.get("ANNAL_SCREENSHOTS", tmp_path / "shots"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_first_screen_shows_the_summary_and_figures_fit(report_page, tmp_path):
    page = report_page
    out = _out(tmp_path)
    height = page.viewport_size["height"]
    summary = page.locator("h2", has_text="Summary")
    lead = page.locator("p.lead")
    table = page.locator("table").first
    assert summary.bounding_box()["y"] < height / 4
    assert lead.bounding_box()["y"] + lead.bounding_box()["height"] < height
    assert "has the largest F1 curve area" in lead.inner_text()
    assert table.bounding_box()["y"] < height  # the ranking starts on the first screen
    assert "★" in table.locator("tbody tr").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(out / "report-first-screen.png"))

    imgs = page.locator("figure img")
    n = imgs.count()
    assert n >= len(FIGURE_TYPES)
    taken = set()
    for i in range(n):
        img = imgs.nth(i)
        img.scroll_into_view_if_needed()
        assert img.evaluate("e => e.complete && e.naturalWidth > 0")
        assert img.bounding_box()["width"] <= page.viewport_size["width"]
        name = img.evaluate("e => e.closest('figure').dataset.name || ''")
        for prefix, shot in FIGURE_TYPES.items():
            if name.startswith(prefix) and shot not in taken:
                img.locator("xpath=..").screenshot(path=str(out / f"{shot}.png"))
                taken.add(shot)
    assert taken == set(FIGURE_TYPES.values())
    for shot in taken:
        assert (out / f"{shot}.png").stat().st_size > 5_000


def test_ann_bench_plots_render_in_the_browser(browser, tmp_path):
    """The three ANN-bench figures, drawn from a small real benchmark (or from
    $ANNAL_SCREENSHOT_ANNBENCH, an ann-bench --out folder), opened in the browser."""
    import numpy as np

    from annal.annbench import run_ann_bench, write_results
    from annal.annbench.output import PLOTS

    folder = os.environ.get("ANNAL_SCREENSHOT_ANNBENCH")
    if folder is None:
        rng = np.random.default_rng(0)
        vectors = rng.standard_normal((600, 16)).astype(np.float32)
        specs = ["exact", "faiss:flat?metric=cosine", "faiss:lsh?nbits=16", "faiss:hnsw?M=8"]
        result = run_ann_bench(
            vectors,
            specs,
            ks=[1, 5, 10, 20],
            n_queries=50,
            repeats=1,
            name="random",
            progress=False,
        )
        folder = tmp_path / "bench"
        write_results(result, folder)
    out = _out(tmp_path)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    for plot in PLOTS:
        page.goto((Path(folder) / plot).resolve().as_uri())
        img = page.locator("img")
        assert img.evaluate("e => e.complete && e.naturalWidth > 400")
        img.screenshot(path=str(out / f"figure-annbench-{plot.removesuffix('.png')}.png"))
    page.close()
