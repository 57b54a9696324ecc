"""Chapter 11: the autoencoder and the RBM, numpy against torch, time per epoch on the CPU and, when present, CUDA.

    .venv/bin/python bench/bench_ch11-autoencoders.py                 # quick: well under a minute on a laptop CPU
    DLBOOK_FULL=1 .venv/bin/python bench/bench_ch11-autoencoders.py   # wider layers, more data (meant for a GPU)

The numpy code under test is the assignment's solution (solutions/ch11-autoencoders/ch11-autoencoders.ipynb:
``ae_backward``, ``cd1_update``, ``rbm_reconstruction_error``), executed from the notebook so that there is a single
copy of it. The torch versions are the same formulas (the autoencoder through autograd, CD-1 written out), with
every tensor on the device named in the table.

1. Autoencoder (sigmoid, 64-K-64 on the digits; K = 32, or 256 at full size): one epoch of minibatch gradient
   descent (batch 64) with numpy and with torch on each device, and the training loss after the timed epochs.
2. RBM (64-K binary units): one epoch of CD-1 with minibatches of 20, numpy and torch on each device, and the
   reconstruction error afterwards.

At the small default sizes the matrices are tiny and per-call overhead decides: expect numpy to be ahead of torch on
the CPU and a GPU to gain little; the full size (wider layers, more data) is where a GPU can pay off. The final loss
and reconstruction error columns check that every implementation trains the same model (they agree up to the
random draws, which differ between numpy and torch).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dlbook  # noqa: E402
import dlbook.data  # noqa: E402
from bench.common import devices, solution_namespace, sync  # noqa: E402

FULL = dlbook.full_size()
HIDDEN = 256 if FULL else 32
REPEATS = 4 if FULL else 3          # data tiled this many times at full size (more examples per epoch)


def data() -> np.ndarray:
    X = dlbook.data.digits(seed=0).X_train.astype(np.float64)
    return np.tile(X, (REPEATS if FULL else 1, 1))


def numpy_ae_epoch(ns, X, params, lr, batch, rng) -> None:
    order = rng.permutation(len(X))
    for s in range(0, len(X), batch):
        Xb = X[order[s:s + batch]]
        _, *grads = ns["ae_backward"](Xb, *params)
        for p, g in zip(params, grads):
            p -= lr * g


def torch_ae_epoch(X, params, lr, batch, gen) -> None:
    order = torch.randperm(len(X), generator=gen).to(X.device)
    for idx in order.split(batch):
        Xb = X[idx]
        W1, b1, W2, b2 = params
        X_hat = torch.sigmoid(torch.sigmoid(Xb @ W1 + b1) @ W2 + b2)
        loss = 0.5 * ((X_hat - Xb) ** 2).sum() / len(Xb)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= lr * g


@torch.no_grad()
def ae_loss(X, params) -> float:
    W1, b1, W2, b2 = params
    X_hat = torch.sigmoid(torch.sigmoid(X @ W1 + b1) @ W2 + b2)
    return float(0.5 * ((X_hat - X) ** 2).sum() / len(X))


def bench_autoencoder(ns, X, epochs: int) -> None:
    print(f"1. Autoencoder 64-{HIDDEN}-64, {len(X)} digits, minibatches of 64, {epochs} epochs: seconds per epoch")
    print(f"   {'implementation':<22}{'s/epoch':>10}{'final loss':>12}")
    rng0 = np.random.default_rng(0)
    init = [rng0.normal(0, 0.1, (64, HIDDEN)), np.zeros(HIDDEN), rng0.normal(0, 0.1, (HIDDEN, 64)), np.zeros(64)]
    params = [p.copy() for p in init]
    rng = np.random.default_rng(1)
    numpy_ae_epoch(ns, X, params, 0.5, 64, rng)         # warm-up
    start = time.perf_counter()
    for _ in range(epochs):
        numpy_ae_epoch(ns, X, params, 0.5, 64, rng)
    per = (time.perf_counter() - start) / epochs
    print(f"   {'numpy (float64)':<22}{per:>10.4f}{ns['ae_backward'](X, *params)[0]:>12.4f}")
    for dev in devices():
        for dtype in (torch.float64, torch.float32):
            Xt = torch.tensor(X, dtype=dtype, device=dev)
            ps = [torch.tensor(p, dtype=dtype, device=dev, requires_grad=True) for p in init]
            gen = torch.Generator().manual_seed(1)
            torch_ae_epoch(Xt, ps, 0.5, 64, gen)
            sync(dev)
            start = time.perf_counter()
            for _ in range(epochs):
                torch_ae_epoch(Xt, ps, 0.5, 64, gen)
            sync(dev)
            per = (time.perf_counter() - start) / epochs
            name = f"torch {dev.type} {str(dtype).split('.')[-1]}"
            print(f"   {name:<22}{per:>10.4f}{ae_loss(Xt, ps):>12.4f}")


def numpy_rbm_epoch(ns, V, W, b, c, lr, batch, rng):
    order = rng.permutation(len(V))
    for s in range(0, len(V), batch):
        V0 = V[order[s:s + batch]]
        W, b, c = ns["cd1_update"](V0, W, b, c, lr, rng.random((len(V0), W.shape[1])), rng.random(V0.shape))
    return W, b, c


def torch_rbm_epoch(V, W, b, c, lr, batch, gen):
    order = torch.randperm(len(V), generator=gen).to(V.device)
    for idx in order.split(batch):
        V0 = V[idx]
        P0 = torch.sigmoid(V0 @ W + c)
        H0 = (torch.rand(P0.shape, device=V.device, dtype=V.dtype) < P0).to(V.dtype)
        V1 = (torch.rand(V0.shape, device=V.device, dtype=V.dtype) < torch.sigmoid(H0 @ W.T + b)).to(V.dtype)
        P1 = torch.sigmoid(V1 @ W + c)
        W = W + lr * (V0.T @ P0 - V1.T @ P1) / len(V0)
        b = b + lr * (V0 - V1).mean(0)
        c = c + lr * (P0 - P1).mean(0)
    return W, b, c


def bench_rbm(ns, X, epochs: int) -> None:
    V = (X > 0.5).astype(np.float64)
    print(f"\n2. RBM 64-{HIDDEN}, CD-1, {len(V)} binary digits, minibatches of 20, {epochs} epochs: seconds per epoch")
    print(f"   {'implementation':<22}{'s/epoch':>10}{'recon error':>12}")
    rng0 = np.random.default_rng(0)
    W0, b0, c0 = rng0.normal(0, 0.01, (64, HIDDEN)), np.zeros(64), np.zeros(HIDDEN)
    rng = np.random.default_rng(1)
    W, b, c = numpy_rbm_epoch(ns, V, W0, b0, c0, 0.05, 20, rng)
    start = time.perf_counter()
    for _ in range(epochs):
        W, b, c = numpy_rbm_epoch(ns, V, W, b, c, 0.05, 20, rng)
    per = (time.perf_counter() - start) / epochs
    print(f"   {'numpy (float64)':<22}{per:>10.4f}{ns['rbm_reconstruction_error'](V, W, b, c):>12.3f}")
    for dev in devices():
        torch.manual_seed(1)
        for dtype in (torch.float64, torch.float32):
            Vt = torch.tensor(V, dtype=dtype, device=dev)
            Wt, bt, ct = (torch.tensor(a, dtype=dtype, device=dev) for a in (W0, b0, c0))
            gen = torch.Generator().manual_seed(1)
            Wt, bt, ct = torch_rbm_epoch(Vt, Wt, bt, ct, 0.05, 20, gen)
            sync(dev)
            start = time.perf_counter()
            for _ in range(epochs):
                Wt, bt, ct = torch_rbm_epoch(Vt, Wt, bt, ct, 0.05, 20, gen)
            sync(dev)
            per = (time.perf_counter() - start) / epochs
            err = ns["rbm_reconstruction_error"](V, *(a.double().cpu().numpy() for a in (Wt, bt, ct)))
            print(f"   {'torch ' + dev.type + ' ' + str(dtype).split('.')[-1]:<22}{per:>10.4f}{err:>12.3f}")


def main() -> None:
    if not FULL:
        torch.set_num_threads(1)
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    print(f"device: {dlbook.describe(dlbook.device())}; devices benchmarked: {', '.join(d.type for d in devices())}; "
          f"{'full size' if FULL else 'quick run'} (DLBOOK_FULL={'1' if FULL else 'unset'}); "
          f"CPU threads: {torch.get_num_threads()}")
    ns = solution_namespace("ch11-autoencoders", ("setup", "ae_forward", "ae_backward", "rbm_conditionals",
                                                  "cd1_update", "train_rbm"))
    X = data()
    epochs = 10 if FULL else 3
    bench_autoencoder(ns, X, epochs)
    bench_rbm(ns, X, epochs)
    if not torch.cuda.is_available():
        print("\n   no CUDA device on this machine: the GPU rows were not measured")


if __name__ == "__main__":
    main()
