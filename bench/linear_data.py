#!/usr/bin/python3
"""Seeded data for bench/linear.sh: ROWS rows of INPUTS uniform inputs in
[-1, 1] and a noisy smooth target, as PREFIX.csv and PREFIX.npy (same values).

    /usr/bin/python3 bench/linear_data.py ROWS INPUTS PREFIX"""
import sys

import numpy as np

rows, inputs, prefix = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(12345)
x = rng.uniform(-1, 1, size=(rows, inputs))
y = np.sin(3 * x[:, 0]) + 0.5 * (x ** 2).sum(axis=1) * (x[:, -1] - 0.2)
y += 0.1 * rng.standard_normal(rows)
data = np.column_stack([x, y])
np.save(prefix + ".npy", data)
np.savetxt(prefix + ".csv", data, delimiter=",", fmt="%.17g")
