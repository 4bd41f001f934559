"""Fixtures for labelling projects: a small real dataset, a project, a real server process.

The ``browser`` fixture (Debian's Chromium through Playwright) is in tests/conftest.py.
The dataset is a slice of ../shared/datasets/trec6 with its precomputed MiniLM vectors when the
shared datasets are present, else annal's built-in demo texts with TF-IDF vectors, so the
browser and server tests run on any machine (they never skip).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from annal.label import init_project

REPO_ROOT = Path(__file__).resolve().parents[2]
SRC = REPO_ROOT / "src"


@dataclass
class LabelData:
    """A data file to label, its gold labels (the simulated person's answers) and vectors."""

    csv: Path
    model: str
    labels: list[str]
    gold: list[str]


def _shared_root() -> Path | None:
    env = os.environ.get("ANNAL_SHARED_DATASETS")
    root = Path(env) if env else REPO_ROOT.parent / "shared" / "datasets"
    return root if (root / "trec6" / "minilm.npy").is_file() else None


def make_data(folder: Path, n: int = 300) -> LabelData:
    """``n`` rows to label, written to ``folder`` (gold labels kept apart in ``gold``)."""
    folder.mkdir(parents=True, exist_ok=True)
    root = _shared_root()
    if root is not None:
        frame = pd.read_csv(root / "trec6" / "data.csv").iloc[:n]
        texts = frame["text"].to_numpy().tolist()
        gold = frame["label"].to_numpy().tolist()
        np.save(folder / "vectors.npy", np.load(root / "trec6" / "minilm.npy")[:n])
        model = str(folder / "vectors.npy")
    else:
        from annal.data.synthetic import demo_table

        t, g = demo_table(seed=0, n=n, n_classes=6, noise=0.0)
        texts, gold = list(t), list(g)
        model = "tfidf?dim=64"
    csv = folder / "data.csv"
    pd.DataFrame({"id": [f"r{i}" for i in range(n)], "text": texts, "gold": gold}).to_csv(
        csv, index=False
    )
    return LabelData(csv, model, sorted(set(gold)), gold)


@pytest.fixture
def data(tmp_path) -> LabelData:
    """A small dataset to label."""
    return make_data(tmp_path / "data")


def make_project(folder: Path, data: LabelData) -> Path:
    """A fresh project on ``data`` in ``folder`` (retrain every 10 labels, batches of 10)."""
    init_project(
        folder,
        data.csv,
        text_col="text",
        id_col="id",
        labels=data.labels,
        model=data.model,
        progress=False,
        batch=10,
        initial=10,
        retrain_every=10,
    )
    return folder


@pytest.fixture
def project_dir(tmp_path, data) -> Path:
    """A fresh project on ``data``."""
    return make_project(tmp_path / "project", data)


@pytest.fixture
def new_project():
    """``new_project(folder, data)`` -> a fresh project (see :func:`make_project`)."""
    return make_project


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``annal label serve`` in a real subprocess on a free loopback port."""

    def __init__(self, folder: Path, *, user: str = "tester", port: int | None = None) -> None:
        self.folder = folder
        self.user = user
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log = folder.parent / f"serve-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> Server:
        env = dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
        cmd = [sys.executable, "-m", "annal", "label", "serve", str(self.folder)]
        cmd += ["--port", str(self.port), "--user", self.user]
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/api/stats", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"server did not start in {timeout} s: {self.log.read_text()}")

    def kill9(self) -> None:
        """SIGKILL: no shutdown handlers, no flush."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def server(project_dir):
    """A running server on ``project_dir``."""
    srv = Server(project_dir).start()
    yield srv
    srv.stop()


@pytest.fixture
def make_server():
    """``make_server(folder)`` -> a started :class:`Server`; all stopped at teardown."""
    started: list[Server] = []

    def make(folder: Path, port: int | None = None) -> Server:
        srv = Server(folder, port=port)
        started.append(srv)
        return srv.start()

    yield make
    for srv in started:
        srv.stop()
