"""The plain-data format between the sandbox and the grader."""
import numpy as np
import pytest
import torch

from autograde import wire


def roundtrip(value, handle=None):
    enc = wire.Encoder(handle=handle)
    tree = enc.encode(value)
    frames = []
    wire.write_message(frames.append, {"v": tree}, enc.blobs)
    reader = wire.Reader()
    reader.feed(b"".join(frames))
    header, blobs = reader.next()
    return wire.Decoder(blobs, handle=lambda n: ("handle", n["$h"])).decode(header["v"])


@pytest.mark.parametrize("value", [None, True, 3, -2**70, 2.5, "text", 1 + 2j, [1, [2.0]], (1, "a"), {"k": (1, None)}])
def test_plain_values_roundtrip(value):
    out = roundtrip(value)
    assert out == value and type(out) is type(value)


def test_non_finite_floats_roundtrip():
    out = roundtrip([float("nan"), float("inf"), -float("inf")])
    assert np.isnan(out[0]) and out[1] == float("inf") and out[2] == -float("inf")


def test_arrays_scalars_and_tensors_roundtrip():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2]    # non-contiguous
    out = roundtrip({"a": a, "s": np.int64(7), "t": torch.ones(2, requires_grad=True), "b": np.array([True])})
    assert type(out["a"]) is np.ndarray and np.array_equal(out["a"], a) and out["a"].dtype == np.float32
    assert out["s"] == 7 and type(out["s"]) is np.int64
    assert isinstance(out["t"], torch.Tensor) and out["t"].requires_grad
    assert out["b"].dtype == bool


def test_pretenders_are_rejected_or_handled():
    class Sub(np.ndarray):
        pass

    class Liar:
        __class__ = np.ndarray

    class Evil(int):
        def __eq__(self, other):
            return True

    out = roundtrip([np.zeros(2).view(Sub), np.array([object()]), Liar(), Evil(3)], handle=lambda v: {"$h": 9})
    assert isinstance(out[0], wire.Rejected) and "subclass" in out[0].reason
    assert isinstance(out[1], wire.Rejected)
    assert isinstance(out[2], wire.Rejected)          # claims ndarray through __class__: never accepted
    assert out[3] == ("handle", 9)                   # an int subclass is not an int


def test_without_a_handle_function_objects_cannot_be_sent():
    with pytest.raises(wire.WireError):
        wire.Encoder().encode(object())


@pytest.mark.parametrize("frame", [b"\xff" * 8, b"\x02\x00\x00\x00\x00\x00\x00\x00[]\x00\x00\x00\x00\x00\x00\x00\x00"])
def test_malformed_frames_raise_wire_errors(frame):
    reader = wire.Reader()
    with pytest.raises(wire.WireError):
        reader.feed(frame)
        reader.next()


def test_arrays_are_never_unpickled():
    import io
    buf = io.BytesIO()
    np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises((ValueError, wire.WireError)):
        wire.Decoder([buf.getvalue()]).decode({"$nd": 0})


def test_namedtuples_cross_by_value_as_the_graders_own_class():
    """A student's namedtuple equals the plain tuple a test expects (it was a proxy, never equal: a correct answer
    lost its part in silence); the grader builds its own class, so the student's methods never run there."""
    import collections
    import typing

    class Pair(typing.NamedTuple):
        lo: int
        hi: float

        def __eq__(self, other):              # a doctored class: its methods stay behind
            return True

    P = collections.namedtuple("P", "x y")
    out = roundtrip([P(1, (2, 3)), Pair(1, 2.5)])
    assert out[0] == (1, (2, 3)) and out[0].y == (2, 3) and repr(out[0]) == "P(x=1, y=(2, 3))"
    assert out[1] == (1, 2.5) and out[1] != (0, 0) and out[1].hi == 2.5 and type(out[1]).__name__ == "Pair"
    assert type(out[0]) is not P and type(roundtrip(P(3, 4))) is type(out[0])


@pytest.mark.parametrize("name, fields", [("P", ["x", "x"]), ("P", ["_x"]), ("P; import os", ["x"]),
                                          ("P", ["x=1"]), ("class", ["x"]), ("P", "x")])
def test_malformed_namedtuples_are_wire_errors(name, fields):
    node = {"$namedtuple": [1], "name": name, "fields": fields}
    with pytest.raises(wire.WireError):
        wire.Decoder([]).decode(node)
