"""Plain-data messages between the grader and the sandboxed student process.

Only data crosses the boundary, never pickles: JSON for the structure, ``.npy`` bytes (loaded with
``allow_pickle=False``) for arrays. Encoding accepts *exact* types only: an ``int`` subclass with a doctored
``__eq__``, an ndarray subclass or an object that merely looks like an array is not data. In the sandbox such
values become opaque handles (``{"$h": id}``); the grader side turns handles into :class:`Remote` proxies.

This module is copied into the sandbox and imported there, so it depends on the standard library and numpy only.
"""
from __future__ import annotations

import io
import json
import math
import struct
import sys

MAX_DEPTH = 32
MAX_ITEMS = 1_000_000
MAX_BYTES = 512 * 2**20        # one message, arrays included
MAX_HEADER = 64 * 2**20        # the JSON part of one message
MAX_INT_DIGITS = 4300          # Python's default int/str conversion limit, whatever the sender set
MAX_BLOBS = 100_000
MAX_TEXT_NUMBER = 4300         # characters of a Decimal or a date sent as text
_LEN = struct.Struct("<Q")
_DEFAULT_FACTORIES = {"int": int, "float": float, "list": list, "dict": dict, "set": set, "str": str,
                      "tuple": tuple}


class WireError(ValueError):
    """A value that may not cross the boundary, or a malformed message."""


class TooLarge(WireError):
    """A message over the reader's size limit (a student returning hundreds of MB)."""


class Rejected:
    """Placeholder for a value the sandbox refused to send (an ndarray subclass, an object-dtype array...)."""

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self):
        return f"<rejected value: {self.reason}>"


# ---------------------------------------------------------------- encoding

