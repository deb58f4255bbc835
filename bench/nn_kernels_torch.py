#!/usr/bin/python3
"""PyTorch side of bench/nn_kernels.sh: the same network, data, optimizer and
loop and initial weights as bench/nn_kernels.c (784-256-128-10 relu, softmax cross-entropy, Adam
lr 1e-3, batch 128, shuffled each epoch, data from `nn_kernels gen DIR`).

    /usr/bin/python3 nn_kernels_torch.py DIR THREADS [EPOCHS]

THREADS is torch.set_num_threads; OpenBLAS's own threads come from the
environment (OPENBLAS_NUM_THREADS), as for the C side.  Prints the same line
as nn_kernels: "samples_per_s S test_accuracy A final_loss L seconds T".
"""
import sys
import time

import numpy as np
import torch

N_TRAIN, N_TEST, N_IN, N_CLASS, BATCH = 8000, 2000, 784, 10, 128


def load(d, name, shape):
    return torch.from_numpy(np.fromfile("%s/%s" % (d, name), dtype=np.float32).reshape(shape))


def main():
    d, threads = sys.argv[1], int(sys.argv[2])
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    xtr = load(d, "xtr.f32", (N_TRAIN, N_IN))
    ytr = load(d, "ytr.f32", (N_TRAIN,)).long()
    xte = load(d, "xte.f32", (N_TEST, N_IN))
    yte = load(d, "yte.f32", (N_TEST,)).long()
    net = torch.nn.Sequential(torch.nn.Linear(N_IN, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 128), torch.nn.ReLU(),
                              torch.nn.Linear(128, N_CLASS))
    init = np.fromfile("%s/init.f32" % d, dtype=np.float32)
    with torch.no_grad():  # the C side's initial weights, same flat layout
        off = 0
        for p in net.parameters():
            p.copy_(torch.from_numpy(init[off:off + p.numel()]).reshape(p.shape))
            off += p.numel()
    assert off == init.size
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(N_TRAIN)
        total, batches = 0.0, 0
        for s in range(0, N_TRAIN, BATCH):
            idx = perm[s:s + BATCH]
            xb, yb = xtr[idx], ytr[idx]
            opt.zero_grad()
            loss = loss_fn(net(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item()
            batches += 1
    dt = time.perf_counter() - t0
    with torch.no_grad():
        acc = (net(xte).argmax(1) == yte).float().mean().item()
    print("samples_per_s %.0f test_accuracy %.4f final_loss %.4f seconds %.3f"
          % (N_TRAIN * epochs / dt, acc, total / batches, dt))


if __name__ == "__main__":
    main()
