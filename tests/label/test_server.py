"""The server as a real process: CSRF, host check, claims, kill -9 and restart."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.parse
import urllib.request

import pytest


def request(url, method="GET", body=None, token=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token is not None:
        req.add_header("X-CSRF-Token", token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def data_text(folder, item):
    with sqlite3.connect(folder / "project.db") as con:
        return con.execute("SELECT text FROM items WHERE id = ?", (item,)).fetchone()[0]


def token_of(folder):
    with sqlite3.connect(folder / "project.db") as con:
        return con.execute("SELECT value FROM meta WHERE key = 'token'").fetchone()[0]


def db_labels(folder):
    with sqlite3.connect(folder / "project.db") as con:
        return dict(
            con.execute(
                "SELECT a.item, l.name FROM annotations a JOIN labels l ON l.id = a.label"
            ).fetchall()
        )


def test_writes_need_the_token_and_json_and_the_served_host(server, project_dir, data):
    """One server for the refusals (a server start costs seconds on a loaded machine)."""
    url, token = server.url, token_of(project_dir)
    write = {"client": "c", "item": 0, "label": data.labels[0]}
    status, body = request(url + "/api/label", "POST", write)
    assert status == 403 and "CSRF" in body["error"]
    assert request(url + "/api/label", "POST", write, token="wrong")[0] == 403
    req = urllib.request.Request(
        url + "/api/label",
        data=b"item=0",
        method="POST",
        headers={"X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=30)
    assert err.value.code == 400
    req = urllib.request.Request(url + "/api/stats", headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=30)
    assert err.value.code == 400
    assert db_labels(project_dir) == {}

    status, body = request(url + "/api/label", "POST", {**write, "label": "nope"}, token=token)
    assert status == 400 and "unknown label 'nope'" in body["error"]
    status, body = request(url + "/api/label", "POST", {"client": "c", "label": "x"}, token=token)
    assert status == 400 and "'item'" in body["error"]

    status, body = request(url + "/api/label", "POST", write, token=token)
    assert status == 200 and body["stats"]["n_labelled"] == 1
    assert db_labels(project_dir) == {0: data.labels[0]}

    # Search: substring, and a row's nearest neighbours through annal's index.
    status, body = request(url + "/api/search?similar=0")
    assert status == 200 and len(body["items"]) == 20 and 0 not in [i["id"] for i in body["items"]]
    word = data_text(project_dir, 0).split()[0]
    status, body = request(url + "/api/search?q=" + urllib.parse.quote(word.upper()))
    assert body["items"] and all(word.lower() in i["text"].lower() for i in body["items"])
    # Labels from the page: add one, rename one (its rows follow).
    status, body = request(url + "/api/labels", "POST", {"add": "zz-new"}, token=token)
    assert status == 200 and body["labels"] == [*data.labels, "zz-new"]
    status, body = request(
        url + "/api/labels", "POST", {"rename": data.labels[0], "to": "renamed"}, token=token
    )
    assert body["stats"]["histogram"]["renamed"] == 1
    assert db_labels(project_dir) == {0: "renamed"}


def test_two_clients_never_share_a_row_and_kill9_keeps_every_label(make_server, project_dir, data):
    srv = make_server(project_dir)
    token = token_of(project_dir)
    seen: dict[str, set] = {"a": set(), "b": set()}
    given = {}
    for _ in range(6):
        for client in ("a", "b"):
            status, body = request(
                srv.url + "/api/next", "POST", {"client": client, "n": 3}, token=token
            )
            assert status == 200
            ids = [it["id"] for it in body["items"]]
            seen[client].update(ids)
            item = ids[0]
            label = data.gold[item]
            status, _ = request(
                srv.url + "/api/label",
                "POST",
                {"client": client, "item": item, "label": label},
                token=token,
            )
            assert status == 200
            given[item] = label
    assert not seen["a"] & seen["b"]
    srv.kill9()
    assert db_labels(project_dir) == given
    srv2 = make_server(project_dir)
    status, stats = request(srv2.url + "/api/stats")
    assert stats["n_labelled"] == len(given)
    # The tab gets back the rows it held before the kill.
    status, body = request(srv2.url + "/api/next", "POST", {"client": "a", "n": 0}, token=token)
    assert {it["id"] for it in body["items"]} == seen["a"] - set(given)
