"""Chapter 10: the numpy LSTM against torch.nn.LSTM, and the assignment's LSTM classifier trained on each device.

    .venv/bin/python bench/bench_ch10-rnns.py                 # quick: well under a minute on a laptop CPU
    DLBOOK_FULL=1 .venv/bin/python bench/bench_ch10-rnns.py   # full size (meant for a GPU machine)

The code under test is the assignment's solution (solutions/ch10-rnns/ch10-rnns.ipynb: the setup cell,
``lstm_cell``, ``LSTMClassifier`` and ``train_lstm``), executed from the notebook so that there is a single copy
of it. Every tensor is moved to the device explicitly.

1. LSTM forward. The numpy ``lstm_cell`` stepped over a sequence vs ``torch.nn.LSTM`` with the same weights, on the
   shapes of the chapter (the forecaster: 50 steps of 1 input, 32 units, batch 32; the character model: 48 steps of
   96 one-hot inputs, 128 units, batch 32; at full size also a 256-unit model on 256 steps): milliseconds per
   forward call on each device, and the largest difference from the numpy result (float64 on the CPU; float32 on
   the GPU, so agreement to float32 rounding).
2. Training. ``train_lstm`` (Adam, global-norm clipping) on the noisy-sine frequency task of Part 6 (600 sequences
   of 30 steps, 20 epochs; 4800 sequences, 64 units at full size) on each device: seconds per epoch, final training
   loss, test accuracy, and the CPU/GPU difference of the final loss (the same seed; GPU kernels round differently,
   so the two runs agree closely but not bit for bit).

Without CUDA the GPU columns say so; the CPU runs with one thread by default (the page's setting for its small
tensors) and with all threads at full size.
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
from bench.common import best_time, devices, solution_namespace, sync  # noqa: E402


def numpy_lstm(ns: dict, X, h0, c0, weights):
    h, c, out = h0, c0, []
    for t in range(X.shape[0]):
        h, c = ns["lstm_cell"](X[t], h, c, *weights)
        out.append(h)
    return np.stack(out)


def bench_forward(ns: dict, full: bool) -> None:
    budget, repeats = (0.5, 5) if full else (0.2, 3)
    # (label, T, N, D, H)
    cases = [("forecaster (T=50, N=32, D=1, H=32)", 50, 32, 1, 32),
             ("character model (T=48, N=32, D=96, H=128)", 48, 32, 96, 128)]
    if full:
        cases.append(("wide and long (T=256, N=64, D=96, H=256)", 256, 64, 96, 256))
    devs = devices()
    print("1. LSTM forward over a sequence, milliseconds per call (numpy: float64; torch: float32)")
    print(f"   {'shapes':<44}{'numpy':>10}" + "".join(f"{'torch ' + d.type:>12}" for d in devs)
          + "   max |numpy - torch| per device")
    rng = np.random.default_rng(0)
    for label, T, N, D, H in cases:
        torch.manual_seed(0)
        lstm = torch.nn.LSTM(D, H)                                   # time first, as the numpy loop
        weights = [p.detach().double().numpy() for p in (lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0,
                                                         lstm.bias_hh_l0)]
        X = rng.normal(size=(T, N, D))
        h0, c0 = np.zeros((N, H)), np.zeros((N, H))
        t_numpy = 1000 * best_time(lambda: numpy_lstm(ns, X, h0, c0, weights), budget, repeats)
        reference = numpy_lstm(ns, X, h0, c0, weights)
        times, diffs = [], []
        for dev in devs:
            model = lstm.to(dev)
            x = torch.tensor(X, dtype=torch.float32, device=dev)
            with torch.no_grad():
                times.append(1000 * best_time(lambda: model(x), budget, repeats, lambda: sync(dev)))
                out = model(x)[0].double().cpu().numpy()
            diffs.append(f"{dev.type} {np.abs(out - reference).max():.1e}")
        print(f"   {label:<44}{t_numpy:>10.2f}" + "".join(f"{t:>12.2f}" for t in times) + "   " + ", ".join(diffs))
        print(f"   {'':<44}numpy / torch cpu: {t_numpy / times[0]:.1f}x"
              + (f"; torch cpu / cuda: {times[0] / times[1]:.1f}x" if len(times) > 1 else ""))


def bench_training(ns: dict, full: bool) -> None:
    n_train, n_hidden, epochs = (4800, 64, 20) if full else (600, 16, 20)
    X, y = ns["frequency_task"](n_train, seed=0)
    X_test, y_test = ns["frequency_task"](1000 if full else 300, seed=1)
    print(f"\n2. train_lstm on the frequency task: {n_train} sequences of 30 steps, {n_hidden} units, {epochs} epochs, "
          "Adam lr 0.01, batch 32, clipping at norm 1")
    print(f"   {'device':<8}{'s/epoch':>10}{'final loss':>12}{'test acc':>10}")
    final = {}
    for dev in devices():
        sync(dev)
        start = time.perf_counter()
        model, losses = ns["train_lstm"](X, y, n_hidden=n_hidden, epochs=epochs, device=dev.type, seed=0)
        sync(dev)
        per_epoch = (time.perf_counter() - start) / epochs
        with torch.no_grad():
            acc = float((model(X_test).argmax(1) == y_test).float().mean())
        final[dev.type] = losses[-1]
        print(f"   {dev.type:<8}{per_epoch:>10.3f}{losses[-1]:>12.4f}{acc:>10.3f}")
    if "cuda" in final:
        print(f"   final-loss agreement: |cpu - cuda| = {abs(final['cpu'] - final['cuda']):.2e} "
              f"(relative {abs(final['cpu'] - final['cuda']) / max(final['cpu'], 1e-12):.1%})")
    else:
        print("   no CUDA device on this machine: GPU timings and the CPU/GPU agreement were not measured")


def main() -> None:
    full = dlbook.full_size()
    threads = torch.get_num_threads()
    print(f"device: {dlbook.describe(dlbook.device())}; devices benchmarked: {', '.join(d.type for d in devices())}; "
          f"full size (DLBOOK_FULL): {full}")
    dlbook.seed_everything(0)
    ns = solution_namespace("ch10-rnns", ("setup", "lstm_cell", "train_lstm"))     # its setup cell sets one thread
    torch.set_num_threads(threads if full else 1)
    print(f"CPU threads: {torch.get_num_threads()}")
    bench_forward(ns, full)
    bench_training(ns, full)


if __name__ == "__main__":
    main()
