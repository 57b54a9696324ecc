"""The grader's side of the boundary: a session with the sandbox, and proxies for the student's objects.

Tests run here, in a process that never executes student code. Every name the student defines is fetched from
the sandbox before a test cell runs: plain data arrives as data, anything else as a :class:`Remote` handle whose
calls, attribute reads, indexing and iteration are forwarded to the sandbox and answered with data.
"""
from __future__ import annotations

import time

from . import wire
from .sandbox import Limits, Sandbox, SandboxError
from .text import clean

MISSING = object()


class StudentError(Exception):
    """Student code raised an exception in the sandbox."""

    def __init__(self, what: str, error: dict):
        error = error if type(error) is dict else {}
        self.what = what
        self.type = clean(error.get("type", "Exception"), 100)     # the sandbox is untrusted: bound everything
        self.detail = clean(error.get("message", ""), 2000)
        self.traceback = clean(error.get("traceback", ""), 4000)
        self.memory = error.get("memory") is True
        super().__init__(f"{what} raised {self.type}: {self.detail}")


_MIRRORS: dict[str, type] = {}


def student_error(what: str, error: dict) -> StudentError:
    """A StudentError that is also an instance of the builtin exception the student raised (ValueError...),
    so that tests can expect it (`check_raises(..., ValueError)`). Only builtin Exception classes are mirrored."""
    import builtins
    name = str(error.get("type", "")) if type(error) is dict else ""
    cls = getattr(builtins, name, None)
    bases = error.get("bases") if type(error) is dict else None
    if not (isinstance(cls, type) and issubclass(cls, Exception)) and type(bases) is list:
        # a student's own exception class (class BadShape(ValueError)): the nearest builtin it derives from, so
        # that `except ValueError` in a test catches it as it would next to the student's code
        name = next((str(b) for b in bases[:10] if isinstance(getattr(builtins, str(b), None), type)
                     and issubclass(getattr(builtins, str(b)), Exception)), name)
        cls = getattr(builtins, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)) or cls in (StopIteration, StopAsyncIteration):
        return StudentError(what, error)
    if name not in _MIRRORS:
        _MIRRORS[name] = type(f"Student{name}", (StudentError, cls), {"__str__": StudentError.__str__})
    return _MIRRORS[name](what, error)


class ForbiddenValue(Exception):
    """The student's code returned something that is not plain data (an ndarray subclass, an object array,
    a sparse tensor, a value nested too deep): that part fails with this message; it is not tampering."""


class ReplyTooLarge(Exception):
    """The student's code returned more data than the grader accepts (Limits.max_reply_mb)."""


