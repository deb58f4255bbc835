#!/usr/bin/python3
"""Makes the lecture's fish data sets (seeded, so the files are reproducible).

fish.csv    speed (m/s) -> type (0 = perch, 1 = pike): two overlapping speed
            distributions, a 1-D binary problem with a threshold near 2.75 m/s.
fish2d.csv  speed (m/s), depth (m) -> type: pike live in a band of depths and
            speeds (an elliptic region), so the boundary is not linear.

Run: /usr/bin/python3 data/gen_fish.py   (writes beside this script)
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def fish1d(rng, n=300):
    kind = rng.integers(0, 2, n)
    speed = np.where(kind == 1, rng.normal(3.4, 0.55, n), rng.normal(2.1, 0.5, n))
    return np.column_stack([speed, kind])


def fish2d(rng, n=500):
    speed = rng.uniform(0.5, 5.0, n)
    depth = rng.uniform(0.0, 40.0, n)
    r2 = ((speed - 2.8) / 1.3) ** 2 + ((depth - 18.0) / 11.0) ** 2
    p = 1.0 / (1.0 + np.exp(8.0 * (r2 - 1.0)))  # soft edge: a little label noise
    kind = (rng.uniform(0, 1, n) < p).astype(int)
    return np.column_stack([speed, depth, kind])


def save(name, header, rows, fmts):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(header + "\n")
        for r in rows:
            f.write(",".join(fmt % v for fmt, v in zip(fmts, r)) + "\n")


def main():
    rng = np.random.default_rng(20261126)
    save("fish.csv", "speed,type", fish1d(rng), ["%.3f", "%d"])
    save("fish2d.csv", "speed,depth,type", fish2d(rng), ["%.3f", "%.2f", "%d"])


if __name__ == "__main__":
    main()
