#!/usr/bin/python3
"""dl-eval's benchmark reference (bench/eval.sh), run with /usr/bin/python3.
    eval_sklearn.py data binary|multiclass ROWS PREFIX   writes PREFIX.y.npy, PREFIX.yhat.npy
    eval_sklearn.py metrics binary|multiclass PREFIX    loads them, prints the metrics
The metrics are those dl-eval reports for the task, by sklearn.metrics."""
import sys
import numpy as np
from sklearn import metrics as M

mode, task = sys.argv[1], sys.argv[2]
if mode == "data":
    rows, prefix = int(sys.argv[3]), sys.argv[4]
    rng = np.random.default_rng(7)
    if task == "binary":
        y = (rng.random(rows) < 0.3).astype(np.float64)
        p = np.clip(0.4 * y + 0.6 * rng.random(rows), 0, 1).round(4)  # ties, like real scores
    else:
        y = rng.integers(0, 10, rows).astype(np.float64)
        z = rng.normal(size=(rows, 10)) + 2.0 * np.eye(10)[y.astype(int)]
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.save(prefix + ".y.npy", y.reshape(rows, 1))
    np.save(prefix + ".yhat.npy", p.reshape(rows, -1))
    sys.exit(0)

prefix = sys.argv[3]
y = np.load(prefix + ".y.npy")[:, 0]
p = np.load(prefix + ".yhat.npy")
Z = dict(zero_division=0)
if task == "binary":
    p = p[:, 0]
    pred = (p >= 0.5).astype(int)
    out = {"accuracy": M.accuracy_score(y, pred), "precision": M.precision_score(y, pred, **Z),
           "recall": M.recall_score(y, pred, **Z), "f1": M.f1_score(y, pred, **Z),
           "log_loss": M.log_loss(y, p, labels=[0, 1]), "roc_auc": M.roc_auc_score(y, p)}
    M.confusion_matrix(y, pred)
else:
    pred = p.argmax(axis=1)
    out = {"accuracy": M.accuracy_score(y, pred)}
    for avg in ("macro", "micro", "weighted"):
        pr, rc, f1, _ = M.precision_recall_fscore_support(y, pred, average=avg, **Z)
        out[f"precision_{avg}"], out[f"recall_{avg}"], out[f"f1_{avg}"] = pr, rc, f1
    M.precision_recall_fscore_support(y, pred, average=None, **Z)
    out["log_loss"] = M.log_loss(y, p, labels=list(range(p.shape[1])))
    M.confusion_matrix(y, pred)
for k, v in out.items():
    print(f"{k}\t{v!r}")
