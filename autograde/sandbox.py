"""Starting, talking to and killing the sandboxed student process.

The student's code runs in ``worker.py`` under bubblewrap: no network, its own pid namespace, a read-only
system, the worker's own files read-only at ``/autograde``, and three writable tmpfs folders (``/sandbox``, its
home and cwd; ``/tmp``; ``/dev/shm``) of ``disk_mb`` each. As root those are size-limited tmpfs mounts on a host
folder, bound in (bubblewrap 0.8 has no ``--size``) and unmounted on close. Each sandbox gets:

* a cgroup (v2 when delegated, else v1 memory and pids) bounding the memory of the whole submission, tmpfs and
  memfd pages included, and its number of processes; an OOM kill in it is reported as kind 'memory';
* per-process limits too (address space, CPU time, file size, processes);
* a fresh, empty session keyring, and a seccomp filter refusing the keyring calls (and ``memfd_create`` when no
  memory cgroup bounds it);
* as root, its own unused uid (no host process runs as it, /etc/passwd does not name it).

The student's stdout/stderr go to a log in a host folder the sandbox cannot see; the grader reads back nothing
from any folder the student can write. ``close`` kills the cgroup (or the bwrap process, which takes its pid
namespace down; killing by uid only without either), unmounts, and removes the host folder iteratively, all
within bounded time. Where ``bwrap`` is missing, the limits, cgroup, keyring and seccomp filter apply without
the filesystem and network sandbox, and a warning says so. :func:`describe_enforcement` says what is active.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import warnings
import weakref
from dataclasses import dataclass
from pathlib import Path

from . import cgroup as cgroups
from . import hostfs, seccomp, uids, wire

try:
    import resource
except ImportError:      # Windows: importing works (validate runs there without the sandbox); starting one fails
    resource = None

HERE = Path(__file__).resolve().parent
WRITABLE = (("home", "/sandbox", 0o700), ("tmp", "/tmp", 0o1777), ("shm", "/dev/shm", 0o1777))


@dataclass(frozen=True)
class Limits:
    timeout: float = 60.0        # wall-clock seconds for one graded part (and for one cell of the student's)
    memory_mb: int = 2048        # memory of the whole submission (cgroup) and address space of each process
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


@functools.lru_cache(maxsize=1)
def _bwrap_has_size() -> bool:
    try:
        return "--size" in subprocess.run(["bwrap", "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False


def _disk_mode(use_bwrap: bool) -> str:
    """'mount' (own tmpfs mounts), 'size' (bwrap --size) or 'none' (unbounded)."""
    if hostfs.can_mount_tmpfs():
        return "mount"
    return "size" if use_bwrap and _bwrap_has_size() else "none"


def describe_enforcement(limits: Limits, use_bwrap: bool | None = None, cgroup_version: str | None = "detect",
                         disk: str | None = None) -> str:
    """One line saying which isolation and limits are active (before any sandbox starts, by detection)."""
    use_bwrap = (bwrap_available() if limits.bwrap is None else limits.bwrap) if use_bwrap is None else use_bwrap
    if cgroup_version == "detect":
        found = cgroups.detect()
        cgroup_version = found[0] if found else None
    memory, procs = cgroups.describe(limits.memory_mb, limits.max_procs)
    if cgroup_version is None:
        memory, procs = (f"memory: RLIMIT_AS only, {limits.memory_mb} MB per process (no usable cgroup)",
                         f"processes: RLIMIT_NPROC, {limits.max_procs}")
    disk = disk or _disk_mode(use_bwrap)
    folders = "/sandbox, /tmp, /dev/shm" if use_bwrap else "/sandbox (home) only"
    disk_text = (f"disk: tmpfs {limits.disk_mb} MB each for {folders}" if disk != "none"
                 else "disk: unbounded (no tmpfs size limit available)")
    sec = ("seccomp: keyrings blocked, memfd_create allowed (memory cgroup)" if cgroup_version
           else "seccomp: keyrings and memfd_create blocked (no memory cgroup)")
    return "; ".join([f"bubblewrap {'on' if use_bwrap else 'off'}", memory, procs, disk_text, sec])


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
           "PYTHONFAULTHANDLER": "1", "NBGRADER_EXECUTION": os.environ.get("NBGRADER_EXECUTION", "autograde")}
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


_LIVE: "weakref.WeakSet[Sandbox]" = weakref.WeakSet()     # started and not yet closed, in this process
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


SANDBOX_PREFIX = "autograde-sbx-"


def sweep_orphans() -> int:
    """Remove the folders (and tmpfs mounts, cgroups) of sandboxes whose grading process is gone, killed before
    it could close them; returns how many folders were removed."""
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{SANDBOX_PREFIX}*-*"):
        pid = folder.name[len(SANDBOX_PREFIX):].split("-")[0]
        if not pid.isdigit() or _alive(int(pid)) or folder.is_symlink():
            continue
        for mount in hostfs.mounts_under(folder):
            hostfs.unmount(mount)
        hostfs.remove_tree(folder)
        removed += 1
    cgroups.sweep_orphans(_alive)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def close_all() -> None:
    """Close every sandbox this process started: a grading process told to stop calls it, then exits."""
    for box in list(_LIVE):
        box.close()


class Sandbox:
    """One student process. ``request`` sends a message and waits for the reply until a deadline."""

    def __init__(self, limits: Limits, files: Path | None = None):
        self.limits = limits
        self.files = files            # a folder whose contents start in the student's working folder
        self.use_bwrap = bwrap_available() if limits.bwrap is None else limits.bwrap
        if not self.use_bwrap:
            _warn_no_bwrap()
        private_uid = os.geteuid() == 0 and (self.use_bwrap and shutil.which("setpriv")
                                             or not self.use_bwrap and _others_can_run_python())
        self.uid, self._uid_lock = uids.claim_uid() if private_uid else (None, None)
        self.proc: subprocess.Popen | None = None
        self.dir: Path | None = None
        self.cgroup: cgroups.Cgroup | None = None
        self._mounts: list[Path] = []
        self._disk = "none"
        self._seccomp_fd: int | None = None

    # -- lifecycle
    def start(self) -> None:
        _LIVE.add(self)
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix=f"{SANDBOX_PREFIX}{os.getpid()}-"))
        # Without bwrap the private uid must reach its home and the worker through this folder.
        os.chmod(self.dir, 0o700 if self.use_bwrap else 0o755)
        code = self.dir / "autograde"
        code.mkdir(mode=0o755)
        for name in ("worker.py", "wire.py"):
            shutil.copy(HERE / name, code / name)
            os.chmod(code / name, 0o644)
        self.cgroup = cgroups.create(self.limits.memory_mb, self.limits.max_procs + 8)   # + bwrap, setpriv
        if self.files is not None:
            self._copy_files()
        self._make_writable()
        self._seccomp = seccomp.program(block_memfd=self.cgroup is None)
        if self.use_bwrap:
            (self.dir / "seccomp.bpf").write_bytes(self._seccomp)
            self._seccomp_fd = os.open(self.dir / "seccomp.bpf", os.O_RDONLY)
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        home = "/sandbox" if self.use_bwrap else str(self.dir / "home")
        script = "/autograde/worker.py" if self.use_bwrap else str(code / "worker.py")
        worker = [sys.executable, "-E", "-s", script, str(to_child_r), str(from_child_w)]
        cmd = self._bwrap_prefix() + worker if self.use_bwrap else worker
        fds = (to_child_r, from_child_w) + ((self._seccomp_fd,) if self._seccomp_fd is not None else ())
        log = os.open(self.dir / "log", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        try:
            # No signal handler may run in the forked child before exec: hold SIGTERM/SIGINT during the fork.
            held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
            try:
                self.proc = subprocess.Popen(
                    cmd, cwd=str(self.dir / "home"), env=_sandbox_env(home), stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, pass_fds=fds, preexec_fn=self._limit_child, start_new_session=True)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
        finally:
            for fd in (log, to_child_r, from_child_w):
                os.close(fd)
        self.reader = wire.Reader()

    def _make_writable(self) -> None:
        """The student's writable folders on the host: size-limited tmpfs mounts when we may mount."""
        self._disk = _disk_mode(self.use_bwrap)
        owner = self.uid if self.uid is not None else os.geteuid()
        for name, _, mode in WRITABLE if self.use_bwrap else WRITABLE[:1]:
            path = self.dir / name
            path.mkdir(mode=0o700)
            if self._disk == "mount":
                hostfs.mount_tmpfs(path, self.limits.disk_mb, mode, owner if name == "home" else 0)
                self._mounts.append(path)
            else:
                os.chown(path, owner, owner)
                os.chmod(path, mode)

    def _copy_files(self) -> None:
        """The assignment's shipped files beside the worker (read-only in the sandbox); the worker copies them into
        its working folder at start, which works whether that folder is a host tmpfs or bwrap's own."""
        dest = self.dir / "autograde" / "files"
        dest.mkdir(mode=0o755)
        for src in sorted(Path(self.files).rglob("*")):
            if src.is_symlink() or not (src.is_file() or src.is_dir()):
                continue
            target = dest / src.relative_to(self.files)
            if src.is_dir():
                target.mkdir(mode=0o755, exist_ok=True)
            else:
                shutil.copyfile(src, target)
                os.chmod(target, 0o644)

    def _bwrap_prefix(self) -> list[str]:
        # bwrap runs as root (no user namespace) so that the worker can then drop to the private uid with
        # setpriv: the process cap then counts the sandbox's processes only.
        cmd = ["bwrap", "--die-with-parent", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
               "--unshare-cgroup-try", "--new-session", "--proc", "/proc", "--dev", "/dev"]
        for path in ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/etc"):
            if os.path.exists(path):
                cmd += ["--ro-bind", path, path]
        # The writable folders first: an interpreter or venv that lives under /tmp (a course cloned there) is
        # bound on top of the sandbox's own /tmp, not hidden by it.
        for name, target, mode in WRITABLE:
            if self._disk == "size":
                cmd += ["--size", str(self.limits.disk_mb * 2**20), "--perms", f"{mode:04o}", "--tmpfs", target]
            else:
                cmd += ["--bind", str(self.dir / name), target]
        made = set()
        for path in _python_paths():
            for parent in reversed(Path(path).parents):
                if str(parent) != "/" and str(parent) not in made and not str(parent).startswith(
                        ("/usr", "/bin", "/lib", "/etc")):
                    cmd += ["--perms", "0755", "--dir", str(parent)]
                    made.add(str(parent))
            cmd += ["--ro-bind", path, path]
        cmd += ["--ro-bind", str(self.dir / "autograde"), "/autograde"]
        cmd += ["--seccomp", str(self._seccomp_fd), "--chdir", "/sandbox"]
        if self.uid is not None:
            cmd += ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups", "--"]
        return cmd

    def _limit_child(self) -> None:
        """Runs in the child between fork and exec: cgroup and keyring first, then limits, then drop root."""
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)   # nothing is pending in a new child
        if self.cgroup is not None:
            self.cgroup.join()
        try:
            seccomp.join_fresh_session_keyring()
        except OSError:
            pass   # no keyring support in this kernel: the seccomp filter still refuses the calls
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
        if not self.use_bwrap:
            seccomp.install(self._seccomp)   # with bwrap, bwrap installs it (--seccomp)

    def enforcement(self) -> str:
        """One line saying which isolation and limits this sandbox runs under."""
        version = self.cgroup.version if self.cgroup else None
        line = describe_enforcement(self.limits, self.use_bwrap, version, self._disk)
        if self.cgroup and not self.cgroup.has_pids:
            line = line.replace(f"processes: cgroup pids, {self.limits.max_procs}",
                                f"processes: RLIMIT_NPROC, {self.limits.max_procs}")
        return line

    def peak_memory_mb(self) -> float | None:
        """Most memory the submission used at once (all its processes, tmpfs included); None without a cgroup."""
        peak = self.cgroup.peak_bytes() if self.cgroup else None
        return None if peak is None else peak / 2**20

    def close(self) -> None:
        """Kill everything, unmount and remove the host folder. Never raises, bounded in time."""
        _LIVE.discard(self)
        steps = (self._close_process, self._close_mounts, self._close_cgroup, self._close_dir)
        for step in steps:
            try:
                step()
            except Exception:  # noqa: BLE001 - clean-up goes on with the next step
                pass

    def _close_process(self) -> None:
        if self.proc is not None:
            self._kill()
            for fd in (self._to_child, self._from_child):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.proc = None
        if self._seccomp_fd is not None:
            os.close(self._seccomp_fd)
            self._seccomp_fd = None

    def _close_mounts(self) -> None:
        while self._mounts:
            hostfs.unmount(self._mounts.pop())

    def _close_cgroup(self) -> None:
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None

    def _close_dir(self) -> None:
        if self.dir is not None:
            hostfs.remove_tree(self.dir)
            self.dir = None

    def __del__(self):
        if getattr(self, "_uid_lock", None) is not None:
            os.close(self._uid_lock)

    def _kill(self) -> None:
        """Kill the sandbox's own processes only, within seconds."""
        if self.cgroup is not None:
            self.cgroup.kill(seconds=3)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)   # bwrap: its pid namespace goes down with it
        except (ProcessLookupError, PermissionError):
            pass
        if self.uid is not None and self.cgroup is None and not self.use_bwrap:
            uids.kill_uid(self.uid)   # processes that left the group (setsid) die with their (verified unused) uid
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def output(self, limit: int = 4000) -> str:
        """The end of what the student process printed (for crash reports), from the host-side log."""
        if self.dir is None:
            return ""
        try:
            fd = os.open(self.dir / "log", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return ""
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return ""
            os.lseek(fd, max(0, info.st_size - limit), os.SEEK_SET)
            data = os.read(fd, limit)
        except OSError:
            return ""
        finally:
            os.close(fd)
        return data.decode("utf-8", "replace")

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
        if self.cgroup is not None and self.cgroup.oom_killed():
            return SandboxError("memory", f"the submission used more than {self.limits.memory_mb} MB of memory "
                                          "(all its processes together) and was killed")
        text = self.output()
        if code is not None and code < 0:
            sig = signal.Signals(-code).name
            kind = "memory" if sig == "SIGKILL" and "MemoryError" in text else "crashed"
            return SandboxError(kind, f"the student process was killed by {sig}")
        if "MemoryError" in text or "Cannot allocate memory" in text:
            return SandboxError("memory", "the student process ran out of memory")
        return SandboxError("crashed", f"the student process exited (exit code {code})")
