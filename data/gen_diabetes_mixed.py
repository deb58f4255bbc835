#!/usr/bin/python3
"""Makes diabetes_mixed.csv, a real table with the faults of real tables,
from scikit-learn's bundled diabetes data set (442 patients, Efron et al.,
"Least Angle Regression", 2004; sklearn.datasets.load_diabetes, unscaled).

Columns: age, sex (female/male, a string), bmi, bp (mean blood pressure),
s1..s6 (blood serum measurements), bp_class (a string: low/normal/high by
the blood pressure's tertiles), progression (the target: disease
progression one year after baseline).  Then holes, seeded: about 6% of the
cells of every column but the target are empty or 'NA', the two ways
missing cells are written.

Run: /usr/bin/python3 data/gen_diabetes_mixed.py   (writes beside this script)
"""
import os

import numpy as np
from sklearn.datasets import load_diabetes

HERE = os.path.dirname(os.path.abspath(__file__))

data = load_diabetes(scaled=False)
x, y = data.data, data.target
rng = np.random.default_rng(9)
n = len(y)
sex = np.where(x[:, 1] == 1, "female", "male")
lo, hi = np.quantile(x[:, 3], [1 / 3, 2 / 3])
bp_class = np.where(x[:, 3] < lo, "low", np.where(x[:, 3] < hi, "normal", "high"))

header = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "bp_class", "progression"]
rows = []
for i in range(n):
    cells = ["%g" % x[i, 0], sex[i]] + ["%g" % v for v in x[i, 2:]] + [bp_class[i]]
    for j in range(len(cells)):
        if rng.random() < 0.06:
            cells[j] = "NA" if rng.random() < 0.5 else ""
    rows.append(",".join(cells + ["%g" % y[i]]))
with open(os.path.join(HERE, "diabetes_mixed.csv"), "w") as f:
    f.write(",".join(header) + "\n" + "\n".join(rows) + "\n")
