#!/usr/bin/python3
"""Compares two fitted-value arrays (.npy): prints the largest difference
relative to the largest value, max |a - b| / max |b|.

    /usr/bin/python3 bench/linear_check.py OURS.npy NUMPY.npy"""
import sys

import numpy as np

a, b = np.load(sys.argv[1]).ravel(), np.load(sys.argv[2]).ravel()
print("%.3g" % (np.abs(a - b).max() / np.abs(b).max()))
