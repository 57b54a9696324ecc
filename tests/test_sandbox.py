"""The sandbox on its own: isolation, limits and clean-up."""
import os
import time

import pytest

from autograde import REPO
from autograde.sandbox import Limits, Sandbox, SandboxError, bwrap_available

needs_bwrap = pytest.mark.skipif(not bwrap_available(), reason="bubblewrap is not installed")


@pytest.fixture
def sandbox():
    box = Sandbox(Limits(timeout=5, memory_mb=512, max_procs=32))
    box.start()
    yield box
    box.close()


def run(box, code, seconds=20):
    reply, _ = box.request({"op": "run", "code": code}, deadline=time.monotonic() + seconds)
    return reply


def test_runs_code_and_reports_errors(sandbox):
    assert run(sandbox, "x = 1 + 1")["ok"]
    reply = run(sandbox, "1 / 0")
    assert not reply["ok"] and reply["error"]["type"] == "ZeroDivisionError"


@needs_bwrap
def test_cannot_read_the_repository_or_write_outside(sandbox):
    reply = run(sandbox, f"open({str(REPO / 'solutions')!r} + '/x')")
    assert reply["error"]["type"] in ("FileNotFoundError", "PermissionError")
    assert not run(sandbox, "open('/usr/escape', 'w')")["ok"]
    assert run(sandbox, "open('private.txt', 'w').write('mine')")["ok"]     # its own folder is writable


@needs_bwrap
def test_has_no_network(sandbox):
    reply = run(sandbox, "import socket; socket.create_connection(('127.0.0.1', 9), timeout=2)")
    assert not reply["ok"] and reply["error"]["type"] in ("OSError", "ConnectionRefusedError", "TimeoutError")
    only_loopback = "import socket; assert [n for _, n in socket.if_nameindex()] == ['lo']"
    assert run(sandbox, only_loopback)["ok"], "the sandbox sees a network interface besides loopback"


def test_memory_limit_raises_memory_error(sandbox):
    reply = run(sandbox, "x = bytearray(2 * 2**30)")
    assert not reply["ok"] and reply["error"]["memory"]


def test_timeout_and_crash_are_reported(sandbox):
    with pytest.raises(SandboxError) as err:
        run(sandbox, "while True: pass", seconds=1)
    assert err.value.kind == "timeout"
    box = Sandbox(Limits(timeout=5))
    box.start()
    try:
        with pytest.raises(SandboxError) as err:
            run(box, "import os; os._exit(3)")
        assert err.value.kind == "crashed" and "exit code 3" in str(err.value)
    finally:
        box.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="private uids need root")
def test_every_process_is_gone_after_close():
    box = Sandbox(Limits(timeout=5))
    box.start()
    uid = box.uid
    run(box, "import subprocess; subprocess.Popen(['sleep', '300'], start_new_session=True)")
    box.close()
    time.sleep(0.5)
    owned = [p for p in os.listdir("/proc") if p.isdigit() and _uid_of(p) == uid]
    assert owned == []


def _uid_of(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("Uid:"))
    except (OSError, StopIteration):
        return None
