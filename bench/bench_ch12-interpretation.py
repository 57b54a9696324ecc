"""Chapter 12: time per batch of the attacks and the attribution maps, on the CPU and, when present, CUDA.

    .venv/bin/python bench/bench_ch12-interpretation.py                 # quick: seconds on a laptop CPU
    DLBOOK_FULL=1 .venv/bin/python bench/bench_ch12-interpretation.py   # a wider CNN, larger batches (for a GPU)

The code under test is the assignment's solution (solutions/ch12-interpretation/ch12-interpretation.ipynb:
``saliency_map``, ``occlusion_map``, ``fgsm``, ``targeted_masked_attack``), executed from the notebook so that there
is a single copy of it, on a ``dlbook.models.DigitsCNN`` trained for one epoch on each device. Each row is the best
mean time of one call on a batch of 8x8 digits (tiled to the batch size). The last column, the accuracy of the model
on FGSM images with eps = 0.1, checks that every device runs the same attack on the same (seeded) network.
At the default sizes the network is tiny and per-call overhead decides; occlusion (49 forward passes) and the
20-step targeted attack are where a GPU has room to gain at full size. The assignment's functions are specified for
8x8 digits, so the benchmark stays on the digits at full size too; the page's MNIST run (``DLBOOK_FULL=1`` with the
MNIST files in ``dlbook.data.data_folder()``) is timed with the page, by ``bench/bench_chapters.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dlbook  # noqa: E402
from bench.common import best_time, devices, solution_namespace, sync  # noqa: E402
from dlbook.models import accuracy, digits_tensors, train_digits_cnn  # noqa: E402

FULL = dlbook.full_size()
BATCH = 4096 if FULL else 256
CHANNELS = 64 if FULL else 16
PARTS = ("setup", "saliency_map", "occlusion_map", "fgsm", "accuracy_under_attack", "targeted_masked_attack")


def main() -> None:
    torch.set_num_threads(1 if not FULL else torch.get_num_threads())
    ns = solution_namespace("ch12-interpretation", PARTS)
    print(f"batch {BATCH} digits, DigitsCNN({CHANNELS}); seconds per batch (best of 3)")
    print(f"{'device':<8}{'saliency':>10}{'occlusion':>11}{'FGSM':>10}{'targeted x20':>14}{'FGSM acc':>10}")
    mask = torch.zeros(1, 1, 8, 8)
    mask[..., 3:5, :] = 1.0
    for dev in devices():
        _, X_test, _, y_test = digits_tensors(dev)
        reps = -(-BATCH // len(X_test))
        X, y = X_test.repeat(reps, 1, 1, 1)[:BATCH], y_test.repeat(reps)[:BATCH]
        model = train_digits_cnn(dev, epochs=1, channels=CHANNELS)
        target = torch.zeros(BATCH, dtype=torch.long, device=dev)
        m = mask.to(dev)
        s = lambda: sync(dev)  # noqa: E731
        times = [best_time(lambda: ns["saliency_map"](model, X, y), 0.2, 3, s),
                 best_time(lambda: ns["occlusion_map"](model, X, y), 0.2, 3, s),
                 best_time(lambda: ns["fgsm"](model, X, y, 0.1), 0.2, 3, s),
                 best_time(lambda: ns["targeted_masked_attack"](model, X, target, m, 20, 0.05), 0.2, 3, s)]
        acc = accuracy(model, ns["fgsm"](model, X, y, 0.1), y)
        print(f"{dev.type:<8}" + "".join(f"{t:>{w}.4f}" for t, w in zip(times, (10, 11, 10, 14))) + f"{acc:>10.3f}")


if __name__ == "__main__":
    main()
