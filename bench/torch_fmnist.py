#!/usr/bin/env python3
"""bench/torch_fmnist.py: the PyTorch side of `make bench`: an MLP 784-128-10 (ReLU) trained
with Adam on the full Fashion-MNIST, reading the same IDX files as entroscape (pixels / 255,
no other preprocessing), minibatches reshuffled every epoch, the last partial batch kept.

Prints `name value` lines: seconds per epoch of minibatch steps (mean over epochs), seconds
per evaluation of both full splits, and the final train / test loss and accuracy.

    python3 bench/torch_fmnist.py [--data data] [--epochs 10] [--threads 2] [--batch 128]
                                  [--lr 1e-3] [--seed 1] [--dtype float32|float64]
"""
import argparse
import gzip
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch


def read_idx(path):
    """An IDX file (gzip or plain) as a numpy uint8 array of the shape its header gives."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    if magic >> 8 != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file (magic {magic:#010x})")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims)


def find(data_dir, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(data_dir, "fashion-mnist", name)
        if os.path.exists(p):
            return p
    sys.exit(f"{data_dir}/fashion-mnist/{stem}(.gz) missing: run scripts/fetch-data.sh")


def load(data_dir, split, dtype):
    images = read_idx(find(data_dir, f"{split}-images-idx3-ubyte"))
    labels = read_idx(find(data_dir, f"{split}-labels-idx1-ubyte"))
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float64) / 255.0).to(dtype)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


@torch.no_grad()
def evaluate(model, x, y, loss_fn, batch=1024):
    total, correct = 0.0, 0
    for i in range(0, len(x), batch):
        logits = model(x[i:i + batch])
        total += loss_fn(logits, y[i:i + batch]).item() * len(logits)
        correct += (logits.argmax(1) == y[i:i + batch]).sum().item()
    return total / len(x), correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="data")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dtype = getattr(torch, a.dtype)
    xtr, ytr = load(a.data, "train", dtype)
    xte, yte = load(a.data, "t10k", dtype)
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10)).to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    step_times, eval_times = [], []
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(len(xtr))
        xs, ys = xtr[perm], ytr[perm]   # one gather per epoch, then contiguous slices
        for i in range(0, len(xs), a.batch):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xs[i:i + a.batch]), ys[i:i + a.batch])
            loss.backward()
            opt.step()
        step_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        tr = evaluate(model, xtr, ytr, loss_fn)
        te = evaluate(model, xte, yte, loss_fn)
        eval_times.append(time.perf_counter() - t0)
        print(f"# epoch {epoch + 1}: {step_times[-1]:.3f} s steps, train loss {tr[0]:.4f} "
              f"acc {tr[1]:.4f}, test loss {te[0]:.4f} acc {te[1]:.4f}", file=sys.stderr)
    print(f"torch_version {torch.__version__}")
    print(f"torch_threads {torch.get_num_threads()}")
    print(f"torch_dtype {a.dtype}")
    print(f"torch_seconds_per_epoch {statistics.mean(step_times):.4f}")
    print(f"torch_seconds_per_eval {statistics.mean(eval_times):.4f}")
    print(f"torch_train_loss {tr[0]:.5f}")
    print(f"torch_train_accuracy {tr[1]:.4f}")
    print(f"torch_test_loss {te[0]:.5f}")
    print(f"torch_test_accuracy {te[1]:.4f}")


if __name__ == "__main__":
    main()