class Session:
    """One sandbox kept alive across a notebook; when it dies it is restarted and the cells so far replayed."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.sandbox: Sandbox | None = None
        self.history: list[str] = []      # code of provided and student cells run so far, in order
        self.generation = 0
        self.seq = 0                              # request number: a reply must carry the same
        self.running = ""                         # what the current request runs, for a timeout's message
        self.skipped: list[str] = []              # shell lines the last cell had skipped (no shell while grading)
        self.deadline: float | None = None        # the current part's deadline
        self.budget_end: float | None = None      # the whole submission's deadline
        self.files = None                         # folder copied into each new sandbox's working folder
        self.last: dict = {}                      # the last cell's reply (nbgrader mode reads stderr and result)
        self.callbacks: dict[int, object] = {}     # the test's callables passed to student code, by id
        self.limitations: set[str] = set()        # what the running test did that the secure mode cannot honour

    # -- lifecycle
    def ensure(self) -> None:
        """A running sandbox at the state of the cells so far (started and replayed if needed)."""
        if self.sandbox is not None:
            return
        self._check_budget()
        self.sandbox = Sandbox(self.limits, self.files)
        self.sandbox.start()
        self.sandbox.reader.limit = self.limits.max_reply_mb * 2**20
        self.generation += 1
        for code in self.history:          # bring the new process to where the old one was
            self._raw({"op": "run", "code": code}, deadline=self.cell_deadline())

    def kill(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None

    def close(self) -> None:
        if self.sandbox is not None:
            try:
                self.sandbox.request({"op": "exit"}, deadline=time.monotonic() + 0.2)
            except SandboxError:
                pass
            self.sandbox.close()
            self.sandbox = None

    # -- deadlines
    def over_budget(self) -> bool:
        return self.budget_end is not None and time.monotonic() >= self.budget_end

    def _check_budget(self) -> None:
        if self.over_budget():
            raise SandboxError("timeout", "the submission's total time budget ran out")

    def cell_deadline(self) -> float:
        """A cell gets the per-part time limit, and never runs past the submission's budget."""
        return self._bounded(time.monotonic() + self.limits.timeout)

    def _bounded(self, deadline: float) -> float:
        return deadline if self.budget_end is None else min(deadline, self.budget_end)

    # -- requests
    def _raw(self, header, blobs=(), deadline=None):
        """Every request has a deadline: a student object's __class__ property may loop forever too."""
        deadline = self._bounded(deadline if deadline is not None else time.monotonic() + self.limits.timeout)
        self.seq += 1
        seq = self.seq                    # a callback may send requests of its own (nested, higher numbers)
        try:
            reply, out = self.sandbox.request({**header, "seq": seq}, blobs, deadline)
            while "callback" in reply and "seq" not in reply:     # student code calls a test's callable
                answer, answer_blobs = self._answer_callback(reply, out)
                reply, out = self.sandbox.request(answer, answer_blobs, deadline)
            if reply.get("seq") != seq:
                raise wire.WireError("a reply out of order (did the code write to the grader's pipe?)")
            return reply, out
        except SandboxError as err:
            self.kill()
            if err.kind == "timeout" and self.over_budget():
                raise SandboxError("timeout", "the submission's total time budget ran out") from None
            raise
        except wire.TooLarge as err:
            self.kill()
            raise ReplyTooLarge(f"your code returned {err}; the grader accepts at most "
                                f"{self.limits.max_reply_mb} MB per value") from None
        except wire.WireError as err:
            self.kill()
            raise SandboxError("crashed", f"the student process sent a malformed reply ({err})") from None

    def _answer_callback(self, message, blobs):
        """Run the test's callable the student's code called, on the grader's side; its result goes back as data
        (or a handle), an exception as its builtin type and message."""
        fn = self.callbacks.get(message.get("callback"))
        if fn is None:
            raise wire.WireError("a callback the test never passed")
        try:
            args = self.decode({"ok": True}, blobs, message.get("args"), "the arguments of a callback")
            kwargs = self.decode({"ok": True}, blobs, message.get("kwargs"), "the arguments of a callback")
            if type(args) is not list or type(kwargs) is not dict or any(type(k) is not str for k in kwargs):
                raise wire.WireError("malformed callback arguments")
            tree, out = self.encode(fn(*args, **kwargs))
            return {"op": "callback-result", "ok": True, "value": tree}, out
        except wire.WireError:
            raise
        except Exception as err:  # noqa: BLE001 - the test's callable failed: the student's code sees it raise
            import builtins
            name = type(err).__name__ if getattr(builtins, type(err).__name__, None) is type(err) else \
                next((c.__name__ for c in type(err).__mro__ if getattr(builtins, c.__name__, None) is c),
                     "Exception")
            return {"op": "callback-result", "ok": False, "type": name, "message": clean(str(err), 2000)}, []

    def request(self, header: dict, blobs=()):
        self.ensure()
        return self._raw(header, blobs, self.deadline)

    def run_cell(self, code: str, want_result: bool = False) -> dict | None:
        """Run a provided or student cell; returns the student's error (as data) or None. Raises SandboxError.

        With ``want_result`` (a test cell in nbgrader mode) ``self.last`` also says whether it wrote to stderr and
        holds the text of its value."""
        self.running = ""
        self.ensure()
        self.history.append(code)
        header = {"op": "run", "code": code, **({"result": True} if want_result else {})}
        reply, _ = self._raw(header, deadline=self.cell_deadline())
        self.last = reply
        skipped = reply.get("skipped")
        self.skipped = [clean(str(line), 200) for line in skipped[:20]] if type(skipped) is list else []
        if reply.get("ok") is True:
            return None
        error = reply.get("error")
        return error if type(error) is dict else {}

    def forget_last(self) -> None:
        """Drop the last cell from the replay list (it crashed or hung: replaying it would do so again)."""
        self.history.pop()

    def get(self, name: str, data_only: bool = False):
        """A student name's value; with ``data_only`` a value holding any student object is a ForbiddenValue."""
        reply, blobs = self.request({"op": "get", "name": name})
        if reply.get("missing"):
            return MISSING
        return self.decode(reply, blobs, reply.get("value"), f"`{name}`", data_only)

    # -- values
    def decode(self, reply, blobs, node, what, data_only: bool = False):
        if reply.get("ok") is not True:
            raise student_error(what, reply.get("error", {}))
        gen = self.generation
        try:
            handle = None if data_only else (lambda n: Remote(self, n, gen))
            value = wire.Decoder(blobs, handle=handle).decode(node)
        except wire.WireError as err:
            raise ForbiddenValue(f"{what} returned a value the grader cannot read ({err})") from None
        _reject(value, what)
        return value

    def encode(self, value):
        def handle(v):
            if isinstance(v, Remote) and v._session is self and v._generation == self.generation:
                return {"$h": v._id}
            if isinstance(v, Remote):
                raise SandboxError("crashed", "an object from before the student process restarted was used")
            if callable(v):            # a lambda, `abs`, a bound method: called back when the student calls it
                self.callbacks[id(v)] = v
                name = getattr(v, "__name__", None)
                return {"$cb": id(v), "name": name[:60] if type(name) is str else None}
            raise wire.WireError(f"a test passed a {type(v).__name__} to student code (not plain data)")
        enc = wire.Encoder(handle=handle)
        return enc.encode(value), enc.blobs


