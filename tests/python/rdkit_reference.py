#!/usr/bin/python3
"""Reference RDKit features for micon's featuriser tests, from Debian's python3-rdkit.

  rdkit_reference.py TABLE ID_COLUMN SMILES_COLUMN RADIUS BITS bits|counts

Prints one line per parsable compound: id, canonical SMILES, the nonzero fingerprint entries
as index:value, and the descriptors micon names (repr, full precision), tab-separated. For
bit vectors it also asserts that the generator API and the legacy AllChem API agree.
"""
import csv
import sys

from rdkit import Chem, RDLogger
from rdkit.Chem import AllChem, Descriptors, rdFingerprintGenerator

RDLogger.DisableLog("rdApp.*")
DESCRIPTORS = ["MolWt", "ExactMolWt", "MolLogP", "MolMR", "TPSA", "NumHDonors", "NumHAcceptors",
               "NumRotatableBonds", "RingCount", "NumAromaticRings", "HeavyAtomCount",
               "FractionCSP3", "LabuteASA"]


def main(table, id_col, smiles_col, radius, bits, mode):
    radius, bits = int(radius), int(bits)
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=bits)
    delimiter = "\t" if table.endswith((".tsv", ".txt")) else ","
    with open(table, newline="") as fh:
        for row in csv.DictReader(fh, delimiter=delimiter):
            cid, smiles = row[id_col].strip(), row[smiles_col].strip()
            if not cid or not smiles:
                continue
            mol = Chem.MolFromSmiles(smiles)
            if mol is None:
                continue
            if mode == "counts":
                fp = gen.GetCountFingerprintAsNumPy(mol)
            else:
                fp = gen.GetFingerprintAsNumPy(mol)
                legacy = AllChem.GetMorganFingerprintAsBitVect(mol, radius, nBits=bits)
                assert list(legacy.GetOnBits()) == [int(i) for i in fp.nonzero()[0]], cid
            entries = ",".join(f"{i}:{int(fp[i])}" for i in fp.nonzero()[0])
            desc = ",".join(repr(float(getattr(Descriptors, d)(mol))) for d in DESCRIPTORS)
            print(f"{cid}\t{Chem.MolToSmiles(mol)}\t{entries}\t{desc}")


if __name__ == "__main__":
    main(*sys.argv[1:])
