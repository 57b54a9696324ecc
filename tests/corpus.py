"""A corpus of cheating and broken submissions, generated from any assignment's source and release.

Each case starts from an honest student who finished every part but the last (`prefix_notebook(n - 1)`) and then
attacks or breaks the last part, or the file itself. The grader must give the honest parts their points, the
attacked part nothing, the expected status, and finish the batch.
"""
from __future__ import annotations

import json
import textwrap
import uuid
from dataclasses import dataclass

import nbformat

from autograde.assignment import Assignment, defined_names

from .assignments import REPO, prefix_notebook, source_path

HONEST, ZERO = "honest", "zero"     # expected score: the honest parts' points, or nothing at all


@dataclass
class Case:
    name: str
    kind: str                 # 'cheat', 'broken', 'attack' (on the grader itself) or 'honest'
    statuses: tuple           # acceptable statuses
    score: str                # HONEST or ZERO
    payload: str | None = None    # code for the last answer cell; {names} and {fn} are filled in
    raw: bytes | None = None      # the whole file, for broken files
    edit: str | None = None       # a named edit of the notebook's cells
    full_marks: bool = False      # the last part is honest too (e.g. it only prints a lot)


CASES = [
    # ---------------------------------------------------------------- cheats
    Case("rebind-allclose", "cheat", ("graded",), HONEST, """
        import numpy as np
        np.allclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        {stubs}"""),
    Case("silence-tracebacks", "cheat", ("graded",), HONEST, """
        ip = get_ipython()
        ip.showtraceback = lambda *a, **k: None
        ip.showsyntaxerror = lambda *a, **k: None
        {stubs}"""),
    Case("input-transformer", "cheat", ("graded",), HONEST, """
        get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
        {stubs}"""),
    Case("always-equal-object", "cheat", ("graded",), HONEST, """
        class Anything:
            def __eq__(self, other): return True
            def __ne__(self, other): return False
            def __array__(self, *a, **k): raise TypeError
            def __getattr__(self, name): return self
            def __call__(self, *a, **k): return self
        {assign_all} lambda *a, **k: Anything()"""),
    Case("ndarray-subclass", "cheat", ("graded",), HONEST, """
        import numpy as np
        class Agreeable(np.ndarray):
            def __eq__(self, other): return np.ones(np.shape(other), bool)
        {assign_all} lambda *a, **k: np.zeros(3).view(Agreeable)"""),
    Case("fake-class-attribute", "cheat", ("graded", "tampered"), HONEST, """
        import numpy as np
        class Pretender:
            __class__ = np.ndarray
            shape = (3,)
            def __eq__(self, other): return True
        {assign_all} lambda *a, **k: Pretender()"""),
    Case("read-source-notebook", "cheat", ("graded",), HONEST, """
        import json, glob, os
        def _steal():
            paths = [{source!r}, "../solutions/{assignment}/{assignment}.ipynb",
                     "../../solutions/{assignment}/{assignment}.ipynb", os.path.expanduser("~/{assignment}.ipynb")]
            paths += glob.glob("/work/*/solutions/{assignment}/*.ipynb") + glob.glob("/tmp/*/*.ipynb")
            for path in paths:
                try:
                    cells = json.load(open(path))["cells"]
                except OSError:
                    continue
                code = "\\n".join("".join(c["source"]) for c in cells if c.get("metadata", {{}}).get("nbgrader", {{}}).get("solution"))
                exec(code, globals())
                return True
            return False
        _steal()"""),
    Case("caller-frame-peek", "cheat", ("graded",), HONEST, """
        import sys
        def _peek(*args, **kwargs):
            frame = sys._getframe(1)
            while frame is not None:
                for key in ("expected", "want", "ref", "reference"):
                    if key in frame.f_locals:
                        return frame.f_locals[key]
                frame = frame.f_back
            raise RuntimeError("nothing to copy")
        {assign_all} _peek"""),
    Case("patch-dlbook-checks", "cheat", ("graded",), HONEST, """
        import dlbook.testing as T
        _noop = lambda *a, **k: None
        for _name in dir(T):
            if _name.startswith("check_"):
                setattr(T, _name, _noop)
                globals()[_name] = _noop      # the names the test cells imported, in the shared namespace
        {assign_all} lambda *a, **k: None"""),
    Case("patch-builtins", "cheat", ("graded", "crashed"), HONEST, """
        import builtins
        builtins.AssertionError = type("Harmless", (Exception,), {{}})
        builtins.isinstance = lambda *a: True
        {stubs}"""),
    Case("fake-grader-output", "cheat", ("graded",), HONEST, """
        print('{{"score": 1000, "tests": []}}')
        print("All tests passed! 100/100")
        import sys; sys.stderr.write("Score: 100%\\n")
        {stubs}"""),
    Case("write-outside-sandbox", "cheat", ("graded",), HONEST, """
        import os
        for _target in ["/tmp/autograde-escape", {repo_file!r}, os.path.expanduser("~/autograde-escape")]:
            try:
                with open(_target, "w") as f:
                    f.write("escaped")
            except OSError:
                pass
        {stubs}"""),
    Case("kill-the-grader", "cheat", ("graded", "crashed"), HONEST, """
        import os, signal
        for _pid in (os.getppid(), 1):
            try:
                os.kill(_pid, signal.SIGKILL)
            except OSError:
                pass
        {stubs}"""),
    Case("network-exfiltration", "cheat", ("graded",), HONEST, """
        import socket
        try:
            socket.create_connection(("127.0.0.1", 22), timeout=1).close()
        except OSError:
            pass
        {stubs}"""),
    Case("edit-test-cell", "cheat", ("tampered",), HONEST, edit="blank-tests"),
    Case("delete-test-cells", "cheat", ("modified",), HONEST, edit="delete-tests"),
    Case("inflate-points", "cheat", ("tampered",), HONEST, edit="inflate-points"),
    Case("fake-test-cell", "cheat", ("tampered",), HONEST, edit="fake-test-cell"),
    Case("retag-test-cell", "cheat", ("tampered",), HONEST, edit="retag-tests"),
    Case("duplicate-test-cells", "cheat", ("modified",), HONEST, edit="duplicate-tests"),
    # ---------------------------------------------------------------- honest students graded beside the attacks
    Case("honest-1", "honest", ("graded",), HONEST, full_marks=True, payload="{solution}"),
    Case("honest-2", "honest", ("graded",), HONEST, full_marks=True, payload="{solution}"),
    # ---------------------------------------------------------------- attacks on the grader itself (issue 9)
    Case("keyring-tamper", "attack", ("graded",), HONEST, """
        import ctypes
        _libc = ctypes.CDLL(None, use_errno=True)
        _KEYCTL, _ADD_KEY = (250, 248) if __import__("platform").machine() == "x86_64" else (219, 217)
        _libc.syscall(_KEYCTL, 1, None)                                  # join a session keyring
        _libc.syscall(_ADD_KEY, b"user", b"autograde-stolen", b"x", 1, -3)  # add a key to it
        _libc.syscall(_KEYCTL, 7, -3)                                    # clear the session keyring
        {stubs}"""),
    Case("deeply-nested-name", "attack", ("graded",), HONEST, """
        _deep = []
        for _ in range(100_000):
            _deep = [_deep]
        {assign_all} _deep"""),
    Case("huge-integer-name", "attack", ("graded",), HONEST, """
        import sys
        sys.set_int_max_str_digits(0)
        {assign_all} 10 ** 60_000"""),
    Case("lone-surrogate-message", "attack", ("graded",), HONEST, """
        def _raise(*a, **k):
            raise ValueError("bad \\ud800 value \\x1b[2J\\x1b[31m")
        {assign_all} _raise"""),
    Case("huge-exception-name", "attack", ("graded",), HONEST, """
        def _raise(*a, **k):
            raise type("E" * 20_000_000, (Exception,), {{}})("x" * 20_000_000)
        {assign_all} _raise"""),
    Case("deep-folder-chain", "attack", ("graded",), HONEST, """
        import os
        _home = os.getcwd()
        for _ in range(3000):
            os.mkdir("d")
            os.chdir("d")
        os.chdir(_home)
        {stubs}"""),
    Case("links-and-fifos", "attack", ("crashed",), HONEST, """
        import os
        def _plant(*a, **k):
            for _folder in (".", "out", "/tmp"):
                for _name in ("process.txt", "stdout.txt", "stderr.txt", "log.txt"):
                    _path = os.path.join(_folder, _name)
                    try:
                        os.makedirs(_folder, exist_ok=True)
                        if os.path.lexists(_path):
                            os.remove(_path)
                        if _name == "stderr.txt":
                            os.mkfifo(_path)
                        else:
                            os.symlink("/dev/zero", _path)
                    except OSError:
                        pass
            os._exit(1)
        {assign_all} _plant"""),
    Case("forged-deep-header", "attack", ("crashed", "graded"), HONEST, """
        import os, struct, sys
        _header = b"[" * 200_000 + b"]" * 200_000
        os.write(int(sys.argv[-1]), struct.pack("<Q", len(_header)) + _header + struct.pack("<Q", 0))
        {stubs}"""),
    Case("forged-npy-terabytes", "attack", ("graded", "crashed"), HONEST, """
        import json, os, struct, sys
        def _forge(*a, **k):
            npy = b"\\x93NUMPY\\x01\\x00"
            head = b"{{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }}"
            head += b" " * (63 - (10 + len(head)) % 64) + b"\\n"
            blob = npy + struct.pack("<H", len(head)) + head + b"\\x00" * 64
            frame, seq = sys._getframe(), None
            while frame is not None and seq is None:      # the request being answered, in the worker's frame
                request = frame.f_locals.get("request")
                seq = request.get("seq") if type(request) is dict else None
                frame = frame.f_back
            header = json.dumps({{"ok": True, "value": {{"$nd": 0}}, "args": {{"$list": []}},
                                 "kwargs": {{"$list": []}}, "seq": seq}}).encode()
            frame = struct.pack("<Q", len(header)) + header + struct.pack("<Q", 1) + struct.pack("<Q", len(blob)) + blob
            os.write(int(sys.argv[-1]), frame)
            return 0
        {assign_all} _forge"""),
    Case("hanging-class-attribute", "attack", ("timeout",), HONEST, """
        class _Hang:
            @property
            def __class__(self):
                while True:
                    pass
        {assign_all} _Hang()"""),
    Case("reply-100mb", "attack", ("graded",), HONEST, """
        {assign_all} lambda *a, **k: "x" * 100_000_000"""),
    Case("masked-array-answer", "attack", ("graded",), HONEST, """
        import numpy as np
        {assign_all} lambda *a, **k: np.ma.masked_array(np.zeros(3))"""),
    Case("object-array-answer", "attack", ("graded",), HONEST, """
        import numpy as np
        {assign_all} lambda *a, **k: np.array([1, "a"], dtype=object)"""),
    Case("fork-memory", "attack", ("graded", "memory", "crashed"), HONEST, """
        import os
        def _hog(*a, **k):
            pids = []
            for _ in range(3):
                pid = os.fork()
                if pid == 0:
                    try:
                        _block = bytearray(600 * 2**20)
                        for _i in range(0, len(_block), 4096):
                            _block[_i] = 1
                        __import__("time").sleep(5)
                    finally:
                        os._exit(0)
                pids.append(pid)
            for pid in pids:
                os.waitpid(pid, 0)
            raise RuntimeError("done")
        {assign_all} _hog"""),
    Case("memfd-fill", "attack", ("graded", "memory", "crashed"), HONEST, """
        import os
        def _fill(*a, **k):
            fd = os.memfd_create("hog")
            chunk = b"x" * 2**20
            for _ in range(1536):
                os.write(fd, chunk)
            raise RuntimeError("filled")
        {assign_all} _fill"""),
    Case("disk-filler", "attack", ("graded", "memory", "crashed"), HONEST, """
        import os
        def _fill(*a, **k):
            chunk = b"x" * 2**20
            for _folder in (os.getcwd(), "/tmp", "/dev/shm"):
                for _i in range(64):
                    try:
                        with open(os.path.join(_folder, f"fill{{_i}}"), "wb") as f:
                            for _ in range(16):
                                f.write(chunk)
                    except OSError:
                        break
            raise RuntimeError("filled")
        {assign_all} _fill"""),
    Case("scratch-file-in-tmp", "attack", ("graded",), HONEST, full_marks=True, payload="""
        with open("/tmp/scratch.txt", "w") as _f:
            _f.write("notes")
        {solution}"""),
    # ---------------------------------------------------------------- broken submissions
    Case("infinite-loop", "broken", ("timeout",), HONEST, """
        {fn_loop}"""),
    Case("infinite-loop-top-level", "broken", ("timeout",), HONEST, """
        while True:
            pass"""),
    Case("memory-bomb", "broken", ("memory",), HONEST, """
        def _bomb(*a, **k):
            hog = []
            while True:
                hog.append(bytearray(256 * 2**20))
        {assign_all} _bomb"""),
    Case("process-flood", "broken", ("graded", "crashed", "timeout"), HONEST, """
        import os
        def _flood(*a, **k):
            for _ in range(10000):
                try:
                    if os.fork() == 0:
                        import time; time.sleep(600); os._exit(0)
                except OSError:
                    break
            raise RuntimeError("flooded")
        {assign_all} _flood"""),
    Case("os-exit", "broken", ("crashed",), HONEST, """
        import os
        {assign_all} lambda *a, **k: os._exit(3)"""),
    Case("os-exit-top-level", "broken", ("crashed",), HONEST, """
        import os
        os._exit(0)"""),
    Case("sys-exit", "broken", ("graded",), HONEST, """
        import sys
        {assign_all} lambda *a, **k: sys.exit(1)"""),
    Case("segfault", "broken", ("crashed",), HONEST, """
        import ctypes
        {assign_all} lambda *a, **k: ctypes.string_at(0)"""),
    Case("huge-output", "broken", ("graded",), HONEST, full_marks=True, payload="""
        {solution}
        for _ in range(200):
            print("x" * 1_000_000)"""),
    Case("stderr-warnings", "broken", ("graded",), HONEST, full_marks=True, payload="""
        import sys, warnings
        warnings.warn("a deprecation the student ignores", DeprecationWarning)
        sys.stderr.write("UserWarning: something noisy\\n")
        {solution}"""),
    Case("syntax-error", "broken", ("graded",), HONEST, """
        def broken(:
            return"""),
    Case("renamed-function", "broken", ("graded",), HONEST, edit="rename"),
    Case("deleted-answer-cells", "broken", ("graded",), HONEST, edit="delete-answer"),
    Case("duplicated-cells", "broken", ("graded",), HONEST, full_marks=True, edit="duplicate-answer"),
    Case("invalid-json", "broken", ("invalid-notebook",), ZERO, raw=b'{"cells": [ {"cell_type": "code", '),
    Case("empty-file", "broken", ("invalid-notebook",), ZERO, raw=b""),
    Case("not-a-notebook", "broken", ("invalid-notebook",), ZERO, raw=b"def predict(w, X):\n    return X\n"),
    Case("json-not-notebook", "broken", ("invalid-notebook",), ZERO, raw=b'{"hello": "world"}'),
    Case("non-utf8", "broken", ("invalid-notebook",), ZERO, raw=b'{"cells": [], "x": "\xff\xfe\xfa"}'),
    Case("nested-notebook", "attack", ("invalid-notebook",), ZERO, raw=b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
]


def build(case: Case, name: str, parts_done: int | None = None) -> bytes:
    """The submitted file for ``case`` against assignment ``name``.

    By default the student finished every part but the last (all of them for ``full_marks`` cases); a cheap
    variant passes ``parts_done=0``: nothing honest, so the attack is the only thing that could score.
    """
    if case.raw is not None:
        return case.raw
    assignment = Assignment.load(name, REPO)
    n = len(assignment.parts)
    if parts_done is None:
        parts_done = n if case.full_marks else n - 1
    nb = prefix_notebook(name, parts_done)
    answer_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]
    source_cells = [c for c in assignment.cells if c.kind == "solution"]
    last_answer, last_source = answer_cells[-1], source_cells[-1]
    names = defined_names(last_source.source) or ["answer"]
    if case.edit:
        _EDITS[case.edit](nb, names, last_answer, last_source)
    else:
        code = textwrap.dedent(case.payload).format(
            stubs="\n".join(f"def {n}(*a, **k):\n    raise NotImplementedError()" for n in names),
            assign_all=" = ".join(names) + " =", fn_loop="\n".join(f"def {n}(*a, **k):\n    while True:\n        pass" for n in names),
            solution=last_source.source, assignment=name, source=str(source_path(name)),
            repo_file=str(REPO / "ESCAPED"))
        last_answer.source = code
    return nbformat.writes(nb).encode()