def _reject(value, what, depth=0):
    if isinstance(value, wire.Rejected):
        raise ForbiddenValue(f"{what} returned {clean(value.reason, 200)}, not a plain value")
    # every container here was built by the decoder, so isinstance cannot be fooled (namedtuples are tuples)
    if depth < 8 and isinstance(value, (list, tuple, set, frozenset)) or type(value).__name__ == "deque":
        for v in value:
            _reject(v, what, depth + 1)
    elif depth < 8 and type(value) is dict:
        for k, v in value.items():
            _reject(k, what, depth + 1)
            _reject(v, what, depth + 1)


TESTING: "Session | None" = None     # the session whose test cell is running (engine._testing sets it)


class _RemoteType(type):
    """Remote's class: `str(type(obj))` of a student object names Remote, not the student's class (nbgrader's
    AUTOTEST templates check types this way), so a test that does it is recorded as one the mode cannot honour."""

    def __repr__(cls):
        if TESTING is not None and _called_from_test():
            TESTING.limitations.add(TYPE)
        return super().__repr__()


class Remote(metaclass=_RemoteType):
    """A student object that stays in the sandbox. It can be called, indexed, iterated, its public attributes read,
    its truth, repr and str asked and another student object compared with it (each answered in the sandbox);
    it never equals the test's own data, cannot be converted to an array and cannot be introspected."""

    __slots__ = ("_session", "_id", "_type", "_name", "_generation")

    def __init__(self, session: Session, node: dict, generation: int):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_id", node["$h"])
        object.__setattr__(self, "_type", clean(str(node.get("type", "object")), 60))
        object.__setattr__(self, "_name", clean(str(node.get("name") or ""), 60))
        object.__setattr__(self, "_generation", generation)

    def _ask(self, header: dict, blobs=()):
        if self._generation != self._session.generation:
            raise SandboxError("crashed", "the student process was restarted; this object no longer exists")
        return self._session.request({**header, "target": self._id}, blobs)

    def __call__(self, *args, **kwargs):
        session = self._session
        try:
            tree, blobs = session.encode((list(args), dict(kwargs)))
        except wire.WireError as err:   # the test's own object (not data, not callable): cannot be carried
            self._limited(f"passed to the student's code what the secure mode cannot carry into the sandbox ({err})")
            raise
        tree_args, tree_kwargs = tree["$tuple"]
        session.running = f"`{self._name}(...)`" if self._name else f"a call of your {self._type}"
        reply, out = self._ask({"op": "call", "args": tree_args, "kwargs": tree_kwargs}, blobs)
        session.running = ""
        what = f"`{self._type}`" if self._type != "function" else "your function"
        import sys
        for stream, printed in ((sys.stdout, reply.get("stdout")), (sys.stderr, reply.get("stderr"))):
            if type(printed) is str and printed:
                stream.write(printed[: 1 << 16])   # what the call printed, where the test's prints go
        result = session.decode(reply, out, reply.get("value"), what)
        _apply_changes(args, session.decode(reply, out, reply.get("args"), what))
        _apply_changes(kwargs, session.decode(reply, out, reply.get("kwargs"), what))
        return result

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(f"tests cannot read private attribute {name!r} of a student object")
        reply, out = self._ask({"op": "getattr", "name": name})
        return self._session.decode(reply, out, reply.get("value"), f"attribute `{name}`")

    def __setattr__(self, name, value):
        raise AttributeError("student objects cannot be modified by tests")

    def __getitem__(self, key):
        tree, blobs = self._session.encode(key)
        reply, out = self._ask({"op": "getitem", "key": tree}, blobs)
        return self._session.decode(reply, out, reply.get("value"), "indexing your object")

    def __len__(self):
        reply, out = self._ask({"op": "len"})
        value = self._session.decode(reply, out, reply.get("value"), "len() of your object")
        if type(value) is not int:
            raise ForbiddenValue("len() of your object did not return an int")
        return value

    def __iter__(self):
        reply, out = self._ask({"op": "iter"})
        if reply.get("ok") is True and reply.get("lazy") is True:
            return self._lazy()                # a generator: one value per request, never the whole at once
        return iter(self._session.decode(reply, out, reply.get("value"), "iterating your object"))

    def _lazy(self):
        while True:
            try:
                yield self.__next__()
            except StopIteration:
                return

    def __next__(self):
        reply, out = self._ask({"op": "next"})
        if reply.get("ok") is True and reply.get("stop") is True:
            raise StopIteration
        return self._session.decode(reply, out, reply.get("value"), "next() of your iterator")

    # What a student's class defines for ==, truth, repr and isinstance runs in the sandbox, never on the grader's
    # side, and only when the test itself asks (not dlbook.testing or the engine describing a value): a bool or a
    # str comes back. Against the test's own data "not equal" stands without asking (an object that claims to
    # equal everything must not pass). What cannot be asked (a student object against an instance of a test's or
    # provided class) is recorded, so that a failing part says the grader could not honour the test.
    def _limited(self, what: str) -> None:
        if TESTING is self._session:
            self._session.limitations.add(what)

    def _same(self, other) -> bool:
        return type(other) is Remote and other._session is self._session and other._generation == self._generation

    def _compare(self, op: str, other):
        tree, blobs = self._session.encode(other)
        reply, out = self._ask({"op": op, "other": tree}, blobs)
        return self._session.decode(reply, out, reply.get("value"), f"comparing your object ({op})")

    def __eq__(self, other):
        if self is other or (self._same(other) and other._id == self._id):
            return True                # the same object in the sandbox (handles are kept, ids are not reused)
        if self._same(other):          # `make_point(1, 2) == Point(1, 2)`: the student's __eq__, in the sandbox
            return self._compare("eq", other)
        if not _is_data(other):        # a test's or provided class's instance: cannot cross to be compared
            self._limited(EQ)
        return False                   # the test's own data: a correct answer returns data, which compares

    def __ne__(self, other):
        if self._same(other) and other._id != self._id:
            return self._compare("ne", other)
        return not self.__eq__(other)

    def __hash__(self):
        return hash((id(self._session), self._id))

    def __bool__(self):
        # The student's own __bool__/__len__ decides, in the sandbox; only a plain bool comes back. An object that
        # claims to be true gains nothing a test of truth would not already give it.
        reply, out = self._ask({"op": "bool"})
        value = self._session.decode(reply, out, reply.get("value"), "the truth value of your object")
        if type(value) is not bool:
            raise ForbiddenValue("the truth value of your object was not a bool")
        return value

    def __instancecheck__(self, value):
        """`isinstance(x, Point)` with the student's class Point: asked of the sandbox (x a student object or data;
        the test's own objects are not instances of a student's class)."""
        return self._check("isinstance", value)

    def __subclasscheck__(self, cls):
        return self._check("issubclass", cls)

    def _check(self, op: str, value) -> bool:
        if type(value) is not Remote and not _is_data(value):
            return False
        answer = self._compare(op, value)
        if type(answer) is not bool:
            raise ForbiddenValue(f"{op}() against your class did not give a bool")
        return answer

    def __repr__(self):
        return self._text("repr") if _called_from_test() else self._placeholder()

    def __str__(self):
        return self._text("str") if _called_from_test() else self._placeholder()

    def __format__(self, spec):
        return self._text("format", spec) if _called_from_test() else format(self._placeholder(), spec)

    def _text(self, op: str, spec: str = "") -> str:
        reply, out = self._ask({"op": op, "spec": spec})
        text = self._session.decode(reply, out, reply.get("value"), f"{op}() of your object")
        if type(text) is not str:
            raise ForbiddenValue(f"{op}() of your object did not return a str")
        return text

    def _placeholder(self) -> str:
        return f"<{self._type} object from your code>"


