"""dlbook.data: toy datasets, truth tables, digits, the IDX and CIFAR-10 readers and minibatches."""
import gzip
import struct

import numpy as np
import pytest

from dlbook import data

# --------------------------------------------------------------------------- digits


def test_digits_default_split():
    s = data.digits()
    assert isinstance(s, data.Split)
    assert s.X_train.shape == (1347, 64) and s.X_test.shape == (450, 64)
    assert s.X_train.dtype == np.float32 and s.y_train.dtype == np.int64
    assert 0.0 <= s.X_train.min() and s.X_train.max() <= 1.0
    # Stratified: every class in about the same proportion on both sides.
    p_train = np.bincount(s.y_train) / len(s.y_train)
    p_test = np.bincount(s.y_test) / len(s.y_test)
    assert np.abs(p_train - p_test).max() < 0.01


def test_digits_options_and_repeatability():
    a, b = data.digits(seed=3), data.digits(seed=3)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a.y_train, data.digits(seed=4).y_train)
    img = data.digits(flatten=False)
    assert img.X_train.shape[1:] == (1, 8, 8)
    raw = data.digits(scale=False)
    assert raw.X_train.max() == 16.0 and raw.X_train.dtype == np.float32
    assert data.digits(test_size=0.5).X_test.shape[0] == 899


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, "0.2", True])
def test_digits_bad_test_size(bad):
    with pytest.raises(ValueError, match="between 0 and 1"):
        data.digits(test_size=bad)


# --------------------------------------------------------------------------- truth tables

@pytest.mark.parametrize("name, t", [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("nand", [1, 1, 1, 0]),
                                     ("nor", [1, 0, 0, 0]), ("xor", [0, 1, 1, 0]), ("xnor", [1, 0, 0, 1])])
def test_logic_gates(name, t):
    X, target = data.logic_gate(name.upper())
    assert X.dtype == np.float64 and target.dtype == np.int64
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(target, t)


def test_not_gate():
    X, t = data.logic_gate("Not")
    assert X.shape == (2, 1) and X.dtype == np.float64
    np.testing.assert_array_equal(X.ravel(), [0, 1])
    np.testing.assert_array_equal(t, [1, 0])


@pytest.mark.parametrize("bad", ["xand", "", 3, None])
def test_unknown_gate(bad):
    with pytest.raises(ValueError, match="'xor'"):  # the message lists the allowed names
        data.logic_gate(bad)


def test_half_adder():
    X, T = data.half_adder()
    assert X.dtype == np.float64 and T.dtype == np.int64 and T.shape == (4, 2)
    np.testing.assert_array_equal(T[:, 0], data.logic_gate("xor")[1])  # sum
    np.testing.assert_array_equal(T[:, 1], data.logic_gate("and")[1])  # carry


# --------------------------------------------------------------------------- 2-D toy problems

TOYS = [(data.blobs, 2), (data.moons, 2), (data.spirals, 2), (data.xor_clouds, 2)]


@pytest.mark.parametrize("make, k", TOYS)
def test_toy_shapes_balance_and_seed(make, k):
    X, y = make(n=101)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(k))
    assert np.bincount(y).max() - np.bincount(y).min() <= 1
    X2, y2 = make(n=101)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, make(n=101, seed=1)[0])
    assert len(np.unique(y[:20])) == k  # shuffled: the classes are mixed, not in blocks


@pytest.mark.parametrize("make", [data.blobs, data.moons, data.spirals, data.xor_clouds])
def test_toy_bad_arguments(make):
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        make(n=1)
    with pytest.raises(ValueError, match="n must be"):
        make(n=10.5)
    noise = "spread" if make is data.blobs else "noise"
    with pytest.raises(ValueError, match=f"{noise} must be a number >= 0"):
        make(**{noise: -1})


def _linearly_separable(X, y) -> bool:
    """Perceptron on the bias-augmented points: converges iff the two classes are linearly separable."""
    Xb = np.column_stack([np.ones(len(X)), X])
    t = np.where(y == 1, 1.0, -1.0)
    w = np.zeros(3)
    for _ in range(1000):
        wrong = np.sign(Xb @ w) != t
        if not wrong.any():
            return True
        i = np.flatnonzero(wrong)[0]
        w += t[i] * Xb[i]
    return False


def test_blobs_separable_by_default_and_not_when_wide():
    for seed in range(5):
        assert _linearly_separable(*data.blobs(seed=seed))
    assert not _linearly_separable(*data.blobs(spread=4.0))


