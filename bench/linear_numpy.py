#!/usr/bin/python3
"""The numpy side of bench/linear.sh: load the same CSV or .npy file, build the
same polynomial design (all monomials of total degree <= D, scikit-learn's
order, bias first), solve with numpy.linalg.lstsq (LAPACK gelsd, as dl-lstsq
--method svd), and save the weights.  With a third argument, also save the
fitted values there (for the accuracy check, outside the timed runs).

    /usr/bin/python3 bench/linear_numpy.py DATA DEGREE W.npy [YHAT.npy]"""
import sys

import numpy as np


def design(x, degree):
    n, d = x.shape
    cols = [np.ones(n)]
    prev = [(v, x[:, v]) for v in range(d)]  # (last variable, column)
    cols += [c for _, c in prev]
    for _ in range(2, degree + 1):
        nxt = []
        for last, c in prev:
            for v in range(last, d):
                nxt.append((v, c * x[:, v]))
        cols += [c for _, c in nxt]
        prev = nxt
    return np.column_stack(cols)


def main():
    path, degree, wpath = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    data = np.load(path) if path.endswith(".npy") else np.loadtxt(path, delimiter=",")
    x, y = data[:, :-1], data[:, -1:]
    X = design(x, degree)
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    np.save(wpath, w)
    if len(sys.argv) > 4:
        np.save(sys.argv[4], X @ w)


main()