class Encoder:
    """Turns a value into (json-able tree, list of byte blobs). ``handle`` is called for non-data values."""

    def __init__(self, handle=None):
        self.blobs: list[bytes] = []
        self.handle = handle
        self.items = 0
        self.size = 0

    def encode(self, value, depth: int = 0):
        self.items += 1
        if depth > MAX_DEPTH or self.items > MAX_ITEMS:
            raise WireError("value too deeply nested or too large")
        t = type(value)
        if value is None or t is bool or t is str:
            return value
        if t is int:
            return value if abs(value) < 2**63 else {"$bigint": str(value)}
        if t is float:
            return value if math.isfinite(value) else {"$float": repr(value)}
        if t is complex:
            return {"$complex": [self.encode(value.real), self.encode(value.imag)]}
        if t is list:
            return {"$list": [self.encode(v, depth + 1) for v in value]}
        if t is tuple:
            return {"$tuple": [self.encode(v, depth + 1) for v in value]}
        if t is dict:
            return {"$dict": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
        other = self._stdlib(value, t, depth)
        if other is not None:
            return other
        array = _array_kind(value)
        if array == "ndarray":
            return {"$nd": self._blob(value)}
        if array == "scalar":
            return {"$npscalar": self._blob(_np().asarray(value))}
        if array == "tensor":
            return self._tensor(value)
        if array is not None:          # a rejection reason
            return {"$rejected": array}
        if self.handle is None:
            raise WireError(f"a {t.__name__} cannot be sent (only numbers, strings, arrays, tensors, "
                            f"lists, tuples and dicts of them)")
        return self.handle(value)

    def _stdlib(self, value, t, depth: int):
        """The standard library's value types, by value (exact types only, as everywhere), else None."""
        if t.__bases__ == (tuple,) and type(getattr(t, "_fields", None)) is tuple:
            return self._namedtuple(value, t, depth)
        if t is set or t is frozenset:
            return {"$set" if t is set else "$frozenset": [self.encode(v, depth + 1) for v in value]}
        if t is bytes or t is bytearray:
            return {"$bytes" if t is bytes else "$bytearray": self._raw(bytes(value))}
        mod = t.__module__
        if mod == "collections":
            if t.__name__ == "Counter":
                return {"$counter": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
            if t.__name__ == "OrderedDict":
                return {"$odict": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
            if t.__name__ == "defaultdict":
                factory = value.default_factory
                name = next((n for n, f in _DEFAULT_FACTORIES.items() if f is factory), None)
                return {"$ddict": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()],
                        "factory": name}
            if t.__name__ == "deque":
                return {"$deque": [self.encode(v, depth + 1) for v in value], "maxlen": value.maxlen}
        rng = _rng_kind(value)
        if rng is not None:
            return {"$rng": rng, "state": self.encode(rng_state(value), depth + 1)}
        if mod == "fractions" and t.__name__ == "Fraction":
            return {"$fraction": [self.encode(value.numerator), self.encode(value.denominator)]}
        if mod == "decimal" and t.__name__ == "Decimal":
            return {"$decimal": str(value)}
        if mod == "datetime" and t.__name__ in ("date", "datetime", "time"):
            if t.__name__ != "date" and value.tzinfo is not None and t.__name__ == "datetime" \
                    and value.utcoffset() is None:
                return None
            return {"$" + t.__name__: value.isoformat()}
        if mod == "datetime" and t.__name__ == "timedelta":
            return {"$timedelta": [value.days, value.seconds, value.microseconds]}
        return None

    def _namedtuple(self, value, t, depth: int):
        """A namedtuple (collections' or typing's) by value: the test gets a namedtuple of the same name and fields
        built on its side, equal to the plain tuple it may expect, with the fields readable by name."""
        fields = t._fields
        if not all(type(f) is str for f in fields) or len(fields) != len(value):
            return None
        return {"$namedtuple": [self.encode(v, depth + 1) for v in tuple.__iter__(value)],
                "name": str(t.__name__)[:60], "fields": list(fields)}

    def _raw(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > MAX_BYTES:
            raise WireError(f"result larger than {MAX_BYTES // 2**20} MB")
        self.blobs.append(data)
        return len(self.blobs) - 1

    def _blob(self, array) -> int:
        np = _np()
        buf = io.BytesIO()
        np.save(buf, array, allow_pickle=False)
        data = buf.getvalue()
        self.size += len(data)
        if self.size > MAX_BYTES:
            raise WireError(f"result larger than {MAX_BYTES // 2**20} MB")
        self.blobs.append(data)
        return len(self.blobs) - 1

    def _tensor(self, t):
        dtype = str(t.dtype).replace("torch.", "")
        x = t.detach().cpu()
        if dtype == "bfloat16":
            x = x.float()
        return {"$tensor": self._blob(x.numpy()), "dtype": dtype, "grad": bool(t.requires_grad)}


def _np():
    import numpy
    return numpy


def _array_kind(value):
    """'ndarray', 'scalar', 'tensor', a rejection reason (str), or None for anything else.

    ``isinstance`` may be fooled by a doctored ``__class__``, so it only ever leads to a rejection; acceptance
    needs the exact type.
    """
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.ndarray):
        if type(value) is not np.ndarray:
            return f"an ndarray subclass ({type(value).__name__}); return a plain numpy array"
        return "ndarray" if value.dtype.kind in "biufcUS" else f"a numpy array of dtype {value.dtype}"
    if np is not None and isinstance(value, np.generic):
        exact = type(value).__module__ == "numpy" and type(value) in np.sctypeDict.values()
        return "scalar" if exact and value.dtype.kind in "biufcUS" else f"a numpy value of type {type(value).__name__}"
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        if type(value) not in (torch.Tensor, torch.nn.Parameter):
            return f"a tensor subclass ({type(value).__name__}); return a plain torch.Tensor"
        if value.layout != torch.strided:
            return "a sparse tensor; return a dense one"
        return "tensor"
    return None


# ---------------------------------------------------------------- decoding

_STDLIB_TAGS = {"$namedtuple", "$rng", "$set", "$frozenset", "$bytes", "$bytearray", "$counter", "$odict", "$ddict",
                "$deque", "$fraction", "$decimal", "$date", "$datetime", "$time", "$timedelta"}


class Decoder:
    """Rebuilds values from (tree, blobs). ``handle`` maps {"$h": ...} nodes to proxies."""

    def __init__(self, blobs: list[bytes], handle=None, callback=None):
        self.blobs = blobs
        self.handle = handle
        self.callback = callback      # maps {"$cb": ...} nodes (a test's callable, called back) to stubs

    def decode(self, node, depth: int = 0):
        """The value a tree describes; anything malformed, however it fails, is a WireError."""
        try:
            return self._decode(node, depth)
        except WireError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, MemoryError,
                OverflowError) as err:
            raise WireError(f"malformed value ({type(err).__name__})") from None

    def _decode(self, node, depth: int):
        if depth > MAX_DEPTH:
            raise WireError("message too deeply nested")
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is list:
            raise WireError("bare list in message")
        if type(node) is not dict or len(node) < 1:
            raise WireError("malformed message")
        key = next(iter(node))
        value = node[key]
        if key == "$list":
            return [self._decode(v, depth + 1) for v in value]
        if key == "$tuple":
            return tuple(self._decode(v, depth + 1) for v in value)
        if key == "$dict":
            return {self._decode(k, depth + 1): self._decode(v, depth + 1) for k, v in value}
        if key == "$bigint":
            if type(value) is not str or len(value) > MAX_INT_DIGITS:
                raise WireError(f"an integer with more than {MAX_INT_DIGITS} digits")
            return int(value)
        if key == "$float":
            return float(value)
        if key == "$complex":
            return complex(self._decode(value[0], depth + 1), self._decode(value[1], depth + 1))
        if key == "$nd":
            return self._array(value)
        if key == "$npscalar":
            return self._array(value)[()]
        if key == "$tensor":
            return self._tensor(node)
        if key == "$rejected":
            return Rejected(str(value))
        if key in _STDLIB_TAGS:
            return self._stdlib(key, value, node, depth)
        if key == "$h":
            if self.handle is None:
                raise WireError("unexpected handle")
            return self.handle(node)
        if key == "$cb":
            if self.callback is None or type(value) is not int:
                raise WireError("unexpected callback")
            return self.callback(node)
        raise WireError(f"unknown tag {key!r}")

    def _stdlib(self, key, value, node, depth):
        """Standard-library values; every size is bounded as the containers' are (depth, items, text length)."""
        import collections
        import datetime
        import decimal
        import fractions
        pairs = lambda: [(self._decode(k, depth + 1), self._decode(v, depth + 1)) for k, v in value]  # noqa: E731
        if key == "$namedtuple":
            return _namedtuple_type(node.get("name"), node.get("fields"), len(value))(
                *[self._decode(v, depth + 1) for v in value])
        if key == "$rng":
            return _make_rng(value, self._decode(node.get("state"), depth + 1))
        if key in ("$set", "$frozenset"):
            items = [self._decode(v, depth + 1) for v in value]
            return set(items) if key == "$set" else frozenset(items)
        if key in ("$bytes", "$bytearray"):
            if type(value) is not int or not 0 <= value < len(self.blobs):
                raise WireError("bad bytes reference")
            return bytes(self.blobs[value]) if key == "$bytes" else bytearray(self.blobs[value])
        if key == "$counter":
            return collections.Counter(dict(pairs()))
        if key == "$odict":
            return collections.OrderedDict(pairs())
        if key == "$ddict":
            factory = node.get("factory")
            if factory is not None and factory not in _DEFAULT_FACTORIES:
                raise WireError("bad defaultdict factory")
            return collections.defaultdict(_DEFAULT_FACTORIES.get(factory), pairs())
        if key == "$deque":
            maxlen = node.get("maxlen")
            if maxlen is not None and (type(maxlen) is not int or maxlen < 0):
                raise WireError("bad deque maxlen")
            return collections.deque([self._decode(v, depth + 1) for v in value], maxlen)
        if key == "$fraction":
            num, den = (self._decode(v, depth + 1) for v in value)
            if type(num) is not int or type(den) is not int:
                raise WireError("bad fraction")
            return fractions.Fraction(num, den)
        if type(value) is str and len(value) > MAX_TEXT_NUMBER:
            raise WireError("a number or date sent as text is too long")
        if key == "$decimal":
            return decimal.Decimal(str(value))
        if key == "$date":
            return datetime.date.fromisoformat(str(value))
        if key == "$datetime":
            return datetime.datetime.fromisoformat(str(value))
        if key == "$time":
            return datetime.time.fromisoformat(str(value))
        if key == "$timedelta":
            if type(value) is not list or len(value) != 3 or any(type(v) is not int for v in value):
                raise WireError("bad timedelta")
            return datetime.timedelta(days=value[0], seconds=value[1], microseconds=value[2])
        raise WireError(f"unknown tag {key!r}")

    def _array(self, index):
        np = _np()
        if type(index) is not int or not 0 <= index < len(self.blobs):
            raise WireError("bad array reference")
        return read_npy(self.blobs[index])

    def _tensor(self, node):
        import torch
        if type(node.get("dtype")) is not str:
            raise WireError("bad tensor dtype")
        array = self._array(node["$tensor"])
        tensor = torch.from_numpy(array.copy())
        if node.get("dtype") == "bfloat16":
            tensor = tensor.to(torch.bfloat16)
        if node.get("grad") and tensor.is_floating_point():
            tensor.requires_grad_(True)
        return tensor


# ---------------------------------------------------------------- random generators, by their state

# A test passing a random generator to student code (`sample(rng)`) means the student's draws to come from it and to
# advance it. Its state is plain data: the sandbox builds a generator in that state, and the state after the call
# comes back like any argument changed in place. Exact types only; the bit generators numpy ships.
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def _rng_kind(value) -> str | None:
    t = type(value)
    np = sys.modules.get("numpy")
    if np is not None and t is np.random.Generator and type(value.bit_generator).__name__ in _BIT_GENERATORS \
            and type(value.bit_generator) is getattr(np.random, type(value.bit_generator).__name__):
        return "numpy." + type(value.bit_generator).__name__
    if np is not None and t is np.random.RandomState:
        return "numpy.RandomState"
    if t.__module__ == "random" and t.__name__ == "Random" and t is sys.modules["random"].Random:
        return "random.Random"
    torch = sys.modules.get("torch")
    if torch is not None and t is torch.Generator and value.device.type == "cpu":
        return "torch.Generator"
    return None


def _rng_ops(kind):
    """(make a generator, read its state as data, set its state) for a kind _rng_kind names."""
    if kind == "random.Random":
        import random
        return random.Random, lambda rng: rng.getstate(), lambda rng, state: rng.setstate(state)
    if kind == "torch.Generator":
        import torch
        return (torch.Generator, lambda rng: rng.get_state().numpy(),
                lambda rng, state: rng.set_state(torch.from_numpy(_np().asarray(state, dtype=_np().uint8).copy())))
    np = _np()
    if kind == "numpy.RandomState":
        return (np.random.RandomState, lambda rng: rng.get_state(legacy=False),
                lambda rng, state: rng.set_state(state))
    if type(kind) is not str or kind.removeprefix("numpy.") not in _BIT_GENERATORS:
        raise WireError("unknown random generator")
    bit_generator = getattr(np.random, kind.removeprefix("numpy."))
    return (lambda: np.random.Generator(bit_generator()), lambda rng: rng.bit_generator.state,
            lambda rng, state: setattr(rng.bit_generator, "state", state))


def rng_state(value):
    """A random generator's state as plain data (its kind is _rng_kind's)."""
    return _rng_ops(_rng_kind(value))[1](value)


def _make_rng(kind, state):
    """A new generator of that kind in that state (the library checks the state; a bad one is a WireError)."""
    make, _, put = _rng_ops(kind)
    rng = make()
    try:
        put(rng, state)
    except RuntimeError:       # torch's complaint; numpy's and random's are ValueError/TypeError (decode's)
        raise WireError("bad random generator state") from None
    return rng


def set_rng_state(rng, other) -> None:
    """Bring ``rng`` to the state of ``other``, a generator of the same kind (the state after a student's call)."""
    kind = _rng_kind(rng)
    if kind is not None and kind == _rng_kind(other):
        _, get, put = _rng_ops(kind)
        put(rng, get(other))


# ---------------------------------------------------------------- namedtuples, as the grader's own class

_NAMEDTUPLES: dict = {}
MAX_FIELDS = 256


def _namedtuple_type(name, fields, count: int):
    """The grader's own namedtuple class for a name and fields (validated; one class per name and fields)."""
    import collections
    import keyword
    if type(name) is not str or type(fields) is not list or len(fields) != count or count > MAX_FIELDS:
        raise WireError("bad namedtuple")
    for text in [name, *fields]:
        if type(text) is not str or not text.isidentifier() or keyword.iskeyword(text) or len(text) > 60:
            raise WireError("bad namedtuple name or field")
    if len(set(fields)) != len(fields) or any(f.startswith("_") for f in fields):
        raise WireError("bad namedtuple fields")
    key = (name, tuple(fields))
    cls = _NAMEDTUPLES.get(key)
    if cls is None:
        cls = collections.namedtuple(name, fields, module="student")
        if len(_NAMEDTUPLES) < 1000:
            _NAMEDTUPLES[key] = cls
    return cls


def read_npy(data: bytes):
    """An array from .npy bytes, checking its header against the bytes really there before allocating.

    ``np.load`` trusts the header: one claiming terabytes makes it allocate terabytes. Only plain numeric dtypes
    are accepted (no objects, no records).
    """
    np = _np()
    fmt = np.lib.format
    buf = io.BytesIO(data)
    try:
        version = fmt.read_magic(buf)
        read_header = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}.get(version)
        if read_header is None:
            raise WireError("bad array payload")
        shape, fortran, dtype = read_header(buf)
    except WireError:
        raise
    except Exception:  # noqa: BLE001 - numpy raises many kinds on a damaged header
        raise WireError("bad array payload") from None
    if dtype.kind not in "biufcUS" or dtype.fields is not None or dtype.subdtype is not None or dtype.hasobject:
        raise WireError("bad array payload")
    count = math.prod(shape)
    body = memoryview(data)[buf.tell():]
    if any(type(n) is not int or n < 0 for n in shape) or count * dtype.itemsize != len(body):
        raise WireError("array header does not match its data")
    array = np.frombuffer(bytearray(body), dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran else "C")


