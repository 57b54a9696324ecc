"""dlbook.plot: style, decision boundaries, separating lines, loss curves and image grids (Agg backend)."""
import matplotlib

matplotlib.use("Agg")  # before pyplot is imported: no window, no display needed

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dlbook import plot  # noqa: E402
from dlbook.data import blobs  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_style_is_applied_on_import():
    plt.rcdefaults()
    plot.use_style()
    assert tuple(plt.rcParams["figure.figsize"]) == (6, 4)
    assert plt.rcParams["figure.dpi"] == 100
    assert plt.rcParams["axes.grid"] is True
    assert plt.rcParams["axes.prop_cycle"].by_key()["color"][:3] == plot.COLORS[:3]


def test_decision_boundary_two_classes():
    X, y = blobs(n=40)
    ax = plot.decision_boundary(lambda Z: (Z[:, 0] + Z[:, 1] > 0).astype(int), X, y, resolution=30, title="t")
    assert isinstance(ax, plt.Axes)
    assert ax.get_title() == "t" and ax.get_xlabel() == "$x_1$"
    assert len(ax.collections) >= 3  # filled regions plus one scatter per class
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]


def test_decision_boundary_on_given_axes_with_sign_labels_and_tensors():
    X, y = blobs(n=30)
    fig, ax = plt.subplots()
    out = plot.decision_boundary(lambda Z: torch.from_numpy(np.where(Z[:, 0] > 0, 1, -1)),
                                 torch.from_numpy(X), np.where(y == 1, 1, -1), ax=ax, resolution=10)
    assert out is ax
    # One class everywhere is fine too (an untrained model).
    plot.decision_boundary(lambda Z: np.zeros(len(Z)), X, y, resolution=5)


def test_decision_boundary_bad_arguments():
    X, y = blobs(n=10)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plot.decision_boundary(lambda Z: Z[:, 0], np.zeros((10, 3)), y)
    with pytest.raises(ValueError, match="same length"):
        plot.decision_boundary(lambda Z: Z[:, 0], X, y[:5])
    with pytest.raises(ValueError, match="resolution"):
        plot.decision_boundary(lambda Z: Z[:, 0], X, y, resolution=1)
    with pytest.raises(ValueError, match="one label per row"):
        plot.decision_boundary(lambda Z: Z[:3, 0], X, y, resolution=5)


def _axes(xlim=(-2, 2), ylim=(-1, 3)):
    _, ax = plt.subplots()
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return ax


def test_line_boundary_general_line_keeps_limits():
    ax = _axes()
    line = plot.line_boundary([1.0, 2.0, -1.0], ax, label="w", color="r")  # x2 = 1 + 2 x1
    xs, ys = line.get_data()
    np.testing.assert_allclose(xs, [-2, 2])
    np.testing.assert_allclose(ys, [-3, 5])
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-1, 3)
    assert line.get_label() == "w" and line.get_color() == "r"


def test_line_boundary_vertical_and_none():
    ax = _axes()
    line = plot.line_boundary(np.array([1.0, -2.0, 0.0]), ax)  # x1 = 0.5
    xs, ys = line.get_data()
    np.testing.assert_allclose(xs, [0.5, 0.5])
    np.testing.assert_allclose(ys, [-1, 3])
    n_lines = len(ax.lines)
    assert plot.line_boundary(torch.tensor([1.0, 0.0, 0.0], requires_grad=True), ax) is None
    assert len(ax.lines) == n_lines


def test_line_boundary_needs_three_weights():
    with pytest.raises(ValueError, match="3 numbers"):
        plot.line_boundary([1.0, 2.0], _axes())


def test_loss_curves():
    ax = plot.loss_curves({"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.7, 0.6]}, title="L", logy=True)
    assert [line.get_label() for line in ax.lines] == ["loss", "val_loss"]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])  # epochs count from 1
    assert ax.get_yscale() == "log" and ax.get_title() == "L" and ax.get_xlabel() == "epoch"
    ax2 = plot.loss_curves([3.0, 2.0], ylabel="error")
    assert ax2.lines[0].get_label() == "error" and ax2.get_ylabel() == "error"
    with pytest.raises(ValueError, match="history is empty"):
        plot.loss_curves({})


@pytest.mark.parametrize("shape", [(5, 8, 8), (5, 1, 8, 8), (5, 3, 8, 8), (5, 8, 8, 3), (8, 8)])
def test_image_grid_layouts(shape):
    images = np.random.default_rng(0).random(shape)
    fig = plot.image_grid(images, ncols=3, title="imgs")
    n = shape[0] if len(shape) > 2 else 1
    shown = [ax for ax in fig.axes if ax.images]
    assert isinstance(fig, plt.Figure) and len(shown) == n
    assert len(fig.axes) == min(3, n) * -(-n // 3)
    assert fig._suptitle.get_text() == "imgs"


def test_image_grid_labels_tensors_and_colour_range():
    images = torch.randn(4, 3, 6, 6)  # colour floats outside [0, 1] are rescaled, not clipped
    fig = plot.image_grid(images, labels=torch.tensor([3, 1, 4, 1]))
    assert [ax.get_title() for ax in fig.axes] == ["3", "1", "4", "1"]
    data = fig.axes[0].images[0].get_array()
    assert data.min() >= 0 and data.max() <= 1
    plot.image_grid(np.zeros((2, 4, 4, 3), dtype=np.uint8))


def test_image_grid_bad_arguments():
    with pytest.raises(ValueError, match="got 2 labels for 3 images"):
        plot.image_grid(np.zeros((3, 4, 4)), labels=[0, 1])
    with pytest.raises(ValueError, match="channels"):
        plot.image_grid(np.zeros((3, 5, 4, 7)))
    with pytest.raises(ValueError, match="shape"):
        plot.image_grid(np.zeros(5))
    with pytest.raises(ValueError, match="no images"):
        plot.image_grid(np.zeros((0, 4, 4)))
    with pytest.raises(ValueError, match="ncols"):
        plot.image_grid(np.zeros((3, 4, 4)), ncols=0)
