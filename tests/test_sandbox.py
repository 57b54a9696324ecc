"""The sandbox on its own: isolation, limits and clean-up."""
import ctypes
import os
import site
import subprocess
import sys
import tempfile
import time

import pytest

from autograde import REPO, cgroup, hostfs, seccomp, uids
from autograde import sandbox as sandbox_module
from autograde.sandbox import Limits, Sandbox, SandboxError, bwrap_available, describe_enforcement

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


# -- hardening: keyrings, memory per submission, bounded disk, clean-up, uids

LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.syscall.restype = ctypes.c_long
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
needs_cgroup = pytest.mark.skipif(cgroup.detect() is None, reason="no writable memory cgroup here")


def _start(**limits):
    box = Sandbox(Limits(**{"timeout": 20, **limits}))
    box.start()
    return box


@pytest.mark.skipif(seccomp.native_arch() is None, reason="no syscall table for this architecture")
def test_grader_keys_are_out_of_reach():
    nrs = seccomp.SYSCALLS[seccomp.native_arch()]
    name = f"autograde-test-{os.getpid()}".encode()
    key = LIBC.syscall(ctypes.c_long(nrs["add_key"]), b"user", name, b"secret", ctypes.c_long(6), ctypes.c_long(-3))
    if key < 0:
        pytest.skip("cannot add a key to this session keyring")
    box = _start()
    try:
        code = f"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long
buf = ctypes.create_string_buffer(64)
L = ctypes.c_long
results = [libc.syscall(L({nrs['keyctl']}), L(11), L({key}), buf, L(64)),                    # KEYCTL_READ
           libc.syscall(L({nrs['keyctl']}), L(10), L(-3), b"user", {name!r}, L(0)),        # KEYCTL_SEARCH
           libc.syscall(L({nrs['keyctl']}), L(7), L(-3)),                                  # KEYCTL_CLEAR
           libc.syscall(L({nrs['add_key']}), b"user", b"mine", b"x", L(1), L(-3)),
           libc.syscall(L({nrs['request_key']}), b"user", {name!r}, None, L(0))]
assert results == [-1] * 5, results
assert b"secret" not in buf.raw
"""
        reply = run(box, code)
        assert reply["ok"], reply
    finally:
        box.close()
        buf = ctypes.create_string_buffer(64)
        still = LIBC.syscall(ctypes.c_long(nrs["keyctl"]), ctypes.c_long(11), ctypes.c_long(key), buf, ctypes.c_long(64))
        LIBC.syscall(ctypes.c_long(nrs["keyctl"]), ctypes.c_long(21), ctypes.c_long(key))   # KEYCTL_INVALIDATE
    assert still == 6 and buf.raw[:6] == b"secret"   # the sandbox could not clear the grader's keyring


FORK_3x600 = """
import os, time
r, w = os.pipe()
children = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        block = b"x" * (600 << 20)
        os.write(w, b"+")
        time.sleep(3)
        os._exit(0)
    children.append(pid)
statuses = [os.waitpid(pid, 0)[1] for pid in children]
os.close(w)
alive = len(os.read(r, 10))
"""


@needs_cgroup
def test_memory_is_per_submission_not_per_process():
    box = _start(memory_mb=1024)
    try:
        try:
            reply = run(box, FORK_3x600 + "assert statuses != [0, 0, 0], (alive, statuses)", seconds=60)
            assert reply["ok"], reply
        except SandboxError as err:
            assert err.kind == "memory"
        assert box.peak_memory_mb() <= 1024 + 1
    finally:
        box.close()


@needs_cgroup
def test_memfd_cannot_grow_past_the_limit():
    box = _start(memory_mb=512, max_file_mb=4096)
    try:
        code = ("import os\nfd = os.memfd_create('x')\nchunk = b'x' * (64 << 20)\n"
                "for _ in range(24): os.write(fd, chunk)\n")
        try:
            reply = run(box, code, seconds=60)
            assert not reply["ok"], "1.5 GB of shared memory under a 512 MB limit"
        except SandboxError as err:
            assert err.kind == "memory"
        assert box.peak_memory_mb() <= 512 + 1
    finally:
        box.close()


@needs_cgroup
def test_oom_kill_is_reported_as_memory():
    box = _start(memory_mb=256, disk_mb=1024, max_file_mb=4096)
    try:
        with pytest.raises(SandboxError) as err:
            run(box, "data = b'x' * (32 << 20)\nwith open('/dev/shm/fill', 'wb') as f:\n"
                     "    for _ in range(40): f.write(data)\n", seconds=60)
        assert err.value.kind == "memory"
    finally:
        box.close()


@needs_bwrap
def test_tmp_is_a_private_writable_tmpfs(sandbox):
    code = ("import os, stat\nopen('/tmp/scratch.txt', 'w').write('x')\n"
            "assert stat.S_IMODE(os.stat('/tmp').st_mode) == 0o1777\n"
            "open('/dev/shm/scratch', 'w').write('x')\nopen('/sandbox/scratch', 'w').write('x')\n"
            "assert sorted(os.listdir('/autograde')) == ['wire.py', 'worker.py']\n"
            "try:\n    open('/autograde/worker.py', 'a')\nexcept OSError:\n    pass\nelse:\n    raise AssertionError('worker is writable')")
    assert run(sandbox, code)["ok"]


def _free_mb(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize / 2**20


@needs_bwrap
def test_filling_the_disk_is_bounded_by_disk_mb():
    box = _start(memory_mb=1024, disk_mb=64, max_file_mb=4096)
    before = min(_free_mb(tempfile.gettempdir()), _free_mb(box.dir))
    try:
        code = """