# ---------------------------------------------------------------- framing

def write_message(fd_write, header: dict, blobs: list[bytes] = ()) -> None:
    """Frame: u64 json length, json, u64 blob count, then (u64 length, bytes) per blob."""
    payload = json.dumps(header, allow_nan=False).encode()
    parts = [_LEN.pack(len(payload)), payload, _LEN.pack(len(blobs))]
    for blob in blobs:
        parts += [_LEN.pack(len(blob)), blob]
    fd_write(b"".join(parts))


class Reader:
    """Incremental frame reader fed with bytes; yields (header, blobs) when a frame is complete."""

    def __init__(self, limit: int = MAX_BYTES + 2**20):
        self.buf = bytearray()
        self.limit = limit

    def feed(self, data: bytes):
        if len(self.buf) + len(data) > self.limit:
            raise TooLarge(f"a reply larger than {self.limit // 2**20} MB")
        self.buf += data

    def next(self):
        """The next complete (header, blobs), or None while bytes are missing. Each part is copied once."""
        spans = self._frame()
        if spans is None:
            return None
        (h0, h1), blob_spans, end = spans
        with memoryview(self.buf) as view:
            header = bytes(view[h0:h1])
            blobs = [bytes(view[a:b]) for a, b in blob_spans]
        self.buf = self.buf[end:]          # a copy of what follows (usually nothing): the big buffer is freed
        try:
            parsed = json.loads(header)
        except (ValueError, RecursionError) as err:
            raise WireError(f"malformed message: {type(err).__name__}") from None
        if type(parsed) is not dict:
            raise WireError("malformed message")
        return parsed, blobs

    def _frame(self):
        """Where the header and blobs of the first frame lie, checking each length before waiting for it."""
        n, pos = self._u64(0)
        if n is None:
            return None
        if n > min(self.limit, MAX_HEADER):
            raise TooLarge(f"a reply larger than {min(self.limit, MAX_HEADER) // 2**20} MB")
        header = (pos, pos + n)
        count, pos = self._u64(pos + n)
        if count is None:
            return None
        if count > MAX_BLOBS:
            raise WireError("too many blobs")
        blobs = []
        for _ in range(count):
            m, pos = self._u64(pos)
            if m is None:
                return None
            if m > self.limit:
                raise TooLarge(f"a reply larger than {self.limit // 2**20} MB")
            blobs.append((pos, pos + m))
            pos += m
        return (header, blobs, pos) if len(self.buf) >= pos and len(self.buf) >= header[1] else None

    def _u64(self, pos: int):
        """The length field at pos and the position after it, or (None, pos) when it has not arrived."""
        if len(self.buf) < pos + 8:
            return None, pos
        return _LEN.unpack_from(self.buf, pos)[0], pos + 8
