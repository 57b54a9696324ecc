"""The student side of grading: runs inside the sandbox, executes cells, answers the grader's calls.

Started as ``python worker.py IN_FD OUT_FD`` with ``wire.py`` beside it. Requests and replies are framed
plain-data messages (see wire.py). Nothing here decides a grade: it only runs the student's code when asked
and reports what came back. Objects that are not plain data stay here, in a handle table.
"""
from __future__ import annotations

import os
import sys
import traceback

import wire

STDOUT_CAP = 1 << 20  # characters of student output kept; the rest is dropped, not an error


class CappedWriter:
    """Replaces sys.stdout/stderr: a student printing gigabytes neither fails nor fills the disk.

    Writes go to the process's own fd 1/2, which the grader connects to a log file the sandbox cannot see,
    so the grader never reads output back from a folder the student can write.
    """

    def __init__(self, fd: int):
        self.file = open(fd, "w", encoding="utf-8", errors="replace", closefd=False)
        self.left = STDOUT_CAP
        self.wrote = False        # anything written since the grader last asked (nbgrader: stderr scores 0)

    def write(self, text):
        text = str(text)
        self.wrote = self.wrote or bool(text)
        if self.left > 0:
            try:
                self.file.write(text[: self.left])
                self.file.flush()
            except OSError:   # the file size limit reached: output is dropped, never an error
                self.left = 0
        self.left -= len(text)
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        return self.file.fileno()


