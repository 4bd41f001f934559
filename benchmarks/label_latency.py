"""Labelling latency at 100k rows: page load, next item, label write (p50/p95), real server.

Builds a project of ``--rows`` texts (trec6 texts repeated with a row number, random unit
vectors: the page's speed does not depend on what the vectors mean), starts ``annal label
serve`` as a subprocess and talks to it over HTTP like the page does, while the background
trainer refits every 10 labels. Prints a table and writes the "Labelling latency" section of
BENCHMARKS.md (between markers; the rest of the file is left alone).

    python benchmarks/label_latency.py                 # 100k rows, 300 labels
    python benchmarks/label_latency.py --rows 20000 --labels 100 --no-write
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "BENCHMARKS.md"
SHARED = ROOT.parent / "shared" / "datasets"
TARGETS = {"page load": 0.300, "next item": 0.050, "next text in the browser": 0.050}


def write_section(path: Path, key: str, markdown: str) -> None:
    """Replace the section between ``<!-- key:start -->`` and ``<!-- key:end -->`` in ``path``
    (append it when absent), atomically."""
    from annal._io import atomic_write_text

    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    block = f"{start}\n{markdown.rstrip()}\n{end}\n"
    text = path.read_text() if path.is_file() else ""
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.S)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + block
    )
    atomic_write_text(path, text)


def make_data(folder: Path, rows: int, seed: int = 0) -> tuple[Path, Path, list[str]]:
    """A CSV of ``rows`` texts and a .npy of random unit vectors (384-d)."""
    if (SHARED / "trec6" / "data.csv").is_file():
        base = pd.read_csv(SHARED / "trec6" / "data.csv")
        texts, labels = base["text"].to_numpy(), sorted(base["label"].unique())
    else:
        from annal.data.synthetic import demo_table

        texts, gold = demo_table(seed=seed, n=2000, n_classes=6)
        labels = sorted(set(gold))
    reps = [f"{texts[i % len(texts)]} (#{i})" for i in range(rows)]
    csv = folder / "data.csv"
    pd.DataFrame({"text": reps}).to_csv(csv, index=False)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, 384)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    npy = folder / "vectors.npy"
    np.save(npy, X)
    return csv, npy, list(labels)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """One persistent HTTP connection, as a browser keeps one."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = token

    def _send(self, method: str, path: str, body=None, headers=None) -> bytes:
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                break
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                self.conn.close()  # the server closed an idle keep-alive connection
                if attempt:
                    raise
        data = resp.read()
        assert resp.status == 200, (path, resp.status, data[:200])
        return data

    def get(self, path: str) -> bytes:
        return self._send("GET", path)

    def post(self, path: str, payload: dict) -> dict:
        headers = {"Content-Type": "application/json", "X-CSRF-Token": self.token}
        return json.loads(self._send("POST", path, json.dumps(payload), headers))


#: In the page: time from a key's keydown to the next text in the DOM (performance.now()).
_PROBE = """
window.__lat = [];
let t0 = null;
document.addEventListener("keydown", () => { t0 = performance.now(); }, true);
new MutationObserver(() => {
  if (t0 !== null) { window.__lat.push(performance.now() - t0); t0 = null; }
}).observe(document.getElementById("text"), {childList: true, characterData: true, subtree: true});
"""


