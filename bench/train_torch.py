#!/usr/bin/python3
"""PyTorch side of bench/train.sh (and its data): the same networks, data and
optimizers as the dl-train runs.

    train_torch.py gen DIR             seeded synthetic data sets as .npy:
                                       (a) 8,000 + 2,000 rows of 784 inputs,
                                       10 classes; (b) 200 points of a 1-D curve;
                                       (p) 40,000 rows of 784 inputs to predict
    train_torch.py a DIR THREADS       784-256-128-10 relu, softmax CE, Adam
                                       1e-3, batch 128, 5 epochs ($EPOCHS), shuffled;
                                       prints samples_per_s and test accuracy
    train_torch.py b DIR BATCH         1-10-1 tanh, mse, Adam 0.01, 2,000
                                       epochs (BATCH 0: full batch)
    train_torch.py predict DIR THREADS inference rows/s of (a)'s network, and
                                       the loop's CPU seconds (every thread's)
    train_torch.py peak                float32 matmul GFLOP/s (1024^3), numpy

THREADS is torch.set_num_threads; OpenBLAS's threads come from the
environment (OPENBLAS_NUM_THREADS), as for dl-train.  Only the training (or
inference) loop is timed in-process; bench/train.sh also times whole
processes.
"""
import os
import sys
import time

import numpy as np

N_TRAIN, N_TEST, N_IN, N_CLASS, BATCH = 8000, 2000, 784, 10, 128
EPOCHS = int(os.environ.get("EPOCHS", "5"))  # bench/quick.sh takes fewer
N_PREDICT = 40000


def gen(d):
    rng = np.random.default_rng(20261126)
    centers = rng.normal(0, 1, (N_CLASS, N_IN)).astype(np.float32)

    def blobs(n):
        y = rng.integers(0, N_CLASS, n)
        x = centers[y] * 0.1 + rng.normal(0, 1, (n, N_IN))
        return x.astype(np.float32), y.reshape(-1, 1).astype(np.float32)

    for name, n in (("tr", N_TRAIN), ("te", N_TEST), ("pr", N_PREDICT)):
        x, y = blobs(n)
        np.save(os.path.join(d, "x%s.npy" % name), x)
        np.save(os.path.join(d, "y%s.npy" % name), y)
    t = np.sort(rng.uniform(-1, 1, 200)).astype(np.float32).reshape(-1, 1)
    v = (np.sin(3 * t) + 0.1 * rng.normal(0, 1, t.shape)).astype(np.float32)
    np.save(os.path.join(d, "xb.npy"), t)
    np.save(os.path.join(d, "yb.npy"), v)
    with open(os.path.join(d, "b.fann"), "w") as f:  # FANN's training file format
        f.write("%d 1 1\n" % len(t))
        for a, b in zip(t[:, 0], v[:, 0]):
            f.write("%.9g\n%.9g\n" % (a, b))


def load(d, name):
    import torch
    return torch.from_numpy(np.load(os.path.join(d, name)))


def net_a():
    """(a)'s network, initialized as dl-train's default does (Kaiming normal
    for relu layers, Xavier uniform for the output, zero biases), so that the
    two sides' held-out accuracies compare like with like."""
    import torch
    net = torch.nn.Sequential(torch.nn.Linear(N_IN, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 128), torch.nn.ReLU(),
                              torch.nn.Linear(128, N_CLASS))
    with torch.no_grad():
        for layer, relu in ((net[0], True), (net[2], True), (net[4], False)):
            if relu:
                torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            else:
                torch.nn.init.xavier_uniform_(layer.weight)
            layer.bias.zero_()
    return net


def fit(net, opt, loss_fn, x, y, epochs, batch):
    """The timed loop: shuffled minibatches (in order for a full batch)."""
    import torch
    n = len(x)
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n) if batch < n else torch.arange(n)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            opt.zero_grad()
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
    return time.perf_counter() - t0


def train_a(d, threads):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    xtr, ytr = load(d, "xtr.npy"), load(d, "ytr.npy")[:, 0].long()
    xte, yte = load(d, "xte.npy"), load(d, "yte.npy")[:, 0].long()
    net = net_a()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    secs = fit(net, opt, torch.nn.CrossEntropyLoss(), xtr, ytr, EPOCHS, BATCH)
    with torch.no_grad():
        acc = (net(xte).argmax(1) == yte).float().mean().item()
    torch.save(net.state_dict(), os.path.join(d, "a.pt"))
    print("samples_per_s %.1f test_accuracy %.4f seconds %.4f" % (EPOCHS * N_TRAIN / secs, acc, secs))


def train_b(d, batch):
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(1)
    x, y = load(d, "xb.npy"), load(d, "yb.npy")
    net = torch.nn.Sequential(torch.nn.Linear(1, 10), torch.nn.Tanh(), torch.nn.Linear(10, 1))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    loss_fn = torch.nn.MSELoss()
    secs = fit(net, opt, loss_fn, x, y, 2000, batch if batch > 0 else len(x))
    with torch.no_grad():
        mse = loss_fn(net(x), y).item()
    print("epoch_us %.2f mse %.5f seconds %.4f" % (secs / 2000 * 1e6, mse, secs))


def predict(d, threads):
    import torch
    torch.set_num_threads(threads)
    net = net_a()
    net.load_state_dict(torch.load(os.path.join(d, "a.pt")))
    x = load(d, "xpr.npy")
    t0, c0 = time.perf_counter(), time.process_time()
    with torch.no_grad():
        for s in range(0, len(x), 1024):
            torch.softmax(net(x[s:s + 1024]), 1)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    print("rows_per_s %.0f seconds %.4f cpu_seconds %.4f" % (len(x) / secs, secs, cpu))


def peak():
    a = np.random.default_rng(1).normal(size=(1024, 1024)).astype(np.float32)
    a @ a
    best = 1e9
    for _ in range(5):
        t0 = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - t0)
    print("gflops %.1f" % (2 * 1024 ** 3 / best / 1e9))


def main():
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "a":
        train_a(sys.argv[2], int(sys.argv[3]))
    elif cmd == "b":
        train_b(sys.argv[2], int(sys.argv[3]))
    elif cmd == "predict":
        predict(sys.argv[2], int(sys.argv[3]))
    elif cmd == "peak":
        peak()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
