"""Private uids for sandboxes: unique across grader processes (lock files), never one a host process runs as or
the system names, so that killing "everything of this uid" touches nothing else."""
from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path

try:
    import fcntl
except ImportError:      # Windows: importing works; claiming a uid (grading) is Linux-only
    fcntl = None

UID_LOCKS = Path(tempfile.gettempdir()) / "autograde-uids"


def uids_in_use() -> set[int]:
    """Uids (and gids) that a host process runs as or that /etc/passwd or /etc/group names."""
    used = set()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith(("Uid:", "Gid:")):
                            used.update(int(v) for v in line.split()[1:])
            except (OSError, ValueError):
                pass
    for table in ("/etc/passwd", "/etc/group"):
        try:
            for line in Path(table).read_text(errors="replace").splitlines():
                fields = line.split(":")
                if len(fields) > 2 and fields[2].isdigit():
                    used.add(int(fields[2]))
        except OSError:
            pass
    return used


def claim_uid() -> tuple[int, int]:
    """An unused uid for one sandbox, held by a lock file for as long as the Sandbox object lives.

    Locks make the uid unique across grader processes and threads; uids that a host process runs as or that
    the system names are skipped, so killing "everything of this uid" can never touch anything else.
    """
    UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
    used = uids_in_use()
    start = os.getpid() % 20000
    for i in range(20000):
        uid = 20000 + (start + i) % 20000
        if uid in used:
            continue
        fd = os.open(UID_LOCKS / str(uid), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return uid, fd
        except BlockingIOError:
            os.close(fd)
    raise RuntimeError("no free uid for a sandbox")


def kill_uid(uid: int, seconds: float = 5.0) -> None:
    """Kill every process owned by ``uid`` (a uid used by nothing but this sandbox); bounded wait."""
    pid = os.fork()
    if pid == 0:  # child: become the uid, then signal everything it owns
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    end = time.monotonic() + seconds
    while os.waitpid(pid, os.WNOHANG)[0] == 0 and time.monotonic() < end:
        time.sleep(0.01)