def browser_next(port: int, labels: list[str], n: int, pause: float) -> list[float]:
    """Seconds from a label key's keydown to the next text in the page (Chromium, measured by
    the page's own clock, so Playwright's round trips are not counted)."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("ANNAL_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("body[data-ready='1']", timeout=60_000)
        page.evaluate(_PROBE)
        for i in range(n):
            item = page.get_attribute("#text", "data-item")
            page.keyboard.press(str(1 + i % min(len(labels), 9)))
            page.wait_for_function(f"document.getElementById('text').dataset.item !== '{item}'")
            page.wait_for_function("document.getElementById('save-state').dataset.pending === '0'")
            time.sleep(pause)
        out = [ms / 1000 for ms in page.evaluate("window.__lat")]
        browser.close()
    return out


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def run(
    rows: int,
    n_labels: int,
    workdir: Path,
    pause: float = 0.02,
    n_loads: int = 50,
    browser_labels: int = 0,
) -> dict:
    csv, npy, labels = make_data(workdir, rows)
    folder = workdir / "project"
    env = dict(
        os.environ, PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    )
    cmd = [sys.executable, "-m", "annal", "label"]
    t0 = time.perf_counter()
    subprocess.run(
        [
            *cmd,
            "init",
            str(folder),
            "--data",
            str(csv),
            "--text-col",
            "text",
            "--labels",
            ",".join(labels),
            "--model",
            str(npy),
            "--classifier",
            "lda",
            "--init",
            "random",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    init_s = time.perf_counter() - t0
    with sqlite3.connect(folder / "project.db") as con:
        token = con.execute("SELECT value FROM meta WHERE key = 'token'").fetchone()[0]
    port = free_port()
    log = (workdir / "serve.log").open("wb")
    proc = subprocess.Popen(
        [*cmd, "serve", str(folder), "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                Client(port, token).get("/api/stats")
                break
            except (ConnectionError, OSError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError((workdir / "serve.log").read_text()) from None
                time.sleep(0.2)
        rng = np.random.default_rng(0)
        c = Client(port, token)

        def label_next(client: str, record: bool) -> int:
            dt, got = timed(c.post, "/api/next", {"client": client, "n": 5})
            if record:
                times["next item"].append(dt)
            for item in got["items"]:
                answer = labels[int(rng.integers(len(labels)))]
                dt, _ = timed(
                    c.post, "/api/label", {"client": client, "item": item["id"], "label": answer}
                )
                if record:
                    times["label write"].append(dt)
                time.sleep(pause)
            return len(got["items"])

        times: dict[str, list[float]] = {
            k: []
            for k in (
                "page html",
                "page load",
                "next item",
                "label write",
                "next item, store only",
                "label write, store only",
            )
        }
        # Warm up: the first labels, then wait for the trainer process's first model.
        while label_next("warmup", False) and json.loads(c.get("/api/stats"))["n_labelled"] < 20:
            pass
        deadline = time.monotonic() + 300
        while json.loads(c.get("/api/stats"))["model"] is None and time.monotonic() < deadline:
            time.sleep(0.5)
        first_round = (json.loads(c.get("/api/stats"))["model"] or {}).get("round", 0)
        for i in range(2 + n_loads):  # page loads: HTML, script, style, first rows
            fresh = Client(port, token)
            t0 = time.perf_counter()
            dt, _ = timed(fresh.get, "/")
            fresh.get("/static/page.js")
            fresh.get("/static/page.css")
            fresh.post("/api/next", {"client": f"load{i}", "n": 5})
            if i >= 2:  # the first two warm the server's caches
                times["page html"].append(dt)
                times["page load"].append(time.perf_counter() - t0)
        done = 0
        while done < n_labels:
            done += label_next("bench", True)
        if browser_labels:
            times["next text in the browser"] = browser_next(port, labels, browser_labels, pause)
        stats = json.loads(c.get("/api/stats"))
        if stats["trainer_error"]:
            print(f"trainer error: {stats['trainer_error']}", file=sys.stderr)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # The same operations without HTTP, in this process (the floor the server adds to).
    from annal.label import Project

    project = Project(folder)
    for _ in range(20):
        dt, items = timed(project.store.claim, "direct", 5)
        times["next item, store only"].append(dt)
        for item in items:
            dt, _ = timed(project.store.label, item.id, labels[0])
            times["label write, store only"].append(dt)
    project.store.close()
    return {
        "times": times,
        "init_s": init_s,
        "fits": (stats["model"] or {}).get("round", first_round) - first_round,
        "rows": rows,
        "labels": done,
    }


def table(result: dict) -> str:
    lines = [
        "| what | n | p50 ms | p95 ms | target |",
        "|---|---:|---:|---:|---|",
    ]
    for name, values in result["times"].items():
        arr = np.asarray(values) * 1000
        target = TARGETS.get(name)
        goal = (
            f"< {target * 1000:.0f} ms"
            + (" met" if target and np.percentile(arr, 95) < target * 1000 else " missed")
            if target
            else ""
        )
        lines.append(
            f"| {name} | {len(arr)} | {np.percentile(arr, 50):.1f} | {np.percentile(arr, 95):.1f} | {goal} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--labels", type=int, default=300)
    parser.add_argument("--pause", type=float, default=0.02, help="seconds between labels")
    parser.add_argument(
        "--browser", type=int, default=40, help="labels given by key in Chromium (0: none)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(
            args.rows, args.labels, Path(tmp), pause=args.pause, browser_labels=args.browser
        )
    load_after = os.getloadavg()
    md = table(result)
    print(md)
    loads = f"{load_before[0]:.1f} / {load_after[0]:.1f}"
    print(
        f"init {result['init_s']:.1f} s; {result['fits']} fits during the run; load average (1 min) before/after {loads}"
    )
    if not args.no_write:
        write_section(
            REPORT,
            "label-latency",
            "\n".join(
                [
                    "## Labelling latency (`annal label serve`)",
                    "",
                    f"`python benchmarks/label_latency.py --rows {args.rows} --labels {args.labels}`:"
                    f" a project of {result['rows']:,} rows (random 384-d unit vectors, classifier"
                    " lda), a real server process, one persistent HTTP connection as a browser keeps."
                    " *page load* = the HTML, its script and style, and the first 5 rows (`POST"
                    " /api/next`); *next item* = claiming the next 5 rows (the page keeps a few rows"
                    " ahead, so the next text shows without a request); *label write* = one"
                    " committed SQLite transaction and its response; *store only*: the same calls on the"
                    " project in the benchmark's process, without HTTP; *next text in the browser*: from a"
                    " label key's keydown in Chromium to the next text in the page, by the page's clock"
                    " (the page keeps rows ahead; the label's write follows). Measured while the background"
                    f" trainer refitted every 10 labels ({result['fits']} fits);"
                    f" `annal label init` took {result['init_s']:.1f} s. Shared machine: load"
                    f" average (1 min) {loads} before/after.",
                    "",
                    md,
                ]
            ),
        )
        print(f"wrote the label-latency section of {REPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
