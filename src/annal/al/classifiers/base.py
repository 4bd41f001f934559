"""What a classifier is: a named part whose :meth:`Classifier.estimator` gives an estimator.

A classifier is a :class:`~annal.registry.Component`: its constructor only stores its
parameters, annotated, so :data:`annal.al.classifiers.CLASSIFIERS` types and checks them when
it is built (from Python, a YAML ``classifier: {name, params}`` or ``--classifier-param``).
:meth:`Classifier.estimator` returns a fresh, unfitted scikit-learn estimator (``fit``,
``predict_proba``, ``classes_``) whose randomness is the round's seed.
"""

from __future__ import annotations

from sklearn.base import BaseEstimator

from annal.registry import Component


class Classifier(Component):
    """Base class of every named classifier (see the module docstring).

    A new classifier is a subclass with a registry ``name``, a constructor that only stores its
    annotated parameters, and :meth:`estimator`; one line in
    :data:`annal.al.classifiers.CLASSIFIER_CLASSES` registers it.
    """

    def estimator(self, seed: int) -> BaseEstimator:
        """An unfitted estimator with ``predict_proba``, its randomness seeded by ``seed``."""
        raise NotImplementedError