import os
written = {}
for folder in ('/sandbox', '/tmp'):
    written[folder] = 0
    try:
        with open(folder + '/fill', 'wb') as f:
            for _ in range(64):
                f.write(b'x' * (16 << 20)); f.flush(); written[folder] += 16
    except OSError:
        pass
    os.unlink(folder + '/fill') if folder == '/tmp' else None
print('written', written)
assert all(mb <= 64 for mb in written.values()), written
"""
        reply = run(box, code, seconds=120)
        after = min(_free_mb(tempfile.gettempdir()), _free_mb(box.dir))
        assert reply["ok"], (reply, box.output())
        assert before - after < 64 + 16
    finally:
        box.close()


DEEP = """
import os
for _ in range(3000):
    os.mkdir('d'); os.chdir('d')
open('locked', 'w').close(); os.chmod('locked', 0)
os.chdir('/sandbox' if os.path.isdir('/sandbox') else os.environ['HOME'])
os.mkdir('closed'); open('closed/f', 'w').close(); os.chmod('closed', 0)
"""


def test_close_removes_deep_and_locked_folders():
    box = _start()
    folder = box.dir
    assert run(box, DEEP, seconds=60)["ok"]
    start = time.monotonic()
    box.close()
    assert time.monotonic() - start < 15 and not folder.exists()


def test_remove_tree_handles_deep_chains_and_locked_folders(tmp_path):
    root = tmp_path / "tree"
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    for _ in range(3000):
        os.mkdir("d", dir_fd=fd)
        fd, old = os.open("d", os.O_RDONLY, dir_fd=fd), fd
        os.close(old)
    os.close(fd)
    (root / "closed").mkdir()
    (root / "closed" / "f").write_text("x")
    os.chmod(root / "closed" / "f", 0)
    os.chmod(root / "closed", 0)
    try:
        hostfs.remove_tree(root, seconds=120)      # correctness, not speed: CI may be busy
        assert not root.exists()
    finally:        # pytest's own clean-up of old tmp folders recurses, and fails on a 3000-deep chain
        subprocess.run(["rm", "-rf", str(root)], check=False)


@needs_root
def test_a_host_process_uid_is_never_taken_and_survives():
    uid = 20000 + os.getpid() % 20000          # the first uid this process would try
    host = subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "sleep", "60"])
    try:
        time.sleep(0.3)
        box = _start()
        assert box.uid != uid and box.uid not in uids.uids_in_use() - {box.uid}
        run(box, "import subprocess; subprocess.Popen(['sleep', '300'], start_new_session=True)")
        box.close()
        time.sleep(0.3)
        assert host.poll() is None, "the host process was killed by a sandbox's close"
    finally:
        host.kill()
        host.wait()
    assert 65534 in uids.uids_in_use() or not os.path.exists("/etc/passwd")


def test_close_is_bounded_when_processes_ignore_signals():
    box = _start()
    run(box, "import subprocess\nfor _ in range(3):\n"
             "    subprocess.Popen(['sh', '-c', 'trap \"\" TERM HUP INT; sleep 300'], start_new_session=True)")
    start = time.monotonic()
    box.close()
    assert time.monotonic() - start < 10


def test_output_is_read_from_the_host_log_only():
    box = _start()
    try:
        code = ("import os\nprint('visible line')\nos.makedirs('out', exist_ok=True)\n"
                "for n in ('process.txt', 'stdout.txt', 'stderr.txt'):\n"
                "    os.symlink('/dev/zero', 'out/' + n)\nos.mkfifo('log')\nos._exit(3)")
        with pytest.raises(SandboxError):
            run(box, code)
        start = time.monotonic()
        text = box.output()
        assert "visible line" in text and len(text) <= 4000 and time.monotonic() - start < 1
    finally:
        box.close()


def test_enforcement_is_described():
    limits = Limits(timeout=5)
    line = describe_enforcement(limits)
    assert line.startswith("bubblewrap ") and "memory:" in line and "seccomp:" in line
    box = Sandbox(limits)
    box.start()
    try:
        assert box.enforcement() == line
        assert (box.peak_memory_mb() is None) == (box.cgroup is None)
    finally:
        box.close()


def test_without_a_cgroup_memfd_is_blocked(monkeypatch):
    monkeypatch.setattr(sandbox_module.cgroups, "create", lambda *a: None)
    monkeypatch.setattr(sandbox_module.cgroups, "detect", lambda: None)
    box = _start()
    try:
        assert box.cgroup is None and box.peak_memory_mb() is None
        line = box.enforcement()
        assert "no usable cgroup" in line and "memfd_create blocked" in line
        reply = run(box, "import os\ntry:\n    os.memfd_create('x')\nexcept PermissionError:\n    pass\n"
                         "else:\n    raise AssertionError('memfd_create allowed')")
        assert reply["ok"], reply
    finally:
        box.close()


def test_fallback_without_bubblewrap_still_limits_and_cleans_up():
    box = _start(bwrap=False)
    folder = box.dir
    try:
        assert box.enforcement().startswith("bubblewrap off")
        assert run(box, "import os\nopen('mine.txt', 'w').write('x')\nassert os.getcwd().endswith('/home')")["ok"]
        nrs = seccomp.SYSCALLS.get(seccomp.native_arch(), {})
        if nrs:
            reply = run(box, f"import ctypes\nassert ctypes.CDLL(None).syscall({nrs['keyctl']}, 0, -3, 0) == -1")
            assert reply["ok"], reply
        assert run(box, DEEP, seconds=60)["ok"]
    finally:
        box.close()
    assert not folder.exists()


@needs_bwrap
def test_an_interpreter_that_lives_under_tmp_still_runs(tmp_path):
    """A course cloned under /tmp has its venv there: the sandbox's own /tmp must not hide it (every student
    scored 0 'crashed (exit code 127)')."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    packages = next((venv / "lib").glob("python3*")) / "site-packages"
    (packages / "course.pth").write_text("\n".join([*site.getsitepackages(), str(REPO)]) + "\n")
    script = ("import time; from autograde.sandbox import Limits, Sandbox\n"
              "box = Sandbox(Limits(timeout=20)); box.start()\n"
              "reply, _ = box.request({'op': 'run', 'code': 'x = 1'}, deadline=time.monotonic() + 30)\n"
              "box.close(); print(reply.get('ok'))\n")
    proc = subprocess.run([str(venv / "bin" / "python"), "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip().endswith("True"), proc.stdout + proc.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="tmpfs mounts and cgroups need root")
def test_sandboxes_of_a_killed_grading_process_are_swept(tmp_path, monkeypatch):
    """A grading process killed with SIGKILL cannot close its sandbox: the next batch removes what it left."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        box = _start()
        os.write(write, b"started")
        time.sleep(60)
        os._exit(0)
    os.read(read, 10)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    left = list(tmp_path.glob(f"{sandbox_module.SANDBOX_PREFIX}{pid}-*"))
    assert left, "the killed process left no sandbox folder (nothing to sweep)"
    assert sandbox_module.sweep_orphans() == 1
    assert not left[0].exists() and hostfs.mounts_under(left[0]) == []
    groups = [g for p in (cgroup.detect() or ("", {}))[1].values() for g in p.glob(f"autograde-{pid}-*")]
    assert groups == []
