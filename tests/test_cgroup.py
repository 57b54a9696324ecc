"""A sandbox's cgroup on its own: memory for all its processes together, process count, kill and removal."""
import os
import signal
import time

import pytest

from autograde import cgroup

pytestmark = pytest.mark.skipif(cgroup.detect() is None, reason="no writable memory cgroup here")


def in_group(group, fn) -> int:
    """Wait status of ``fn()`` run in a forked child that joined ``group``."""
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            group.join()
            code = fn()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return status


def test_memory_limit_kills_and_is_reported():
    group = cgroup.create(64, 16)
    try:
        status = in_group(group, lambda: len(b"x" * (200 << 20)) and 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        assert group.oom_killed()
        assert group.peak_bytes() <= 64 * 2**20 + 2**20
    finally:
        group.remove()
    assert not any(d.exists() for d in group.dirs.values())


def test_process_limit():
    group = cgroup.create(256, 4)
    if not group.has_pids:
        group.remove()
        pytest.skip("no pids controller")

    def fork_many():
        children = []
        try:
            for _ in range(10):
                pid = os.fork()
                if pid == 0:
                    time.sleep(5)
                    os._exit(0)
                children.append(pid)
        except BlockingIOError:
            return 0 if len(children) <= 4 else 2
        finally:
            for pid in children:
                os.kill(pid, signal.SIGKILL)
        return 1
    try:
        assert os.waitstatus_to_exitcode(in_group(group, fork_many)) == 0
        assert not group.oom_killed()
    finally:
        group.remove()


def test_remove_kills_what_is_left_within_seconds():
    group = cgroup.create(256, 16)
    pid = os.fork()
    if pid == 0:
        group.join()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.setsid()
        time.sleep(300)
        os._exit(0)
    time.sleep(0.2)
    start = time.monotonic()
    group.remove()
    assert time.monotonic() - start < 6
    assert os.waitpid(pid, 0)[0] == pid
    assert not any(d.exists() for d in group.dirs.values())