class Worker:
    def __init__(self, fd_in: int, fd_out: int):
        self.fd_in, self.fd_out = fd_in, fd_out
        self.reader = wire.Reader()
        self.handles: dict[int, object] = {}
        self.skipped: list[str] = []          # lines of the running cell that were skipped (see _sandbox_magics)
        self.shell = _make_shell(self.skipped)
        self.ns = self.shell.user_ns

    # -- transport
    def receive(self):
        while True:
            msg = self.reader.next()
            if msg is not None:
                return msg
            chunk = os.read(self.fd_in, 1 << 20)
            if not chunk:
                raise SystemExit(0)
            self.reader.feed(chunk)

    def send(self, header: dict, blobs=()):
        def write_all(data: bytes):
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd_out, view):]
        wire.write_message(write_all, header, blobs)

    # -- values
    def _handle(self, value):
        key = id(value)
        self.handles[key] = value
        try:
            name = getattr(value, "__name__", None) if callable(value) else None
        except Exception:  # noqa: BLE001 - a student object's __getattr__ may raise: no name then
            name = None
        return {"$h": key, "type": type(value).__name__[:60], "name": name[:60] if type(name) is str else None}

    def _resolve(self, node):
        key = node.get("$h")
        if key not in self.handles:
            raise wire.WireError("unknown handle")
        return self.handles[key]

    def encode(self, value):
        enc = wire.Encoder(handle=self._handle)
        return enc.encode(value), enc.blobs

    # -- requests
    def serve(self):
        while True:
            request, blobs = self.receive()
            if request.get("op") == "exit":
                return
            self.serve_one(request, blobs)

    def serve_one(self, request, blobs):
        try:
            reply, out_blobs = self.dispatch(request, blobs)
        except BaseException as err:  # noqa: BLE001 - every student failure becomes a reply
            reply, out_blobs = {"ok": False, "error": describe(err)}, []
        reply["seq"] = request.get("seq")     # lets the grader tell a stale or forged reply from the answer
        self.send(reply, out_blobs)

    def dispatch(self, request: dict, blobs):
        op = request.get("op")
        if op == "run":
            return self.run_cell(request["code"], request.get("result") is True), []
        if op == "get":
            name = request["name"]
            if name not in self.ns:
                return {"ok": True, "missing": True}, []
            return self.reply_value(self.ns[name])
        if op == "ping":
            return {"ok": True}, []
        decoder = wire.Decoder(blobs, handle=self._resolve, callback=lambda node: _Callback(self, node))
        if op == "del":           # a test deleted a student name (secure mode forwards it here)
            self.ns.pop(str(request["name"]), None)
            return {"ok": True}, []
        if op == "set":           # ... and binds it again, to a handle's object or to data
            self.ns[str(request["name"])] = decoder.decode(request["value"])
            return {"ok": True}, []
        target = self._resolve({"$h": request["target"]})
        if op == "call":
            args = decoder.decode(request["args"])
            kwargs = decoder.decode(request["kwargs"])
            return self.call(target, args, kwargs)
        if op == "getattr":
            name = request["name"]
            if name.startswith("_"):
                raise AttributeError(f"private attribute {name!r} is not available to tests")
            return self.reply_value(getattr(target, name))
        if op == "getitem":
            return self.reply_value(target[decoder.decode(request["key"])])
        if op == "len":
            return self.reply_value(len(target))
        if op == "bool":          # truth of a student object: a plain bool crosses, so nothing is gained by lying
            return self.reply_value(bool(target))
        if op in COMPARISONS:     # two student objects compared by a test (the other may be data): the student's
            other = decoder.decode(request["other"])           # own __eq__ decides, as in a kernel
            return self.reply_value(COMPARISONS[op](target, other))
        if op in TEXTS:           # repr()/str()/format() a test takes of a student object: only a str crosses
            text = TEXTS[op](target, str(request.get("spec", "")))
            if type(text) is not str:
                raise TypeError(f"{op}() of the object did not return a str")
            return self.reply_value(text)
        if op == "iter":
            if iter(target) is target:      # a generator or other iterator: lazily, one next() per request
                return {"ok": True, "lazy": True}, []
            return self.reply_value(list(target))
        if op == "next":
            try:
                value = next(target)
            except StopIteration:
                return {"ok": True, "stop": True}, []
            return self.reply_value(value)
        raise wire.WireError(f"unknown request {op!r}")

    def reply_value(self, value):
        tree, blobs = self.encode(value)
        return {"ok": True, "value": tree}, blobs

    def call(self, fn, args, kwargs):
        before = [_snapshot(a) for a in args]
        before_kw = {k: _snapshot(v) for k, v in kwargs.items()}
        printed, errors = _Recorder(sys.stdout), _Recorder(sys.stderr)
        sys.stdout, sys.stderr = printed, errors
        try:
            result = fn(*args, **kwargs)
        finally:
            if sys.stdout is printed:
                sys.stdout = printed.target
            if sys.stderr is errors:
                sys.stderr = errors.target
        # Report arguments the call changed in place, so the grader's copies change the same way.
        changed = [[i, a] for i, (a, b) in enumerate(zip(args, before)) if b is not None and _changed(a, b)]
        changed_kw = [[k, v] for k, v in kwargs.items() if before_kw[k] is not None and _changed(v, before_kw[k])]
        enc = wire.Encoder(handle=self._handle)
        tree = {"value": enc.encode(result), "args": enc.encode(changed), "kwargs": enc.encode(changed_kw)}
        return {"ok": True, **tree, **({"stdout": printed.text()} if printed.parts else {}),
                **({"stderr": errors.text()} if errors.parts else {})}, enc.blobs

    def run_cell(self, code: str, want_result: bool = False) -> dict:
        """Run a cell; the reply names the shell commands it contained, which were skipped, under "skipped".

        With ``want_result`` (nbgrader mode, a test cell) it also says whether the cell wrote to stderr and gives
        the text/plain form of the cell's value, as a kernel's execute_result (nbgrader's partial credit)."""
        self.skipped.clear()
        if isinstance(sys.stderr, CappedWriter):
            sys.stderr.wrote = False
        result = self.shell.run_cell(code, store_history=False, silent=False)
        err = result.error_before_exec or result.error_in_exec
        reply = {"ok": True} if err is None else {"ok": False, "error": describe(err)}
        if want_result:
            reply["stderr"] = bool(getattr(sys.stderr, "wrote", False))
            if err is None and result.result is not None:
                reply["result"] = _plain_text(self.shell, result.result)
        if self.skipped:
            reply["skipped"] = [line[:200] for line in dict.fromkeys(self.skipped)][:20]
        return reply


COMPARISONS = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
               "isinstance": lambda cls, value: isinstance(value, cls),
               "issubclass": lambda cls, sub: issubclass(sub, cls)}
TEXTS = {"repr": lambda obj, spec: repr(obj), "str": lambda obj, spec: str(obj),
         "format": lambda obj, spec: format(obj, spec)}


