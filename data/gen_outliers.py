#!/usr/bin/python3
"""data/particle_outliers.csv: the particle-velocity measurements of
gen_particle.py (same physics: thrown up at 20 m/s, gravity and linear drag,
tau = 1.5 s, Gaussian noise 0.8 m/s), 80 of them, of which 10 are glitches:
readings 8 to 20 m/s too high, as a faulty sensor might give.  Used by
examples/regularize to compare the MSE (Gaussian) and L1 (Laplace) losses.
Seeded, so running this again gives the same file:
    /usr/bin/python3 data/gen_outliers.py > data/particle_outliers.csv
Columns: t (s), v (m/s); the last column is the target (dl-tensor import -t 1)."""
import numpy as np

rng = np.random.default_rng(2026)
g, tau, v0 = 9.81, 1.5, 20.0
n, n_out = 80, 10
t = np.sort(rng.uniform(0.0, 6.0, n))
v = (v0 + g * tau) * np.exp(-t / tau) - g * tau + rng.normal(0.0, 0.8, n)
glitch = rng.choice(n, n_out, replace=False)
v[glitch] += rng.uniform(8.0, 20.0, n_out)
print("t,v")
for ti, vi in zip(t, v):
    print("%.6f,%.6f" % (ti, vi))
