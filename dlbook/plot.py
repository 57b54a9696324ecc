"""The book's figures: one style, decision boundaries, loss curves and image grids.

Every function draws on an Axes or Figure and returns it; none calls ``plt.show()`` (notebooks show the figure
of a cell by themselves, and scripts save it). Importing this module applies the book's style.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler

__all__ = ["COLORS", "use_style", "decision_boundary", "line_boundary", "loss_curves", "image_grid"]

# Okabe & Ito's palette: distinguishable with the common colour-vision deficiencies and in greyscale print.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def use_style() -> None:
    """Apply the book's matplotlib style (size, resolution, grid, fonts, colour cycle)."""
    plt.rcParams.update({
        "figure.figsize": (6, 4),
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "savefig.bbox": "tight",
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "legend.fontsize": 10,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": cycler(color=COLORS),
        "image.cmap": "viridis",
        "lines.linewidth": 1.8,
    })


def _numpy(x) -> np.ndarray:
    """numpy view of arrays, lists and torch tensors (detached, on the CPU); torch is not imported here."""
    if hasattr(x, "detach") and type(x).__module__.startswith("torch"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def decision_boundary(predict, X, y, ax=None, resolution: int = 200, title: str | None = None):
    """Colour the plane by the label ``predict`` gives each point, and scatter the data on top.

    ``predict`` maps an (m, 2) float64 array to m labels (numpy or torch). X is (n, 2), y (n,).
    Regions and points of the same class share a colour. Returns the Axes.
    """
    X, y = _numpy(X).astype(float), _numpy(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    ax = ax if ax is not None else plt.subplots()[1]

    # A margin of 10% of the data range so points on the edge are not cut.
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.where(hi > lo, hi - lo, 1.0)
    xx, yy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    Z = _numpy(predict(grid)).ravel()
    if Z.size != len(grid):
        raise ValueError(f"predict must return one label per row: gave {Z.size} values for {len(grid)} rows")

    # Labels may be any values (0/1, -1/+1, ...): colour by their rank among all labels seen.
    classes = np.unique(np.concatenate([y, Z]))
    colors = [COLORS[i % len(COLORS)] for i in range(len(classes))]
    region = np.searchsorted(classes, Z).reshape(xx.shape)
    ax.contourf(xx, yy, region, levels=np.arange(len(classes) + 1) - 0.5, colors=colors, alpha=0.25)
    for i, c in enumerate(classes):
        mask = y == c
        if mask.any():
            ax.scatter(X[mask, 0], X[mask, 1], s=18, color=colors[i], edgecolors="k", linewidths=0.4,
                       label=f"class {c}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    return ax


def line_boundary(w, ax, label: str | None = None, **kw):
    """Draw the line w0 + w1 x1 + w2 x2 = 0 (bias first) across the Axes' current limits.

    w2 = 0 gives a vertical line; w1 = w2 = 0 is no line, and nothing is drawn (returns None).
    Other keywords go to ``ax.plot``; the default is a dashed black line. Returns the Line2D.
    """
    w = _numpy(w).astype(float).ravel()
    if w.shape != (3,):
        raise ValueError(f"w must hold 3 numbers (w0 bias, w1, w2), got shape {w.shape}")
    w0, w1, w2 = w
    kw = {"color": "k", "linestyle": "--", **kw}
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    if w1 == 0 and w2 == 0:
        return None
    if abs(w2) <= 1e-12 * abs(w1):  # (numerically) vertical: x1 = -w0 / w1
        xs, ys = np.full(2, -w0 / w1), np.array(ylim)
    else:
        xs = np.array(xlim)
        ys = -(w0 + w1 * xs) / w2
    (line,) = ax.plot(xs, ys, label=label, **kw)
    ax.set_xlim(xlim)  # the line must not rescale the plot of the data
    ax.set_ylim(ylim)
    return line


def loss_curves(history, ax=None, title: str | None = None, ylabel: str = "loss", logy: bool = False):
    """One line per key of ``history`` (e.g. ``fit``'s 'loss', 'val_loss'), against the epoch (from 1).

    A plain sequence of numbers is drawn as one curve named ``ylabel``. Returns the Axes.
    """
    if not hasattr(history, "items"):
        history = {ylabel: list(history)}
    if not history:
        raise ValueError("history is empty: give a dict such as {'loss': [0.9, 0.5, 0.3]}")
    ax = ax if ax is not None else plt.subplots()[1]
    for name, values in history.items():
        values = _numpy(values).astype(float).ravel()
        ax.plot(np.arange(1, len(values) + 1), values, label=name, marker="o" if len(values) <= 20 else None,
                markersize=3)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    return ax


def _as_images(images) -> np.ndarray:
    """(n, H, W) for grey images or (n, H, W, C) with C = 3 or 4 for colour, from the layouts we accept."""
    a = _numpy(images)
    if a.ndim == 2:  # a single image
        a = a[None]
    if a.ndim == 4:
        if a.shape[1] in (1, 3, 4) and a.shape[3] not in (1, 3, 4):
            a = a.transpose(0, 2, 3, 1)  # channels first (torch) -> channels last (matplotlib)
        elif a.shape[3] not in (1, 3, 4):
            raise ValueError(f"4-D images need 1, 3 or 4 channels first or last, got shape {a.shape}")
        if a.shape[3] == 1:
            a = a[..., 0]
    elif a.ndim != 3:
        raise ValueError(f"images must have shape (n, H, W), (n, C, H, W) or (n, H, W, C), got {a.shape}")
    if len(a) == 0:
        raise ValueError("no images to show")
    if a.ndim == 4 and a.dtype.kind == "f":
        # imshow wants colour floats in [0, 1]: rescale each image that leaves that range.
        lo = a.min(axis=(1, 2, 3), keepdims=True)
        hi = a.max(axis=(1, 2, 3), keepdims=True)
        outside = (lo < 0) | (hi > 1)
        a = np.where(outside, (a - lo) / np.where(hi > lo, hi - lo, 1.0), a)
    return a


def image_grid(images, labels=None, ncols: int = 8, cmap: str = "gray", title: str | None = None):
    """Show images in a grid, with an optional label above each. Returns the Figure.

    ``images``: numpy array or torch tensor of shape (n, H, W), (n, C, H, W) or (n, H, W, C), C in {1, 3, 4}.
    Grey images use ``cmap``, each scaled to its own range.
    """
    a = _as_images(images)
    n = len(a)
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be an integer >= 1, got {ncols!r}")
    if labels is not None:
        labels = _numpy(labels).ravel().tolist()
        if len(labels) != n:
            raise ValueError(f"got {len(labels)} labels for {n} images")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.2 * ncols, 1.3 * nrows + (0.4 if title else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < n:
            ax.imshow(a[i], cmap=cmap if a.ndim == 3 else None)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


use_style()
