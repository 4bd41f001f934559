"""Labelling projects: a person answers as the oracle of the active-learning loop.

A project folder holds a SQLite store (rows, labels, events, queue, fits) and the row vectors;
a background trainer refits and queues the next batch while a person labels in the web app.

>>> from annal.label import init_project, Project
>>> project = init_project("tickets", "tickets.csv", text_col="body", labels="billing,bug,other")
>>> project.store.counts()["n_labelled"]
0
"""

from __future__ import annotations

from annal.label.create import init_project
from annal.label.project import LabelConfig, Project
from annal.label.store import ProjectStore

__all__ = ["LabelConfig", "Project", "ProjectStore", "init_project"]
