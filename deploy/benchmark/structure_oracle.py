#!/usr/bin/env python3
"""Can a screen's structure -> phenotype map be learned at all? The oracle bound of unseen compounds.

    structure_oracle.py SCREEN_JSON

Reads the ground truth `micon synth` writes (each compound's SMILES, true phenotype and split).
Ridge regression (alpha = 1, with an intercept; the fingerprint M and ridge_predictions.py read:
Morgan radius 2, 1024 bits) is fitted from the fingerprint to the *true* phenotype on the
training compounds. Each held-out compound's prediction is then matched, by cosine similarity,
against the true phenotypes of all held-out compounds: top-1 is the share whose own phenotype is
nearest, chance is 1 / (held-out compounds). No image, noise or technical effect is involved, so
this bounds what any method that predicts unseen compounds from structure can reach on the screen.
Inactive held-out compounds (phenotype 0, like DMSO) cannot be matched and are counted as misses.
Exit status 1 when top-1 is below 3x chance (the bar of docs/SYNTHETIC.md for the target2 preset).
"""
import json
import sys

import numpy as np

from ridge_predictions import ALPHA, fingerprint


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    from rdkit import RDLogger
    RDLogger.DisableLog("rdApp.*")
    screen = json.load(open(sys.argv[1]))
    compounds = screen["compounds"]
    train = [c for c in compounds if not c["held_out"]]
    held_out = [c for c in compounds if c["held_out"]]
    if len(held_out) < 2:
        raise SystemExit(f"structure_oracle: {sys.argv[1]} holds out {len(held_out)} compounds")
    x = np.array([fingerprint(c["smiles"]) for c in train])
    y = np.array([c["phenotype"] for c in train], dtype=np.float64)
    x_mean, y_mean = x.mean(0), y.mean(0)
    xc = x - x_mean
    coef = np.linalg.solve(xc.T @ xc + ALPHA * np.eye(x.shape[1]), xc.T @ (y - y_mean))
    xh = np.array([fingerprint(c["smiles"]) for c in held_out])
    predicted = (xh - x_mean) @ coef + y_mean
    truth = np.array([c["phenotype"] for c in held_out], dtype=np.float64)

    def unit(m):
        norm = np.linalg.norm(m, axis=1, keepdims=True)
        return np.divide(m, norm, out=np.zeros_like(m), where=norm > 0)

    similarity = unit(predicted) @ unit(truth).T
    active = np.linalg.norm(truth, axis=1) > 0
    hits = (similarity.argmax(1) == np.arange(len(held_out))) & active
    top1 = hits.mean()
    chance = 1.0 / len(held_out)
    own = np.diag(similarity)
    print(f"training compounds: {len(train)}; held-out compounds: {len(held_out)} "
          f"({(~active).sum()} inactive)")
    print(f"oracle (ridge on the true phenotype): top-1 {top1:.3f} = {top1 / chance:.1f}x chance "
          f"({chance:.4f}); mean cosine to own phenotype {own.mean():.3f}")
    return 0 if top1 >= 3 * chance else 1


if __name__ == "__main__":
    sys.exit(main())
