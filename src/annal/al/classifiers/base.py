"""The classifier protocol: a named part whose :meth:`Classifier.build` gives an estimator.

A classifier here is a :class:`~annal.registry.Component`: its constructor stores the
parameters (annotated, so the registry checks them when it is built, from YAML or
``name?key=value``); :meth:`Classifier.build` returns a fresh, unfitted scikit-learn style
estimator (``fit``, ``predict_proba``, ``classes_``) seeded with the round's seed.
"""

from __future__ import annotations

from sklearn.base import BaseEstimator

from annal.registry import Component


class Classifier(Component):
    """Base class of every named classifier (see module docstring).

    A new classifier is a subclass with a registry ``name``, a constructor that only stores
    its (annotated) parameters, and :meth:`build`; one line in
    :data:`annal.al.classifiers.CLASSIFIER_CLASSES` registers it.
    """

    def build(self, seed: int) -> BaseEstimator:
        """An unfitted estimator with ``predict_proba``, its randomness seeded by ``seed``."""
        raise NotImplementedError
