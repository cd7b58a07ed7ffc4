"""Average precision as copairs defines it, shared by the reference scripts."""
import numpy as np


def average_precision(sims, positive):
    """Candidates by similarity, highest first, ties with positives first;
    AP is the mean precision at each positive."""
    order = np.lexsort((~positive, -sims))  # by -sim, then positives first
    rel = positive[order]
    hits = np.cumsum(rel)
    ranks = np.arange(1, len(rel) + 1)
    return (hits / ranks)[rel].mean()
