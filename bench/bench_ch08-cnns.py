"""Chapter 8: the reference NumPy conv2d (im2col) against torch's CPU conv2d, and the digits CNN per device.

    .venv/bin/python bench/bench_ch08-cnns.py                 # quick: about 20 s on a laptop CPU
    DLBOOK_FULL=1 .venv/bin/python bench/bench_ch08-cnns.py   # more repeats and epochs (meant for a GPU machine)

1. conv2d. The reference is the assignment's solution (``conv_output_size``, ``im2col`` and ``conv2d`` in
   solutions/ch08-cnns/ch08-cnns.ipynb), executed from the notebook so that there is a single copy of it. It is
   timed against ``torch.nn.functional.conv2d`` on the layer shapes that Chapter 8 uses, in float32 (what the
   networks use) and float64 (NumPy's default), both on one CPU thread: ``torch.set_num_threads(1)`` and
   threadpoolctl for NumPy's BLAS. A time is the best, over several repeats, of the mean of a batch of calls; the
   ratio is NumPy's time over torch's. Target (issue 6): within 3x, judged on the geometric mean over all shapes
   and both dtypes; every shape is printed, so the worst one is visible too.
2. conv2d_backward. The assignment's backward pass (im2col, two matrix products and a col2im over the kernel
   offsets) against one ``torch.autograd.grad`` of ``conv2d`` on the same shapes, float64 (the solution computes
   in float64), one CPU thread; the three gradients are checked equal and the ratio of times printed.
3. Training. The assignment's ``train_cnn`` (two conv/ReLU/max-pool blocks and a linear layer, Adam with cosine
   decay) on the digits, on the CPU and, when CUDA is available, on the GPU: time per epoch and test accuracy on
   each device. The accuracies should agree to within a few test images (GPU kernels round differently).
"""
from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dlbook  # noqa: E402
from bench.common import best_time, solution_namespace  # noqa: E402

TARGET = 3.0

# (label, input shape (N, C, H, W), weight shape (K, C, P, Q), stride, padding)
SHAPES = [
    ("8.3 worked example, stride 2", (2, 3, 7, 9), (4, 3, 3, 3), 2, 1),
    ("8.4/8.7 digits CNN, layer 1", (64, 1, 8, 8), (16, 1, 3, 3), 1, 1),
    ("8.7 digits CNN, layer 2", (64, 16, 4, 4), (32, 16, 3, 3), 1, 1),
    ("assignment CNN, layer 1", (32, 1, 8, 8), (32, 1, 3, 3), 1, 1),
    ("assignment CNN, layer 2", (32, 32, 4, 4), (64, 32, 3, 3), 1, 1),
    ("8.6 LeNet-5 conv1 (batch 64)", (64, 1, 32, 32), (6, 1, 5, 5), 1, 0),
    ("8.6 LeNet-5 conv2 (batch 64)", (64, 6, 14, 14), (16, 6, 5, 5), 1, 0),
    ("8.3 decks' 32x32x3, P=5, K=8, z=2", (8, 3, 32, 32), (8, 3, 5, 5), 1, 2),
    ("8.5 Sobel on the grey photograph", (1, 1, 213, 320), (1, 1, 3, 3), 1, 0),
]


def reference_functions() -> dict:
    return solution_namespace("ch08-cnns", ("setup", "conv_output_size", "im2col", "conv2d", "conv2d_backward",
                                            "train_cnn"))


def bench_conv(ns: dict, full: bool) -> list[float]:
    conv2d = ns["conv2d"]
    rng = np.random.default_rng(0)
    budget, repeats = (0.2, 7) if full else (0.04, 5)
    ratios = []
    print(f"{'layer':<36}{'x':<18}{'w':<16}{'s':>2}{'z':>3}  {'dtype':<8}{'numpy':>10}{'torch':>10}{'ratio':>7}"
          f"{'max |diff|':>12}")
    for dtype in (np.float32, np.float64):
        for label, xs, ws, s, z in SHAPES:
            x = rng.normal(size=xs).astype(dtype)
            w = rng.normal(size=ws).astype(dtype)
            b = rng.normal(size=ws[0]).astype(dtype)
            xt, wt, bt = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
            with torch.no_grad():
                ref = torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=z).numpy()
                t_torch = best_time(lambda: torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=z),
                                    budget, repeats)
            # The reference keeps float32 inputs in float32 and computes everything else in float64.
            diff = float(np.abs(conv2d(x, w, b, stride=s, padding=z) - ref).max())
            t_numpy = best_time(lambda: conv2d(x, w, b, stride=s, padding=z), budget, repeats)
            ratio = t_numpy / t_torch
            ratios.append(ratio)
            print(f"{label:<36}{str(xs):<18}{str(ws):<16}{s:>2}{z:>3}  {np.dtype(dtype).name:<8}"
                  f"{t_numpy * 1e3:>8.3f}ms{t_torch * 1e3:>8.3f}ms{ratio:>7.2f}{diff:>12.1e}")
    return ratios