def test_xor_clouds_not_separable():
    assert not _linearly_separable(*data.xor_clouds())


def test_blobs_more_centres_and_classes():
    X, y = data.blobs(n=90, centers=3)
    assert set(np.unique(y)) == {0, 1, 2}
    with pytest.raises(ValueError, match="n must be an integer >= 3"):
        data.blobs(n=2, centers=3)
    with pytest.raises(ValueError, match="centers"):
        data.blobs(centers=0)
    X, y = data.spirals(n=30, classes=3)
    assert set(np.unique(y)) == {0, 1, 2}
    with pytest.raises(ValueError, match="classes"):
        data.spirals(classes=0)


def test_noise_free_toys_are_exact():
    X, y = data.xor_clouds(n=8, noise=0)
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]))
    X, y = data.blobs(n=10, spread=0)
    assert len(np.unique(X, axis=0)) == 2
    X, y = data.spirals(n=50, noise=0)
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0 + 1e-12)


# --------------------------------------------------------------------------- IDX (MNIST)

def _idx_bytes(a: np.ndarray, code: int) -> bytes:
    header = bytes([0, 0, code, a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape)
    return header + a.astype(a.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("zipped", [False, True])
def test_load_idx_uint8(tmp_path, zipped):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    raw = _idx_bytes(a, 0x08)
    path = tmp_path / "x.idx"
    path.write_bytes(gzip.compress(raw) if zipped else raw)
    b = data.load_idx(str(path))
    assert b.dtype == np.uint8 and b.shape == (2, 3, 4)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype, code", [(np.int32, 0x0C), (np.float32, 0x0D), (np.float64, 0x0E),
                                         (np.int16, 0x0B), (np.int8, 0x09)])
def test_load_idx_other_types_big_endian(tmp_path, dtype, code):
    a = (np.arange(6) - 3).astype(dtype) * 3
    (tmp_path / "v").write_bytes(_idx_bytes(a, code))
    b = data.load_idx(tmp_path / "v")
    assert b.dtype == np.dtype(dtype) and b.dtype.isnative
    np.testing.assert_array_equal(a, b)


def test_load_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.idx.*IDX file"):
        data.load_idx(tmp_path / "nope.idx")


@pytest.mark.parametrize("content, match", [
    (b"", "bad magic"),
    (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", "bad magic"),
    (b"\x00\x00\x42\x01" + struct.pack(">I", 1) + b"\x00", "bad magic"),
    (b"\x00\x00\x08\x02" + struct.pack(">I", 1), "truncated IDX header"),
    (b"\x00\x00\x08\x01" + struct.pack(">I", 5) + b"\x00\x01", "needs 13 bytes"),
    (b"\x00\x00\x08\x01" + struct.pack(">I", 1) + b"\x00\x01", "needs 9 bytes"),
    (b"\x1f\x8b\x08\x00garbage", "corrupt gzip"),
])
def test_load_idx_corrupt(tmp_path, content, match):
    (tmp_path / "bad").write_bytes(content)
    with pytest.raises(ValueError, match=match):
        data.load_idx(tmp_path / "bad")


def _write_mnist(folder, split, n, zipped, image_shape=(28, 28)):
    prefix = "train" if split == "train" else "t10k"
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(n, *image_shape), dtype=np.uint8)
    y = rng.integers(0, 10, size=n, dtype=np.uint8)
    for name, a, code in ((f"{prefix}-images-idx3-ubyte", X, 0x08), (f"{prefix}-labels-idx1-ubyte", y, 0x08)):
        raw = _idx_bytes(a, code)
        if zipped:
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)
    return X, y


@pytest.mark.parametrize("split, zipped", [("train", True), ("test", False)])
def test_load_mnist(tmp_path, split, zipped):
    X, y = _write_mnist(tmp_path, split, 5, zipped)
    X2, y2 = data.load_mnist(tmp_path, split)
    assert X2.dtype == np.uint8 and X2.shape == (5, 28, 28) and y2.dtype == np.uint8
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_load_mnist_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte.*MNIST train images"):
        data.load_mnist(tmp_path)
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        data.load_mnist(tmp_path, "valid")
    _write_mnist(tmp_path, "train", 3, False, image_shape=(27, 28))
    with pytest.raises(ValueError, match=r"\(n, 28, 28\)"):
        data.load_mnist(tmp_path)


# --------------------------------------------------------------------------- CIFAR-10 (binary)