class _Recorder:
    """sys.stdout (or stderr) during a call from a test: output still goes to the log, and its first PRINTED_CAP
    characters go back to the test, which writes them to its own sys.stdout or sys.stderr (so redirect_stdout and
    redirect_stderr in a test see them)."""
    PRINTED_CAP = 1 << 16

    def __init__(self, target):
        self.target, self.parts, self.size = target, [], 0

    def write(self, text):
        text = str(text)
        if self.size < self.PRINTED_CAP:
            self.parts.append(text[: self.PRINTED_CAP - self.size])
            self.size += len(self.parts[-1])
        return self.target.write(text)

    def flush(self):
        return self.target.flush()

    def isatty(self):
        return False

    def fileno(self):
        return self.target.fileno()

    def text(self) -> str:
        return "".join(self.parts)


class _Callback:
    """A test's callable (a lambda, `abs`, a bound method) passed to student code: calling it asks the grader,
    which runs it on its side and answers with data (or a handle). Only while a request is being served."""

    def __init__(self, worker, node):
        self._worker, self._id = worker, node["$cb"]
        self.__name__ = str(node.get("name") or "callback")[:60]

    def __call__(self, *args, **kwargs):
        worker = self._worker
        enc = wire.Encoder(handle=worker._handle)
        tree = {"callback": self._id, "args": enc.encode(list(args)), "kwargs": enc.encode(dict(kwargs))}
        worker.send(tree, enc.blobs)
        while True:             # the test's callable may itself use student objects: serve those requests
            reply, blobs = worker.receive()
            if reply.get("op") == "callback-result":
                break
            if reply.get("op") == "exit":
                raise SystemExit(0)
            worker.serve_one(reply, blobs)
        decoder = wire.Decoder(blobs, handle=worker._resolve, callback=lambda node: _Callback(worker, node))
        if reply.get("ok") is not True:
            import builtins
            cls = getattr(builtins, str(reply.get("type", "")), None)
            cls = cls if isinstance(cls, type) and issubclass(cls, Exception) else RuntimeError
            raise cls(str(reply.get("message", ""))[:2000])
        return decoder.decode(reply["value"])

    def __repr__(self):
        return f"<{self.__name__} from the test>"


def _plain_text(shell, value) -> str:
    """The value's text/plain form, as the kernel's display formatter makes it (bounded)."""
    try:
        data, _ = shell.display_formatter.format(value)
        text = data.get("text/plain", "")
    except Exception:  # noqa: BLE001 - a failing __repr__ is the student's problem: no partial credit text then
        return ""
    return text[:1000] if isinstance(text, str) else ""


def _snapshot(value):
    """A copy of a mutable argument (array, tensor, list, dict) to detect in-place changes; None otherwise."""
    t = type(value)
    if t in (list, dict):
        try:
            import copy
            return copy.deepcopy(value)
        except Exception:  # noqa: BLE001
            return None
    if wire._rng_kind(value) is not None:        # a test's random generator: its state, to see it advance
        return _Drawn(value)
    kind = wire._array_kind(value)
    if kind == "ndarray":
        return value.copy()
    if kind == "tensor":
        return value.detach().clone()
    return None


class _Drawn:
    """The state of a random generator before a call, as wire data (a tree and its blobs compare with ==)."""

    def __init__(self, rng):
        self.state = self.of(rng)

    @staticmethod
    def of(rng):
        enc = wire.Encoder()
        return enc.encode(wire.rng_state(rng)), enc.blobs


def _changed(now, before) -> bool:
    try:
        if type(before) is _Drawn:
            return _Drawn.of(now) != before.state
        kind = wire._array_kind(now)
        if kind == "ndarray":
            import numpy as np
            return now.shape != before.shape or not np.array_equal(now, before, equal_nan=True)
        if kind == "tensor":
            return now.shape != before.shape or not bool((now.detach() == before).all())
        return not _equal_plain(now, before)
    except Exception:  # noqa: BLE001 - unknown contents: report as changed so the grader sees it
        return True


