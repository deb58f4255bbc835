#!/usr/bin/python3
"""data/particle.csv: the lecture's regression example, a particle's measured
velocity against time.

A particle is thrown upwards at v0 = 20 m/s and slows under gravity and
linear air drag (time constant tau = 1.5 s), so its velocity is
    v(t) = (v0 + g tau) exp(-t / tau) - g tau
and approaches the terminal velocity -g tau.  Each of the 300 measurements
at a random time in [0, 6] s carries Gaussian noise of 0.8 m/s.  Seeded, so
running this again gives the same file:
    /usr/bin/python3 data/gen_particle.py > data/particle.csv
Columns: t (s), v (m/s); the last column is the target (dl-tensor import -t 1)."""
import numpy as np

rng = np.random.default_rng(1687)
g, tau, v0 = 9.81, 1.5, 20.0
t = np.sort(rng.uniform(0.0, 6.0, 300))
v = (v0 + g * tau) * np.exp(-t / tau) - g * tau + rng.normal(0.0, 0.8, t.size)
print("t,v")
for ti, vi in zip(t, v):
    print("%.6f,%.6f" % (ti, vi))