def _write_cifar_batch(path, n, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    images = rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)
    path.write_bytes(np.column_stack([labels, images.reshape(n, -1)]).tobytes())
    return images, labels


def test_load_cifar10_train_and_test(tmp_path):
    parts = [_write_cifar_batch(tmp_path / f"data_batch_{i}.bin", 2, i) for i in range(1, 6)]
    test = _write_cifar_batch(tmp_path / "test_batch.bin", 3, 9)
    X, y = data.load_cifar10(tmp_path)
    assert X.dtype == np.uint8 and X.shape == (10, 3, 32, 32) and y.dtype == np.int64 and y.shape == (10,)
    np.testing.assert_array_equal(X, np.concatenate([p[0] for p in parts]))
    np.testing.assert_array_equal(y, np.concatenate([p[1] for p in parts]))
    Xt, yt = data.load_cifar10(tmp_path, split="test")
    np.testing.assert_array_equal(Xt, test[0])
    np.testing.assert_array_equal(yt, test[1])
    # Channel order: the first 1024 pixel bytes of a record are the red plane.
    record = (tmp_path / "test_batch.bin").read_bytes()[:3073]
    assert Xt[0, 0].tobytes() == record[1:1025]


def test_load_cifar10_parent_folder_and_gzip(tmp_path):
    inner = tmp_path / "cifar-10-batches-bin"
    inner.mkdir()
    images, labels = _write_cifar_batch(inner / "test_batch.bin", 2, 0)
    (inner / "test_batch.bin").write_bytes(gzip.compress((inner / "test_batch.bin").read_bytes()))
    X, y = data.load_cifar10(tmp_path, "test")
    np.testing.assert_array_equal(X, images)


def test_load_cifar10_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data_batch_1\.bin.*CIFAR-10.*binary"):
        data.load_cifar10(tmp_path)
    with pytest.raises(ValueError, match="split must be"):
        data.load_cifar10(tmp_path, "Train")
    (tmp_path / "test_batch.bin").write_bytes(b"\x00" * 3000)
    with pytest.raises(ValueError, match="3073-byte records"):
        data.load_cifar10(tmp_path, "test")
    (tmp_path / "test_batch.bin").write_bytes(b"\x0a" + b"\x00" * 3072)
    with pytest.raises(ValueError, match="label byte"):
        data.load_cifar10(tmp_path, "test")


# --------------------------------------------------------------------------- minibatches

def test_minibatches_cover_everything_once():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    batches = list(data.minibatches(X, y, 4, rng=np.random.default_rng(0)))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen) == list(range(10)) and not np.array_equal(seen, np.arange(10))
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb[:, 0], 2 * yb)  # rows stay paired with their labels


def test_minibatches_order_and_seeding():
    X = y = np.arange(10)
    ordered = [yb for _, yb in data.minibatches(X, y, 3, shuffle=False)]
    np.testing.assert_array_equal(np.concatenate(ordered), np.arange(10))
    first = np.concatenate([yb for _, yb in data.minibatches(X, y, 3)])
    again = np.concatenate([yb for _, yb in data.minibatches(X, y, 3, rng=0)])
    np.testing.assert_array_equal(first, again)  # None means seed 0
    rng = np.random.default_rng(5)
    epoch1 = np.concatenate([yb for _, yb in data.minibatches(X, y, 3, rng=rng)])
    epoch2 = np.concatenate([yb for _, yb in data.minibatches(X, y, 3, rng=rng)])
    assert not np.array_equal(epoch1, epoch2)  # one Generator: a new order each epoch


def test_minibatches_unlabelled_and_errors():
    X = np.zeros((5, 3))
    assert all(yb is None for _, yb in data.minibatches(X, None, 2))
    with pytest.raises(ValueError, match="same length"):
        data.minibatches(X, np.zeros(4), 2)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        data.minibatches(X, None, 0)


def test_digit_images_are_scikit_learns_digits_without_importing_it():
    import subprocess
    import sys

    from sklearn.datasets import load_digits

    from dlbook.data import digit_images
    X, y = digit_images()
    bunch = load_digits()
    assert X.shape == (1797, 64) and np.array_equal(X, bunch.data / 16.0) and np.array_equal(y, bunch.target)
    raw, _ = digit_images(scale=False)
    assert raw.max() == 16.0
    probe = "import sys; from dlbook.data import digit_images; digit_images(); print('sklearn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "False"


# --------------------------------------------------------------------------- shift_images