def _equal_plain(a, b) -> bool:
    import numpy as np
    if type(a) is not type(b):
        return False
    if type(a) is list:
        return len(a) == len(b) and all(_equal_plain(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return a.keys() == b.keys() and all(_equal_plain(a[k], b[k]) for k in a)
    if type(a) is np.ndarray:
        return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a is b or a == b


def describe(err: BaseException) -> dict:
    """The exception as data: type, message and the traceback lines from the student's own cells."""
    frames = traceback.extract_tb(err.__traceback__)
    mine = [f for f in frames if f.filename.startswith("<ipython-input") or f.filename.startswith("/tmp/ipykernel")
            or "cell" in os.path.basename(f.filename)]
    lines = traceback.format_list(mine[-6:])
    try:
        message = str(err)[:2000]
    except BaseException:  # noqa: BLE001 - a student exception whose __str__ fails still gets reported
        message = "(the exception's message could not be read)"
    import builtins
    bases = [c.__name__ for c in type(err).__mro__[1:]
             if c.__module__ == "builtins" and getattr(builtins, c.__name__, None) is c][:10]
    return {"type": type(err).__name__[:100], "message": message, "bases": bases,
            "memory": isinstance(err, MemoryError) or "can't allocate memory" in message
            or "not enough memory" in message.lower(),
            "traceback": "".join(lines)[-4000:]}


def _make_shell(skipped: list[str]):
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config
    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"
    shell = InteractiveShell.instance(config=config)
    shell.user_ns["__name__"] = "__main__"
    _quiet_matplotlib(shell)
    _sandbox_magics(shell, skipped)
    return shell


# Magics that install packages or run another program: the sandbox has no network and nothing to gain from a
# shell, so they become no-ops and are reported. Every other magic (%time, %config, %load_ext, ?...) runs as usual.
SKIPPED_LINE_MAGICS = ("pip", "conda", "mamba", "micromamba", "uv")
SKIPPED_CELL_MAGICS = ("bash", "sh", "script", "perl", "ruby", "python", "python2", "python3", "pypy")


def _sandbox_magics(shell, skipped: list[str]) -> None:
    """Shell escapes (`!cmd`, `x = !cmd`, `%system`, `%sx`, aliases such as `%ls`) and installers are skipped."""
    from IPython.utils.text import SList

    def system(cmd):
        skipped.append(f"!{cmd}".strip())

    def getoutput(cmd, split=True, depth=0):
        skipped.append(f"!{cmd}".strip())
        return SList() if split else ""

    def line(name):
        return lambda line="": skipped.append(f"%{name} {line}".strip())

    def cell(name):
        return lambda line="", cell=None: skipped.append(f"%%{name} {line}".strip())

    shell.system = shell.system_piped = shell.system_raw = system
    shell.getoutput = getoutput
    for name in SKIPPED_LINE_MAGICS:
        shell.register_magic_function(line(name), "line", name)
    for name in SKIPPED_CELL_MAGICS:
        shell.register_magic_function(cell(name), "cell", name)


def _quiet_matplotlib(shell) -> None:
    """`%matplotlib inline` (or any backend) keeps the headless Agg backend: figures are not shown while grading.

    A bare InteractiveShell raises NotImplementedError from enable_gui, which failed the whole cell.
    """
    def enable_matplotlib(gui=None):
        import matplotlib
        matplotlib.use("Agg")
        return gui, "agg"

    shell.enable_gui = lambda gui=None: None
    shell.enable_matplotlib = enable_matplotlib


def _unpack_files() -> None:
    """Files shipped with the assignment (data, helper modules) into the working folder, beside the notebook."""
    import shutil
    files = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files")
    if os.path.isdir(files):
        shutil.copytree(files, os.getcwd(), dirs_exist_ok=True, symlinks=False)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())     # a helper module next to the notebook imports, as in a kernel


def main():
    fd_in, fd_out = int(sys.argv[1]), int(sys.argv[2])
    os.environ["DLBOOK_GRADING"] = "1"    # a `dlbook.validate()` cell left in the notebook does nothing here
    sys.stdout = CappedWriter(1)
    sys.stderr = CappedWriter(2)
    import warnings
    warnings.simplefilter("default")   # warnings are shown to the student, never fail a test
    _unpack_files()
    Worker(fd_in, fd_out).serve()


if __name__ == "__main__":
    main()
