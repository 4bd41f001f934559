"""The page in a real browser (Debian's Chromium via Playwright) against a real server process."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO_ROOT / "docs" / "label-page.png"
SAVED = "document.getElementById('save-state').dataset.pending === '0'"


def db_state(folder):
    with sqlite3.connect(folder / "project.db") as con:
        labels = dict(
            con.execute(
                "SELECT a.item, l.name FROM annotations a JOIN labels l ON l.id = a.label"
            ).fetchall()
        )
        hist = dict(
            con.execute(
                "SELECT l.name, COUNT(a.item) FROM labels l "
                "LEFT JOIN annotations a ON a.label = l.id GROUP BY l.id"
            ).fetchall()
        )
    return labels, hist


def page_state(page):
    rows = page.locator("#histogram tr")
    hist = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        hist[row.get_attribute("data-label")] = int(row.locator("td.count").inner_text())
    return int(page.inner_text("#n-labelled")), hist


def open_page(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    return page, errors


def shown_item(page) -> int:
    return int(page.get_attribute("#text", "data-item"))


def test_keyboard_labelling_undo_kill9_restart(make_server, project_dir, data, browser):
    srv = make_server(project_dir)
    page, errors = open_page(browser, srv.url)
    given: dict[int, str] = {}
    order = []
    for _ in range(30):
        item = shown_item(page)
        answer = data.gold[item]
        page.keyboard.press(str(data.labels.index(answer) + 1))
        page.wait_for_function(SAVED)
        page.wait_for_function(f"document.getElementById('text').dataset.item !== '{item}'")
        given[item] = answer
        order.append(item)
    page.keyboard.press("u")
    page.wait_for_function(SAVED)
    undone = order[-1]
    del given[undone]
    assert shown_item(page) == undone  # undo brings the row back

    labels, hist = db_state(project_dir)
    assert labels == given
    assert page_state(page) == (29, hist)

    srv.kill9()
    labels, hist = db_state(project_dir)
    assert labels == given  # every label was committed before its response
    make_server(project_dir, port=srv.port)
    page.reload()  # the same tab (same origin): it gets back the rows it held, undone one first
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    assert page_state(page) == (29, hist)
    assert shown_item(page) == undone
    assert not errors


def test_two_tabs_script_text_and_screenshot(tmp_path, data, new_project, make_server, browser):
    frame = pd.read_csv(data.csv)
    frame.loc[0, "text"] = "<script>window.__pwned = 1</script><b>not bold</b>"
    frame.to_csv(data.csv, index=False)
    folder = new_project(tmp_path / "proj2", data)
    srv = make_server(folder)
    one, errors_one = open_page(browser, srv.url)
    two, errors_two = open_page(browser, srv.url)
    batch_one = one.evaluate("state.batch.map((it) => it.id)")
    batch_two = two.evaluate("state.batch.map((it) => it.id)")
    assert len(batch_one) == len(batch_two) == 5
    assert not set(batch_one) & set(batch_two)

    one.fill("#search-input", "<script>")
    one.click("#search-form button")
    one.wait_for_selector("#results li[data-item='0']")
    assert "<script>window.__pwned = 1</script><b>not bold</b>" in one.inner_text("#results")
    assert one.evaluate("window.__pwned") is None
    assert one.locator("#results b").count() == 0

    for _ in range(12):  # enough labels for a model: its suggestion and estimate show
        item = shown_item(one)
        one.keyboard.press(str(data.labels.index(data.gold[item]) + 1))
        one.wait_for_function(SAVED)
        one.wait_for_function(f"document.getElementById('text').dataset.item !== '{item}'")
    one.wait_for_function(
        "document.getElementById('estimate').textContent.includes('95% interval')",
        timeout=90_000,
    )
    one.wait_for_selector(".label-button.suggested", timeout=30_000)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    one.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
    assert not errors_one and not errors_two
