#!/usr/bin/python3
"""Writes the hostile inputs of tests/bats/hostile.bats into inputs/ (run it
from this directory).  Every stream is built here, from the format in
man/dl-stream.5, not with the toolkit: truncated and bit-flipped streams,
absurd shapes and declared sizes, wrong records for each tool, NaN and Inf,
bad YAML specs, and text that is not a table.  The bit flips and the
garbage come from a seeded generator, so the files are the same on every
run."""
import os
import random
import struct
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../scripts"))
from dlstream import record  # noqa: E402

FMT = {"u8": "B", "i32": "i", "i64": "q", "f32": "f", "f64": "d"}


def tensor(name, dtype, rows, values, encoding=0):
    n = len(values)
    shape = [rows, n // rows] if rows else [n]
    return record(name, dtype, shape, struct.pack("<%d%s" % (n, FMT[dtype]), *values),
                  encoding)


def text(name, s, encoding=0):
    return record(name, "u8", [len(s)], s.encode(), encoding)


OUT = "inputs"
os.makedirs(OUT, exist_ok=True)


def put(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


rng = random.Random(20261129)
ROWS = 12
X = [((i * 7) % 11) / 4.0 - 1.0 for i in range(ROWS * 2)]
Y = [float(X[2 * i] > X[2 * i + 1]) for i in range(ROWS)]
data = tensor("x", "f64", ROWS, X) + tensor("y", "f64", ROWS, Y)
zdata = tensor("x", "f64", ROWS, X, 1) + tensor("y", "f64", ROWS, Y, 1)
put("good.dlt", data)

# ----------------------------- broken streams -----------------------------
put("empty", b"")
put("trunc_magic.dlt", data[:3])
put("trunc_header.dlt", data[:30])
put("trunc_payload.dlt", data[:len(data) // 2 - 40])
put("trunc_last_byte.dlt", data[:-1])
put("trunc_zlib.dlt", zdata[:len(zdata) - 20])
for k in range(6):
    b = bytearray(data)
    pos = rng.randrange(len(b))
    b[pos] ^= 1 << rng.randrange(8)
    put("flip%d.dlt" % k, bytes(b))
for k in range(3):
    b = bytearray(zdata)
    pos = rng.randrange(60, len(b))
    b[pos] ^= 1 << rng.randrange(8)
    put("zflip%d.dlt" % k, bytes(b))
put("garbage.dlt", bytes(rng.randrange(256) for _ in range(4096)))
put("magic_then_garbage.dlt", b"\x89DLT" + bytes(rng.randrange(256) for _ in range(500)))
put("bad_dtype.dlt", record("x", "f64", [1, 1], struct.pack("<d", 1), dtype_code=9))
put("rank9.dlt", record("x", "f64", [1] * 9, struct.pack("<d", 1)))
# absurd shapes and sizes, with valid checksums
put("shape_overflow.dlt", record("x", "f64", [1 << 32, 1 << 32], b""))
put("shape_huge.dlt", record("x", "f32", [1 << 22, 1 << 22], b""))
put("payload_2e60.dlt", record("x", "u8", [8], b"12345678", payload_len=1 << 60))
put("zlib_claims_1tb.dlt", record("x", "f64", [1 << 27, 1024], b"\x00" * 64, 1))
put("zlib_bomb.dlt", record("x", "f64", [1 << 17, 64], b"\x00" * (8 << 20), 1))
# a deflated payload whose sum is right but whose deflate data is not
zbad = bytearray(zlib.compress(struct.pack("<4d", 1, 2, 3, 4)))
zbad[5] ^= 0xFF
put("zlib_corrupt_sum_ok.dlt", record("x", "f64", [4, 1], bytes(zbad), 1))
put("zero_rows.dlt", record("x", "f64", [0, 3], b"") + record("y", "f64", [0, 1], b""))
put("zero_cols.dlt", record("x", "f64", [4, 0], b"") + tensor("y", "f64", 4, [1, 0, 1, 0]))
# a chunk of x, then one of 2^40 rows of no bytes
put("x_then_2e40_empty_rows.dlt", tensor("x", "f64", 2, X[:4]) + record("x", "f64", [1 << 40, 0], b""))
# y of no columns beside a yhat of one, and the reverse: nothing to evaluate
put("y_no_cols.dlt", record("y", "f64", [4, 0], b"") + tensor("yhat", "f64", 4, [1, 0, 1, 0]))
put("yhat_no_cols.dlt", tensor("y", "f64", 4, [1, 0, 1, 0]) + record("yhat", "f64", [4, 0], b""))
# 2^40 rows of no columns alone, no bytes: a head of it keeps 2 of them
put("x_2e40_empty_rows.dlt", record("x", "f64", [1 << 40, 0], b""))
# no rows but 2^40 columns: no bytes, so no reader refuses it by size; a fit
# must not loop over the columns it cannot allocate
put("x_no_rows_2e40_wide.dlt", record("x", "f64", [0, 1 << 40], b"") + record("y", "f64", [0, 1], b""))
put("many_names.dlt", b"".join(tensor("n%d" % i, "u8", 0, [i % 256]) for i in range(1000)))

# ------------------------------ wrong records ------------------------------
put("only_x.dlt", tensor("x", "f64", ROWS, X))
put("only_y.dlt", tensor("y", "f64", ROWS, Y))
put("x_u8.dlt", tensor("x", "u8", ROWS, [i % 3 for i in range(ROWS * 2)]) +
    tensor("y", "f64", ROWS, Y))
put("x_rank3.dlt", record("x", "f64", [2, 2, 3], struct.pack("<12d", *X[:12])) +
    tensor("y", "f64", 2, [1, 0]))
put("rows_differ.dlt", tensor("x", "f64", ROWS, X) + tensor("y", "f64", ROWS - 2, Y[:-2]))
put("x_chunks_differ.dlt", tensor("x", "f64", 2, X[:4]) + tensor("x", "f64", 3, X[:3]))
put("x_f64_y_i32.dlt", tensor("x", "f64", ROWS, X) + tensor("y", "i32", ROWS, [2] * ROWS))
put("model_only.dlt", text("model", "kind: linear\n"))
put("model_garbage.dlt", text("model", "\x01\x02 kind: \xff\n"))
put("model_unknown_kind.dlt", text("model", "kind: forest\n") + tensor("w", "f64", 2, [1, 2]))
put("linear_no_w.dlt", text("model", "kind: linear\n"))
put("linear_w_rank1.dlt", text("model", "kind: linear\n") + tensor("w", "f64", 0, [1, 2]))
put("linear_w_nan.dlt", text("model", "kind: linear\n") +
    tensor("w", "f64", 3, [1, float("nan"), 2]))
put("linear_bad_design.dlt", text("model", "kind: linear\n") +
    text("design", "inputs: 2\ncolumns: 99999999999\nbias: 1\npoly: 40\n") +
    tensor("w", "f64", 3, [1, 2, 3]))
put("linear_design_garbage.dlt", text("model", "kind: linear\n") +
    text("design", "inputs: -1\nmean: nan nan\n\x00\x07") + tensor("w", "f64", 3, [1, 2, 3]))
NET = ("kind: network\nmodel:\n  input: 2\n  layers:\n    - {units: 3, activation: tanh}\n"
       "    - {units: 1, activation: sigmoid}\nloss: bce\n")
W1 = [0.1] * 6
put("net_ok.dlt", text("model", NET) + tensor("layer1.weight", "f32", 3, W1) +
    tensor("layer1.bias", "f32", 0, [0, 0, 0]) + tensor("layer2.weight", "f32", 1, [1, 1, 1]) +
    tensor("layer2.bias", "f32", 0, [0]))
put("linear_ok.dlt", text("model", "kind: linear\n") + tensor("w", "f64", 2, [1, 2]))
# layer1.bias again, after another record (a second copy) or right after
# itself (read as a second chunk of it, 6 biases for 3 units)
NET_LAYER1 = text("model", NET) + tensor("layer1.weight", "f32", 3, W1)
BIAS1 = tensor("layer1.bias", "f32", 0, [0, 0, 0])
LAYER2 = tensor("layer2.weight", "f32", 1, [1, 1, 1]) + tensor("layer2.bias", "f32", 0, [0])
put("net_bias_twice.dlt", NET_LAYER1 + BIAS1 + LAYER2 + BIAS1)
put("net_bias_chunked.dlt", NET_LAYER1 + BIAS1 + BIAS1 + LAYER2)
put("net_missing_layer.dlt", text("model", NET) + tensor("layer1.weight", "f32", 3, W1) +
    tensor("layer1.bias", "f32", 0, [0, 0, 0]))
put("net_wrong_shape.dlt", text("model", NET) + tensor("layer1.weight", "f32", 2, W1) +
    tensor("layer1.bias", "f32", 0, [0, 0, 0]) + tensor("layer2.weight", "f32", 1, [1, 1, 1]) +
    tensor("layer2.bias", "f32", 0, [0]))
put("net_nan_weight.dlt", text("model", NET) +
    tensor("layer1.weight", "f32", 3, [float("nan")] * 6) +
    tensor("layer1.bias", "f32", 0, [0, 0, 0]) + tensor("layer2.weight", "f32", 1, [1, 1, 1]) +
    tensor("layer2.bias", "f32", 0, [0]))
put("net_huge_units.dlt", text("model", NET.replace("units: 3", "units: 4000000000000")))
put("net_bad_yaml.dlt", text("model", "kind: network\nmodel: [\n"))
put("net_no_input.dlt", text("model", NET.replace("  input: 2\n", "")))
# a posterior half there, or with a negative noise variance: ystd would be
# dropped, or its square root clamped, unsaid
POST = text("model", "kind: linear\nposterior: 1\n") + tensor("w", "f64", 2, [1, 2])
put("linear_sigma2_no_cov.dlt", POST + tensor("sigma2", "f64", 0, [0.5]))
put("linear_cov_no_sigma2.dlt", POST + record("w_cov", "f64", [1, 2, 2],
                                              struct.pack("<4d", 1, 0, 0, 1)))
put("linear_negative_sigma2.dlt", POST + record("w_cov", "f64", [1, 2, 2],
                                                struct.pack("<4d", 1, 0, 0, 1)) +
    tensor("sigma2", "f64", 0, [-0.5]))
# y.names of more columns than the model has outputs: yhat would lose its
# names unsaid
put("linear_ynames_width.dlt", text("model", "kind: linear\n") + tensor("w", "f64", 2, [1, 2]) +
    text("y.names", "a\nb\n"))
put("net_ynames_width.dlt", text("model", NET) + tensor("layer1.weight", "f32", 3, W1) +
    tensor("layer1.bias", "f32", 0, [0, 0, 0]) + tensor("layer2.weight", "f32", 1, [1, 1, 1]) +
    tensor("layer2.bias", "f32", 0, [0]) + text("y.names", "a\nb\n"))
put("ckpt_as_data.dlt", text("model", "kind: linear\n") + tensor("w", "f64", 3, [1, 2, 3]))
put("yhat_only.dlt", tensor("yhat", "f64", ROWS, Y))
put("eval_rows_differ.dlt", tensor("y", "f64", ROWS, Y) + tensor("yhat", "f64", 3, Y[:3]))
put("eval_cols_differ.dlt", tensor("y", "f64", ROWS, Y) + tensor("yhat", "f64", ROWS // 2, Y))
put("partial_garbage.dlt", tensor("xtx", "f64", 2, [1, 2, 3, 4]) + text("partial", "rows: -3\n"))

# --------------------------------- NaN / Inf --------------------------------
NAN, INF = float("nan"), float("inf")
put("x_nan.dlt", tensor("x", "f64", ROWS, [NAN] + X[1:]) + tensor("y", "f64", ROWS, Y))
put("x_inf.dlt", tensor("x", "f64", ROWS, X[:-1] + [-INF]) + tensor("y", "f64", ROWS, Y))
put("y_nan.dlt", tensor("x", "f64", ROWS, X) + tensor("y", "f64", ROWS, Y[:-1] + [NAN]))
put("x_f32_beyond.dlt", tensor("x", "f64", ROWS, [1e300] + X[1:]) + tensor("y", "f64", ROWS, Y))
put("yhat_nan.dlt", tensor("y", "f64", ROWS, Y) + tensor("yhat", "f64", ROWS, [NAN] * ROWS))
put("nan.csv", "1,2,3\nnan,1,2\n")
put("inf.csv", "1,2,3\n4,inf,6\n")
put("huge_number.csv", "1,2,3\n1e999,1,2\n")

# ---------------------------- text that is not a table ----------------------------
put("empty.csv", "")
put("header_only.csv", "a,b,c\n")
put("ragged.csv", "1,2,3\n4,5\n")
put("control_chars.csv", "1,2,3\n4,\x01\x02,6\n")
put("escape_seq.csv", "a,b\n1,\x1b[31m2\n")
put("binary_garbage.csv", bytes(rng.randrange(1, 256) for _ in range(2048)))
put("nul_garbage.csv", bytes(rng.randrange(256) for _ in range(2048)))
put("long_line.csv", "1," * 30000 + "1\n")
put("quotes.csv", '"a,b\n1,2\n')
put("only_newlines.csv", "\n\n\n\n")
put("utf16.csv", "a,b\n1,2\n".encode("utf-16"))
put("svm_bad_index.svm", "1 0:1 2:3\n")
put("svm_neg_index.svm", "1 -4:1\n")
put("svm_garbage.svm", "1 a:b c\n")
put("svm_descending.svm", "1 3:1 2:1\n")
put("svm_huge_index.svm", "1 18446744073709551615:1\n")
put("npy_bad_magic.npy", b"\x93NUMPX\x01\x00" + b"\x10\x00" + b"{}".ljust(16))
put("npy_huge_shape.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) +
    "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"
    .ljust(117).encode() + b"\n")
put("npy_trunc.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) +
    "{'descr': '<f8', 'fortran_order': False, 'shape': (100, 2), }".ljust(117).encode() +
    b"\n" + b"\x00" * 24)
put("npy_object.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) +
    "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }".ljust(117).encode() + b"\n")
put("npy_header_garbage.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 60000) + b"{" * 100)

# --------------------------------- bad specs ---------------------------------
GOOD = ("model:\n  layers:\n    - {units: 3, activation: tanh}\n"
        "    - {units: 1, activation: sigmoid}\nloss: bce\ntraining: {epochs: 2, seed: 1}\n")
put("good.yaml", GOOD)
put("empty.yaml", "")
put("unclosed.yaml", "model: {layers: [\n")
put("tabs.yaml", "model:\n\tlayers: 1\n")
put("binary.yaml", bytes(rng.randrange(256) for _ in range(300)))
put("deep.yaml", "model: " + "[" * 20000 + "]" * 20000 + "\n")
put("deep_maps.yaml", "model: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n")
put("laughs.yaml", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n")
put("dup_keys.yaml", GOOD + "loss: mse\n")
put("huge_units.yaml", GOOD.replace("units: 3", "units: 100000000000000000000"))
put("many_units.yaml", GOOD.replace("units: 3", "units: 4000000000"))
put("neg_epochs.yaml", GOOD.replace("epochs: 2", "epochs: -2"))
put("nan_lr.yaml", GOOD + "optimizer: {name: adam, lr: .nan}\n")
put("control.yaml", GOOD.replace("tanh", "ta\x07nh"))
put("many_layers.yaml", "model:\n  layers:\n" + "    - {units: 1, activation: tanh}\n" * 100 +
    "loss: mse\n")
put("two_docs.yaml", GOOD + "---\n" + GOOD)
put("validation_nan.yaml", GOOD.replace("seed: 1", "seed: 1, validation: .inf"))
put("val_missing_file.yaml", GOOD.replace("seed: 1", "seed: 1, validation: /nonexistent/v.dlt"))

# -------------------------- bad dl-train logs for dl-plot --------------------------
put("log_garbage.tsv", bytes(rng.randrange(1, 256) for _ in range(600)))
put("log_header_only.tsv", "epoch\ttrain_loss\tval_loss\tlr\tseconds\tbest\tgrad_norm\n")
put("log_nan.tsv", "epoch\ttrain_loss\tval_loss\n1\tnan\tinf\n2\t-inf\tnan\n")
put("log_ragged.tsv", "epoch\ttrain_loss\n1\t0.5\t9\t9\n2\n")

put("svm_bomb.svm", "1 16777216:1\n")
put("svm_bomb_rows.svm", "1 1:1\n" * 50 + "1 9000000:1\n")

# ------------------------ column metadata (colmeta.h) ------------------------
put("meta_names_count.dlt", text("x.names", "a\n") + data)
put("meta_categories_unsorted.dlt", text("x.categories", "0\tb\ta\n") + data)
put("meta_categories_beyond.dlt", text("x.categories", "5\ta\n") + data)
put("meta_code_range.dlt", text("x.categories", "0\thi\tlo\n") + tensor("x", "f64", 2, [0.0, 1.0, 7.0, 1.0]))
put("meta_names_differ.dlt", text("x.names", "a\nb\n") + data + text("x.names", "a\nc\n"))
put("meta_names_binary.dlt", record("x.names", "f64", [2], struct.pack("<2d", 1, 2)) + data)
put("meta_after_rows.dlt", data + text("x.names", "a\nb\n"))
put("strings_mixed.csv", "a,b\n1,x\n2,3\n")
put("weight_negative.csv", "a,w\n1,1\n2,-1\n")
