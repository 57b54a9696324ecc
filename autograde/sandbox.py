"""Starting, talking to and killing the sandboxed student process.

The student's code runs in ``worker.py`` under bubblewrap (no network, read-only system, a private writable
folder, its own pid namespace) with resource limits on memory, CPU time, processes and file size. Where ``bwrap``
is missing, the limits alone apply and a warning says so. As root, each sandbox also runs under its own unused
uid, so the process cap counts only its processes and nothing it starts survives the end of grading.
"""
from __future__ import annotations

import fcntl
import functools
import importlib.util
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from . import wire

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Limits:
    timeout: float = 60.0        # wall-clock seconds for one graded part (and for one cell of the student's)
    memory_mb: int = 2048        # address space of the student process
    max_procs: int = 128         # processes and threads
    max_file_mb: int = 64        # largest file the student may write
    disk_mb: int = 256           # size of each writable tmpfs in the sandbox (/sandbox, /tmp, /dev/shm)
    max_reply_mb: int = 64       # largest reply (one returned value) the grader accepts from student code
    submission_timeout: float | None = None   # wall-clock budget for a whole submission; None: derived
    bwrap: bool | None = None    # None: use bubblewrap when installed


class SandboxError(Exception):
    """The sandbox stopped answering: ``kind`` is 'timeout', 'crashed' or 'memory'."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind, self.detail = kind, detail


@functools.lru_cache(maxsize=1)
def bwrap_available() -> bool:
    path = shutil.which("bwrap")
    if not path:
        return False
    probe = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-all", "--dev", "/dev", "true"],
                           capture_output=True)
    return probe.returncode == 0


_WARNED = False


def _warn_no_bwrap():
    global _WARNED
    if not _WARNED:
        warnings.warn("bubblewrap (bwrap) is not available: student code runs with resource limits only, "
                      "without a filesystem and network sandbox. Install it with `apt-get install bubblewrap`.",
                      RuntimeWarning, stacklevel=3)
        _WARNED = True


def _python_paths() -> list[str]:
    """Folders the worker needs to read: the interpreter, its packages and the (editable) dlbook."""
    paths = {sys.base_prefix, sys.prefix, *(p for p in sys.path if p.endswith("site-packages"))}
    spec = importlib.util.find_spec("dlbook")
    if spec and spec.submodule_search_locations:
        paths.update(spec.submodule_search_locations)
    real = sorted({str(Path(p).resolve()) for p in paths if os.path.isdir(p)} - {str(HERE.parent)})
    # Outermost folders only; the repository root (which holds solutions/) is never among them.
    return [p for p in real if not any(p.startswith(q + os.sep) for q in real)]


def _others_can_run_python() -> bool:
    """Without bwrap a private uid must reach the interpreter through world-executable folders."""
    path = Path(sys.executable).resolve()
    return all(os.stat(p).st_mode & 0o001 for p in path.parents)


def _sandbox_env(home: str) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           "MPLCONFIGDIR": f"{home}/.mpl", "IPYTHONDIR": f"{home}/.ipython", "PYTHONHASHSEED": "0",
           "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "TQDM_DISABLE": "1", "CUDA_VISIBLE_DEVICES": "", "DLBOOK_DEVICE": "cpu",
           "PYTHONFAULTHANDLER": "1"}
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


class Sandbox:
    """One student process. ``request`` sends a message and waits for the reply until a deadline."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.use_bwrap = bwrap_available() if limits.bwrap is None else limits.bwrap
        if not self.use_bwrap:
            _warn_no_bwrap()
        private_uid = os.geteuid() == 0 and (self.use_bwrap and shutil.which("setpriv")
                                             or not self.use_bwrap and _others_can_run_python())
        self.uid, self._uid_lock = _claim_uid() if private_uid else (None, None)
        self.proc: subprocess.Popen | None = None
        self.dir = None

    # -- lifecycle
    def start(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="autograde-sbx-"))
        for name in ("worker.py", "wire.py"):
            shutil.copy(HERE / name, self.dir / name)
        (self.dir / "out").mkdir()
        if self.uid is not None:
            for path in [self.dir, *self.dir.rglob("*")]:
                os.chown(path, self.uid, self.uid)
        os.chmod(self.dir, 0o700)
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        home = "/sandbox" if self.use_bwrap else str(self.dir)
        worker = [sys.executable, "-E", "-s", f"{home}/worker.py", str(to_child_r), str(from_child_w)]
        cmd = self._bwrap_prefix() + worker if self.use_bwrap else worker
        log = open(self.dir / "out" / "process.txt", "wb")
        self.proc = subprocess.Popen(
            cmd, cwd=str(self.dir), env=_sandbox_env(home), stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, pass_fds=(to_child_r, from_child_w), preexec_fn=self._limit_child,
            start_new_session=True)
        log.close()
        os.close(to_child_r)
        os.close(from_child_w)
        self.reader = wire.Reader()

    def _bwrap_prefix(self) -> list[str]:
        # bwrap runs as root (no user namespace) so that the worker can then drop to the private uid with
        # setpriv: the process cap then counts the sandbox's processes only.
        cmd = ["bwrap", "--die-with-parent", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
               "--unshare-cgroup-try", "--new-session", "--proc", "/proc", "--dev", "/dev",
               "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
        for path in ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/etc"):
            if os.path.exists(path):
                cmd += ["--ro-bind", path, path]
        made = set()
        for path in _python_paths():
            for parent in reversed(Path(path).parents):
                if str(parent) != "/" and str(parent) not in made and not str(parent).startswith(
                        ("/usr", "/bin", "/lib", "/etc")):
                    cmd += ["--perms", "0755", "--dir", str(parent)]
                    made.add(str(parent))
            cmd += ["--ro-bind", path, path]
        cmd += ["--bind", str(self.dir), "/sandbox", "--chdir", "/sandbox"]
        if self.uid is not None:
            cmd += ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups", "--"]
        return cmd

    def _limit_child(self) -> None:
        """Runs in the child between fork and exec: limits first, then drop root."""
        mem = self.limits.memory_mb * 2**20
        cpu = int(self.limits.timeout * 4 + 120)
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.limits.max_file_mb * 2**20,) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.uid is not None and not self.use_bwrap:
            os.setgroups([])
            os.setgid(self.uid)
            os.setuid(self.uid)
        # Without a private uid (not root), the cap counts all of the user's processes: leave headroom.
        _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        cap = self.limits.max_procs if self.uid is not None else 4096
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_NPROC, (cap, cap))

    def close(self) -> None:
        if self.proc is not None:
            self._kill()
            for fd in (self._to_child, self._from_child):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.proc = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __del__(self):
        if getattr(self, "_uid_lock", None) is not None:
            os.close(self._uid_lock)

    def _kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.uid is not None:
            _kill_uid(self.uid)   # processes that left the group (setsid) die with their uid
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def output(self, limit: int = 4000) -> str:
        """The end of what the student process printed (for crash reports)."""
        texts = []
        for name in ("process.txt", "stderr.txt"):
            path = self.dir / "out" / name if self.dir else None
            if path and path.exists():
                texts.append(path.read_bytes()[-limit:].decode("utf-8", "replace"))
        return "\n".join(t for t in texts if t.strip())[-limit:]

    # -- messages
    def request(self, header: dict, blobs=(), deadline: float | None = None):
        if self.proc is None:
            raise SandboxError("crashed", "the sandbox is not running")
        try:
            wire.write_message(self._write_all, header, list(blobs))
        except (BrokenPipeError, OSError):
            raise self._died() from None
        while True:
            msg = self.reader.next()
            if msg is not None:
                return msg
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise SandboxError("timeout", "time limit reached")
            ready, _, _ = select.select([self._from_child], [], [], wait)
            if not ready:
                raise SandboxError("timeout", "time limit reached")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise self._died()
            self.reader.feed(chunk)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._to_child, view):]

    def _died(self) -> SandboxError:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        text = self.output()
        if code is not None and code < 0:
            sig = signal.Signals(-code).name
            kind = "memory" if sig == "SIGKILL" and "MemoryError" in text else "crashed"
            return SandboxError(kind, f"the student process was killed by {sig}")
        if "MemoryError" in text or "Cannot allocate memory" in text:
            return SandboxError("memory", "the student process ran out of memory")
        return SandboxError("crashed", f"the student process exited (exit code {code})")


UID_LOCKS = Path(tempfile.gettempdir()) / "autograde-uids"


def _claim_uid() -> tuple[int, int]:
    """An unused uid for one sandbox, held by a lock file for as long as the Sandbox object lives.

    Locks make the uid unique across grader processes and threads, so killing "everything of this uid" can
    never touch another submission's processes.
    """
    UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
    start = os.getpid() % 20000
    for i in range(20000):
        uid = 20000 + (start + i) % 20000
        fd = os.open(UID_LOCKS / str(uid), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return uid, fd
        except BlockingIOError:
            os.close(fd)
    raise RuntimeError("no free uid for a sandbox")


def _kill_uid(uid: int) -> None:
    """Kill every process owned by ``uid`` (a uid used by nothing but this sandbox)."""
    pid = os.fork()
    if pid == 0:  # child: become the uid, then signal everything it owns
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