def bench_backward(ns: dict, full: bool) -> list[float]:
    backward = ns["conv2d_backward"]
    rng = np.random.default_rng(1)
    budget, repeats = (0.2, 7) if full else (0.04, 5)
    ratios = []
    print(f"{'layer (backward pass)':<36}{'x':<18}{'w':<16}{'s':>2}{'p':>3}  {'numpy':>10}{'torch':>10}{'ratio':>7}"
          f"{'max |diff|':>12}")
    for label, xs, ws, s, p in SHAPES:
        x, w = rng.normal(size=xs), rng.normal(size=ws)
        xt = torch.tensor(x, requires_grad=True)
        wt = torch.tensor(w, requires_grad=True)
        bt = torch.zeros(ws[0], dtype=torch.float64, requires_grad=True)
        out = torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=p)
        g = rng.normal(size=tuple(out.shape))
        gt = torch.from_numpy(g)
        ref = torch.autograd.grad(out, (xt, wt, bt), gt, retain_graph=True)
        ours = backward(x, w, g, stride=s, padding=p)
        diff = max(float(np.abs(a - b.numpy()).max()) for a, b in zip(ours, ref))
        t_torch = best_time(lambda: torch.autograd.grad(out, (xt, wt, bt), gt, retain_graph=True), budget, repeats)
        t_numpy = best_time(lambda: backward(x, w, g, stride=s, padding=p), budget, repeats)
        ratios.append(t_numpy / t_torch)
        print(f"{label:<36}{str(xs):<18}{str(ws):<16}{s:>2}{p:>3}  {t_numpy * 1e3:>8.3f}ms{t_torch * 1e3:>8.3f}ms"
              f"{ratios[-1]:>7.2f}{diff:>12.1e}")
    return ratios


def bench_training(ns: dict, full: bool) -> None:
    import dlbook.data

    X_train, X_test, y_train, y_test = dlbook.data.digits(flatten=False, seed=0)
    epochs = 12
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    results = {}
    for dev in devices:
        runs = []
        for _ in range(3 if full else 1):
            if dev == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            model = ns["train_cnn"](X_train, y_train, epochs=epochs, seed=0, device=dev)
            if dev == "cuda":
                torch.cuda.synchronize()
            runs.append(time.perf_counter() - start)
        acc = ns["accuracy_of"](model, X_test, y_test)
        results[dev] = (min(runs) / epochs, acc)
        print(f"train_cnn on {dlbook.describe(torch.device(dev))}: {min(runs) / epochs * 1e3:.1f} ms per epoch "
              f"({epochs} epochs, best of {len(runs)}), test accuracy {acc:.4f}")
    if "cuda" in results:
        (t_cpu, a_cpu), (t_gpu, a_gpu) = results["cpu"], results["cuda"]
        agree = abs(a_cpu - a_gpu) <= 3 / len(y_test)
        print(f"GPU vs CPU: {t_cpu / t_gpu:.1f}x faster per epoch; accuracies {a_cpu:.4f} vs {a_gpu:.4f} "
              f"({'agree' if agree else 'DIFFER'} within 3 test images)")
    else:
        print("no CUDA device on this machine: GPU timings not measured")


def main() -> None:
    full = dlbook.full_size()
    ns = reference_functions()  # its setup cell sets torch and NumPy's BLAS to one thread
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs; {dlbook.describe(torch.device('cpu'))}; "
          f"numpy {np.__version__}; full size: {full}")
    ratios = bench_conv(ns, full)
    geo = float(np.exp(np.mean(np.log(ratios))))
    within = sum(r <= TARGET for r in ratios)
    print(f"numpy/torch time ratio: geometric mean {geo:.2f}, median {np.median(ratios):.2f}, "
          f"worst {max(ratios):.2f}; {within} of {len(ratios)} within {TARGET:.0f}x "
          f"(target on the geometric mean: {'met' if geo <= TARGET else 'NOT met'})")
    back = bench_backward(ns, full)
    print(f"backward pass, numpy/torch time ratio: geometric mean {float(np.exp(np.mean(np.log(back)))):.2f}, "
          f"worst {max(back):.2f}")
    bench_training(ns, full)


if __name__ == "__main__":
    main()
