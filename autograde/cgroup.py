"""One control group per sandbox: memory and process limits for the whole submission, not per process.

A cgroup v2 child is made under the grader's own cgroup when the memory controller is delegated there;
otherwise the cgroup v1 ``memory`` (and ``pids``) hierarchies are used when they are writable. The child process
joins the group between fork and exec (:meth:`Cgroup.join`), so bubblewrap and everything under it is inside.
Tmpfs and memfd pages the sandbox writes are charged to the group as well.
"""
from __future__ import annotations

import itertools
import os
import signal
import time
from pathlib import Path

_COUNTER = itertools.count()


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(root, mount point, fs type, super options) of each cgroup mount."""
    found = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(fields) >= 5 and len(rest) >= 3 and rest[0] in ("cgroup", "cgroup2"):
            found.append((fields[3], fields[4], rest[0], set(rest[2].split(","))))
    return found


def _own_paths() -> dict[str, str]:
    """Controller (or '' for v2) -> this process's cgroup path, from /proc/self/cgroup."""
    paths = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                paths[c] = path
    except (OSError, ValueError):
        pass
    return paths


def _join(mount: str, root: str, path: str) -> Path:
    rel = path[len(root):] if root != "/" and path.startswith(root) else path
    return Path(mount) / rel.lstrip("/")


def _writable(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK)


def detect() -> tuple[str, dict[str, Path]] | None:
    """('v2', {'': parent}) or ('v1', {'memory': parent, 'pids': parent?}); None without a usable memory cgroup."""
    own = _own_paths()
    mounts = _mounts()
    for root, point, fs, _ in mounts:
        if fs == "cgroup2" and "" in own:
            parent = _join(point, root, own[""])
            try:
                delegated = "memory" in (parent / "cgroup.subtree_control").read_text().split()
            except OSError:
                delegated = False
            if delegated and _writable(parent):
                return "v2", {"": parent}
    parents = {}
    for root, point, fs, opts in mounts:
        for c in ("memory", "pids"):
            if fs == "cgroup" and c in opts and c in own and c not in parents:
                parent = _join(point, root, own[c])
                if _writable(parent):
                    parents[c] = parent
    return ("v1", parents) if "memory" in parents else None


class Cgroup:
    """A fresh group with ``memory_mb`` and ``max_procs`` limits; :meth:`remove` kills what is left in it."""

    def __init__(self, version: str, parents: dict[str, Path], memory_mb: int, max_procs: int):
        self.version = version
        name = f"autograde-{os.getpid()}-{next(_COUNTER)}-{time.monotonic_ns() % 10**9}"
        self.dirs = {c: p / name for c, p in parents.items()}
        limit = str(memory_mb * 2**20)
        try:
            for d in self.dirs.values():
                d.mkdir()
            if version == "v2":
                self._write("", "memory.max", limit)
                self._write("", "memory.swap.max", "0", optional=True)
                self._write("", "pids.max", str(max_procs), optional=True)
            else:
                self._write("memory", "memory.limit_in_bytes", limit)
                self._write("memory", "memory.memsw.limit_in_bytes", limit, optional=True)
                if "pids" in self.dirs:
                    self._write("pids", "pids.max", str(max_procs))
        except OSError:
            self.remove()
            raise
        self.has_pids = "pids" in self.dirs or (version == "v2" and (self.dirs[""] / "pids.max").exists())
        self._procs = [str(d / "cgroup.procs") for d in self.dirs.values()]

    def _write(self, c: str, name: str, value: str, optional: bool = False) -> None:
        path = self.dirs[c] / name
        if optional and not path.exists():
            return
        path.write_text(value)

    def _read(self, name: str) -> str | None:
        d = self.dirs.get("memory", self.dirs.get(""))
        try:
            return (d / name).read_text()
        except (OSError, TypeError):
            return None

    def join(self) -> None:
        """Move the calling process in (called in the child between fork and exec)."""
        pid = str(os.getpid())
        for path in self._procs:
            with open(path, "w") as f:
                f.write(pid)

    def oom_killed(self) -> bool:
        """Whether the kernel's OOM killer killed a process of this group for reaching its limit."""
        text = self._read("memory.events" if self.version == "v2" else "memory.oom_control") or ""
        counts = dict(line.split()[:2] for line in text.splitlines() if len(line.split()) >= 2)
        if "oom_kill" in counts:
            return int(counts["oom_kill"]) > 0
        return self.version == "v1" and int((self._read("memory.memsw.failcnt") or "0").strip() or 0) > 0

    def peak_bytes(self) -> int | None:
        text = self._read("memory.peak" if self.version == "v2" else "memory.max_usage_in_bytes")
        try:
            return int(text)
        except (TypeError, ValueError):
            return None

    def pids(self) -> list[int]:
        found = set()
        for path in self._procs:
            try:
                found.update(int(p) for p in Path(path).read_text().split())
            except (OSError, ValueError):
                pass
        return sorted(found)

    def kill(self, seconds: float = 5.0) -> bool:
        """SIGKILL everything in the group; True when it is empty. Bounded: gives up after ``seconds``."""
        if self.version == "v2" and (self.dirs[""] / "cgroup.kill").exists():
            try:
                self._write("", "cgroup.kill", "1")
            except OSError:
                pass
        end = time.monotonic() + seconds
        while True:
            left = self.pids()
            if not left:
                return True
            if time.monotonic() > end:
                return False
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.02)

    def remove(self, seconds: float = 5.0) -> None:
        """Kill what is left, then delete the group (never raises)."""
        try:
            self.kill(seconds)
        except Exception:  # noqa: BLE001 - clean-up must not fail
            pass
        end = time.monotonic() + seconds
        for d in self.dirs.values():
            while d.exists():
                try:
                    d.rmdir()
                except OSError:
                    if time.monotonic() > end:
                        break
                    time.sleep(0.02)


def sweep_orphans(alive) -> None:
    """Remove the groups of sandboxes whose grading process (the pid in the group's name) is gone."""
    found = detect()
    for parent in (found[1].values() if found else ()):
        for group in parent.glob("autograde-*-*"):
            pid = group.name.split("-")[1]
            if not pid.isdigit() or alive(int(pid)):
                continue
            for _ in range(50):
                try:
                    for line in (group / "cgroup.procs").read_text().split():
                        os.kill(int(line), signal.SIGKILL)
                    group.rmdir()
                    break
                except (OSError, ValueError):
                    time.sleep(0.02)


def create(memory_mb: int, max_procs: int) -> Cgroup | None:
    """A cgroup for one sandbox, or None when no memory cgroup can be made here."""
    found = detect()
    if found is None:
        return None
    try:
        return Cgroup(found[0], found[1], memory_mb, max_procs)
    except OSError:
        return None


def describe(memory_mb: int, max_procs: int) -> tuple[str, str]:
    """(memory, processes) parts of the enforcement line."""
    found = detect()
    if found is None:
        return (f"memory: RLIMIT_AS only, {memory_mb} MB per process (no usable cgroup)",
                f"processes: RLIMIT_NPROC, {max_procs}")
    version, parents = found
    procs = (f"processes: cgroup pids, {max_procs}" if version == "v1" and "pids" in parents
             or version == "v2" and (parents[""] / "cgroup.controllers").exists()
             and "pids" in (parents[""] / "cgroup.subtree_control").read_text().split()
             else f"processes: RLIMIT_NPROC, {max_procs}")
    return f"memory: cgroup {version}, {memory_mb} MB per submission", procs
