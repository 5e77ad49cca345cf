"""Precision, recall and F1 from counts: the one copy of this arithmetic in the project.

Arrays of binary predictions go through scikit-learn (``training.prf``); set comparisons
(entity tags, spans, two readings of the same articles) reduce to counts and come here.
"""

from __future__ import annotations


def prf(tp: int | float, fp: int | float, fn: int | float) -> tuple[float, float, float]:
    """Precision, recall and F1 of ``tp`` hits, ``fp`` false alarms and ``fn`` misses (0 when
    undefined, as scikit-learn's ``zero_division=0``)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return float(p), float(r), float(f)
