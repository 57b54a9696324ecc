"""Chapter 9: the architectures' sizes, ResNet blocks and the degradation twins on the CPU and, when present, CUDA.

    .venv/bin/python bench/bench_ch09-architectures.py                 # quick: under a minute on a laptop CPU
    DLBOOK_FULL=1 .venv/bin/python bench/bench_ch09-architectures.py   # full size (meant for a GPU machine)

The code under test is the assignment's solution (solutions/ch09-architectures/ch09-architectures.ipynb: the setup
cell, ``residual_block``, ``bottleneck_block``, ``conv_params``, ``resnet_params`` and ``make_deep_net``), executed
from the notebook so that there is a single copy of it. Every tensor is moved to the device explicitly.

1. Sizes. ``resnet_params`` (a formula) for ResNet-18 ... ResNet-152, next to the counts printed in Chapter 9.
2. Blocks. ``residual_block`` and ``bottleneck_block`` at the sizes of ResNet-50's stages (batch 8; 32 at full size):
   time per forward call on each device, and the largest difference between the devices' outputs (they should
   agree to float32 rounding).
3. Training. The degradation experiment of section 9.5: the plain network and its residual twin (20 layers; 56 at
   full size) trained with ``dlbook.train.fit`` on the data the page uses (the digits; at full size MNIST when its
   files are in ``dlbook.data.data_folder()``, 20,000 training images as on the page), on each device: seconds per epoch, final training
   loss and training accuracy. The plain net should end far above its twin on every device, and the devices should
   agree to within the noise of GPU rounding.

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
import dlbook.data  # noqa: E402
import dlbook.train  # noqa: E402

# The counts Chapter 9 prints for its own torch modules (PyTorch's count, section 9.5).
PAGE_COUNTS = {18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160, 152: 60_192_808}
RESNET_LAYERS = {18: ("basic", [2, 2, 2, 2]), 34: ("basic", [3, 4, 6, 3]), 50: ("bottleneck", [3, 4, 6, 3]),
                 101: ("bottleneck", [3, 4, 23, 3]), 152: ("bottleneck", [3, 8, 36, 3])}


def bench_sizes(ns: dict) -> None:
    print("1. ResNet parameters by formula (the assignment's resnet_params) vs the chapter's torch modules")
    for depth, (block, layers) in RESNET_LAYERS.items():
        got = ns["resnet_params"](block, layers)
        print(f"   ResNet-{depth:<4} {got:>12,}  chapter {PAGE_COUNTS[depth]:>12,}  "
              f"{'agree' if got == PAGE_COUNTS[depth] else 'DIFFER'}")


def block_params(rng, c_in, c_mid, c_out, bottleneck: bool, proj: bool) -> dict:
    t = lambda *shape: torch.tensor(rng.normal(size=shape), dtype=torch.float32)  # noqa: E731
    if bottleneck:
        p = {"conv1": 0.1 * t(c_mid, c_in, 1, 1), "conv2": 0.1 * t(c_mid, c_mid, 3, 3),
             "conv3": 0.1 * t(c_out, c_mid, 1, 1)}
        widths = {"bn1": c_mid, "bn2": c_mid, "bn3": c_out}
    else:
        p = {"conv1": 0.1 * t(c_out, c_in, 3, 3), "conv2": 0.1 * t(c_out, c_out, 3, 3)}
        widths = {"bn1": c_out, "bn2": c_out}
    if proj:
        p["proj"] = 0.1 * t(c_out, c_in, 1, 1)
        widths["proj_bn"] = c_out
    for name, c in widths.items():
        p[f"{name}_weight"], p[f"{name}_bias"] = 1 + 0.1 * t(c), 0.1 * t(c)
    return p


def bench_blocks(ns: dict, full: bool) -> None:
    batch = 32 if full else 8
    budget, repeats = (0.5, 5) if full else (0.2, 3)
    # (label, function, bottleneck?, C_in, C_mid, C_out, H, stride)
    cases = [("basic, stage 2 of ResNet-18 (128 ch, 28x28)", "residual_block", False, 128, 128, 128, 28, 1),
             ("basic, down-sampling 128 -> 256 (28 -> 14)", "residual_block", False, 128, 256, 256, 28, 2),
             ("bottleneck, stage 1 of ResNet-50 (256 ch, 56x56)", "bottleneck_block", True, 256, 64, 256, 56, 1),
             ("bottleneck, down-sampling 512 -> 1024 (28 -> 14)", "bottleneck_block", True, 512, 256, 1024, 28, 2)]
    print(f"\n2. ResNet blocks, forward pass of a batch of {batch} (float32), milliseconds per call")
    devs = devices()
    print(f"   {'block':<50}" + "".join(f"{d.type:>10}" for d in devs) + "   max |cpu - cuda|")
    rng = np.random.default_rng(0)
    for label, fn_name, bottleneck, c_in, c_mid, c_out, h, stride in cases:
        proj = stride != 1 or c_in != c_out
        params = block_params(rng, c_in, c_mid, c_out, bottleneck, proj)
        x = torch.tensor(rng.normal(size=(batch, c_in, h, h)), dtype=torch.float32)
        fn = ns[fn_name]
        times, outs = [], []
        for dev in devs:
            x_d, p_d = x.to(dev), {k: v.to(dev) for k, v in params.items()}
            with torch.no_grad():
                times.append(1000 * best_time(lambda: fn(x_d, p_d, stride=stride), budget, repeats, lambda: sync(dev)))
                outs.append(fn(x_d, p_d, stride=stride).cpu())
        diff = f"{(outs[0] - outs[1]).abs().max().item():.2e}" if len(outs) > 1 else "(no CUDA)"
        print(f"   {label:<50}" + "".join(f"{t:>10.2f}" for t in times) + f"   {diff}")


def bench_training(ns: dict, full: bool) -> None:
    n_layers = 56 if full else 20
    epochs = 30 if full else 8
    n_blocks = (n_layers - 2) // 2
    split, name, message = dlbook.data.choose_images("mnist", full, n_train=20000, n_test=5000)   # as on the page
    print(f"\n3. Degradation twins: {n_layers} layers, width 16, {epochs} epochs on {len(split.X_train)} {name} "
          f"images, SGD lr 0.05 momentum 0.9, batch 128\n   {message}")
    print(f"   {'network':<10}{'device':>8}{'s/epoch':>10}{'final loss':>12}{'train acc':>11}")
    results = {}
    for residual in (False, True):
        for dev in devices():
            model = ns["make_deep_net"](n_blocks, residual, width=16, seed=0)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
            sync(dev)
            start = time.perf_counter()
            history = dlbook.train.fit(model, torch.nn.CrossEntropyLoss(), optimizer, split.X_train, split.y_train,
                                       epochs=epochs, batch_size=128, device=dev, progress=False)
            sync(dev)
            per_epoch = (time.perf_counter() - start) / epochs
            acc = dlbook.train.accuracy(model, split.X_train, split.y_train, device=dev)
            name = "residual" if residual else "plain"
            results[name, dev.type] = history["loss"][-1]
            print(f"   {name:<10}{dev.type:>8}{per_epoch:>10.3f}{history['loss'][-1]:>12.4f}{acc:>11.3f}")
    for dev in devices():
        gap = results["plain", dev.type] / max(results["residual", dev.type], 1e-12)
        print(f"   {dev.type}: the plain net's final training loss is {gap:.1f} times its residual twin's")
    if not torch.cuda.is_available():
        print("   no CUDA device on this machine: GPU timings and the CPU/GPU agreement were not measured")


def main() -> None:
    full = dlbook.full_size()
    threads = torch.get_num_threads()
    print(f"device: {dlbook.describe(dlbook.device())}; devices benchmarked: {', '.join(d.type for d in devices())}; "
          f"full size (DLBOOK_FULL): {full}")
    dlbook.seed_everything(0)
    ns = solution_namespace("ch09-architectures", ("setup", "residual_block", "bottleneck_block", "conv_params", "resnet_params", "plain_vs_residual"))                 # its setup cell sets one thread
    torch.set_num_threads(threads if full else 1)
    print(f"CPU threads: {torch.get_num_threads()}")
    bench_sizes(ns)
    bench_blocks(ns, full)
    bench_training(ns, full)


if __name__ == "__main__":
    main()