EQ = ("compared a student object with `==` or `!=` against an instance of a class the test or a provided cell "
      "defines: that object cannot cross into the sandbox, where the student's `__eq__` runs, so such a comparison "
      "is always false in the secure mode")
TYPE = ("took `type()` of a student object and printed it: the secure mode holds the object in the sandbox, so its "
        "type here is the grader's proxy, not the student's class")
_DATA_MODULES = ("builtins", "numpy", "torch", "collections", "fractions", "decimal", "datetime", "student")


def _is_data(value) -> bool:
    """Whether a test's value is data that can cross to the sandbox (not an instance of a test's own class)."""
    module = type(value).__module__ or ""
    return module.split(".")[0] in _DATA_MODULES and not callable(value)


def _called_from_test() -> bool:
    """Whether the caller of the caller is a test cell's (or a provided cell's) own code."""
    import sys
    try:
        name = sys._getframe(2).f_code.co_filename
    except ValueError:
        return False
    return name.startswith(("<test ", "<provided cell>"))


def _apply_changes(originals, changes) -> None:
    """Mirror in-place changes the student's call made to its arguments onto the test's own objects."""
    if not changes:
        return
    for key, new in changes:
        try:
            target = originals[key]
        except (IndexError, KeyError, TypeError):
            continue
        _overwrite(target, new)


def _overwrite(target, new) -> None:
    import numpy as np
    if wire._rng_kind(target) is not None:      # the student's draws advanced the test's random generator
        wire.set_rng_state(target, new)
    elif type(target) is np.ndarray:
        new = np.asarray(new)
        if new.shape == target.shape:
            np.copyto(target, new, casting="unsafe")
        else:   # a resize in place: make the test see *a* change it can detect
            target.flat[:] = np.nan if target.dtype.kind == "f" else target.flat[:] + 1
    elif type(target) is list:
        target[:] = new
    elif type(target) is dict:
        target.clear()
        target.update(new)
    elif type(target).__module__.startswith("torch"):
        import torch
        with torch.no_grad():
            if tuple(target.shape) == tuple(new.shape):
                target.copy_(new)