def _blank_tests(nb, names, answer, source):
    for cell in _test_cells(nb):
        cell.source = "pass"


def _delete_tests(nb, names, answer, source):
    nb.cells = [c for c in nb.cells if c not in _test_cells(nb)]


def _inflate_points(nb, names, answer, source):
    for cell in _test_cells(nb):
        cell.metadata["nbgrader"]["points"] = 1000


def _fake_test_cell(nb, names, answer, source):
    fake = nbformat.v4.new_code_cell("assert True", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 1000, "grade_id": "bonus", "schema_version": 3}})
    nb.cells.append(fake)


def _retag_tests(nb, names, answer, source):
    for cell in _test_cells(nb):
        cell.metadata["nbgrader"]["grade"] = False


def _duplicate_tests(nb, names, answer, source):
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if cell in _test_cells(nb):
            cells.append(_copy(cell))
    nb.cells = cells


def _rename(nb, names, answer, source):
    answer.source = source.source
    for n in names:
        answer.source = answer.source.replace(f"def {n}(", f"def my_{n}(")


def _delete_answer(nb, names, answer, source):
    nb.cells = [c for c in nb.cells if c is not answer]


def _duplicate_answer(nb, names, answer, source):
    index = nb.cells.index(answer)
    nb.cells.insert(index, _copy(answer))


def _copy(cell):
    """A duplicate as Jupyter makes it: same content and metadata, a new cell id."""
    clone = nbformat.from_dict(json.loads(json.dumps(cell)))
    clone["id"] = uuid.uuid4().hex[:8]
    return clone


def _test_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata.get("nbgrader", {}).get("solution")]


_EDITS = {"blank-tests": _blank_tests, "delete-tests": _delete_tests, "inflate-points": _inflate_points,
          "fake-test-cell": _fake_test_cell, "retag-tests": _retag_tests, "duplicate-tests": _duplicate_tests,
          "rename": _rename, "delete-answer": _delete_answer, "duplicate-answer": _duplicate_answer}