def _rolled_reference(images, dy, dx):
    """np.roll, then zero the rows and columns that wrapped round."""
    out = np.roll(images, (dy, dx), axis=(-2, -1)).copy()
    if dy > 0:
        out[..., :dy, :] = 0
    elif dy < 0:
        out[..., dy:, :] = 0
    if dx > 0:
        out[..., :, :dx] = 0
    elif dx < 0:
        out[..., :, dx:] = 0
    return out


def test_shift_images_by_hand():
    img = np.arange(1, 10).reshape(1, 3, 3)                 # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert data.shift_images(img, dy=1).tolist() == [[[0, 0, 0], [1, 2, 3], [4, 5, 6]]]
    assert data.shift_images(img, dx=-1).tolist() == [[[2, 3, 0], [5, 6, 0], [8, 9, 0]]]
    assert data.shift_images(img, dy=-1, dx=2).tolist() == [[[0, 0, 4], [0, 0, 7], [0, 0, 0]]]
    assert data.shift_images(img).tolist() == img.tolist()
    assert data.shift_images(img, dy=1).dtype == img.dtype


@pytest.mark.parametrize("shape", [(5, 6, 7), (4, 3, 6, 5)])
def test_shift_images_matches_roll_with_zeroed_borders(shape):
    rng = np.random.default_rng(0)
    images = rng.normal(size=shape).astype(np.float32)
    before = images.copy()
    H, W = shape[-2:]
    for dy in range(-H - 1, H + 2):
        for dx in range(-W - 1, W + 2):
            got = data.shift_images(images, dy=dy, dx=dx)
            assert got.shape == images.shape and got.dtype == images.dtype
            if abs(dy) >= H or abs(dx) >= W:
                assert not got.any()
            else:
                np.testing.assert_array_equal(got, _rolled_reference(images, dy, dx))
    np.testing.assert_array_equal(images, before)           # the input is not modified


def test_shift_images_torch_and_errors():
    torch = pytest.importorskip("torch")
    x = torch.arange(24, dtype=torch.float32).reshape(2, 1, 3, 4)
    got = data.shift_images(x, dy=1, dx=-1)
    assert isinstance(got, torch.Tensor) and got.dtype == x.dtype
    np.testing.assert_array_equal(got.numpy(), data.shift_images(x.numpy(), dy=1, dx=-1))
    with pytest.raises(TypeError):
        data.shift_images(np.zeros((1, 3, 3)), 1, 1)        # dy and dx are keyword-only
    with pytest.raises(ValueError, match="whole number"):
        data.shift_images(np.zeros((1, 3, 3)), dy=0.5)
    with pytest.raises(ValueError, match="at least 2 axes"):
        data.shift_images(np.zeros(3), dx=1)


# --------------------------------------------------------------------------- data_folder, find_dataset

def test_data_folder_default_and_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("DLBOOK_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.data_folder() == tmp_path / ".dlbook" / "data"
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path / "elsewhere"))
    assert data.data_folder() == tmp_path / "elsewhere"
    monkeypatch.setenv("DLBOOK_DATA", "")            # empty counts as unset
    assert data.data_folder() == tmp_path / ".dlbook" / "data"


@pytest.mark.parametrize("sub", ["mnist", "MNIST/raw", "."])
def test_find_dataset_mnist(monkeypatch, tmp_path, sub):
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path))
    assert data.find_dataset("mnist") is None       # nothing there yet
    folder = tmp_path / sub
    folder.mkdir(parents=True, exist_ok=True)
    X, y = _write_mnist(folder, "train", 4, zipped=(sub != "."))
    assert data.find_dataset("mnist") is None       # the test split is missing
    _write_mnist(folder, "test", 2, zipped=False)
    found = data.find_dataset("mnist")
    assert found == folder if sub != "." else found == tmp_path
    X2, y2 = data.load_mnist(found, "train")
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_find_dataset_cifar10_and_unknown(monkeypatch, tmp_path):
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path))
    assert data.find_dataset("cifar10") is None
    inner = tmp_path / "cifar-10-batches-bin"
    inner.mkdir()
    for i in range(1, 6):
        _write_cifar_batch(inner / f"data_batch_{i}.bin", 1, i)
    _write_cifar_batch(inner / "test_batch.bin", 1, 9)
    assert data.find_dataset("cifar10") == inner
    assert data.load_cifar10(data.find_dataset("cifar10"), "test")[0].shape == (1, 3, 32, 32)
    with pytest.raises(ValueError, match="unknown data set 'imagenet'"):
        data.find_dataset("imagenet")
