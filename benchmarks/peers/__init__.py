"""Thin adapters that run small-text, scikit-activeml and modAL strategies on the same inputs.

Every adapter has the call described in :mod:`peers.base`; :data:`PEERS` lists them all.
A peer library that is not installed (or fails to import) is reported by
:meth:`peers.base.Peer.available`, never imported at module load.
"""

from __future__ import annotations

from .base import FixedProba, Peer, fixed_proba, unlabelled_positions
from .modal_peer import PEERS as _MODAL
from .skactiveml_peer import PEERS as _SKACTIVEML
from .small_text_peer import PEERS as _SMALL_TEXT

PEERS: tuple[Peer, ...] = _SMALL_TEXT + _SKACTIVEML + _MODAL

__all__ = ["PEERS", "FixedProba", "Peer", "fixed_proba", "unlabelled_positions"]
