#!/usr/bin/python3
"""Exports scikit-learn's bundled Wisconsin breast cancer data set to CSV.

breast_cancer.csv  569 tumours, 30 measurements of their cell nuclei (mean,
                   standard error and worst value of radius, texture, ...)
                   -> malignant (1) or benign (0).  212 malignant, 357 benign.

scikit-learn codes malignant as 0; the target is flipped here so that the
positive class (1) is the one to find, as precision and recall assume.
The file ships with scikit-learn (no download); this script only rewrites it.

Run: /usr/bin/python3 data/gen_breast_cancer.py   (writes beside this script)
"""
import os

from sklearn.datasets import load_breast_cancer

HERE = os.path.dirname(os.path.abspath(__file__))

data = load_breast_cancer()
names = [n.replace(" ", "_") for n in data.feature_names] + ["malignant"]
with open(os.path.join(HERE, "breast_cancer.csv"), "w") as f:
    f.write(",".join(names) + "\n")
    for row, target in zip(data.data, data.target):
        f.write(",".join(repr(float(v)) for v in row) + ",%d\n" % (1 - target))
