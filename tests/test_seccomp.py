"""The classic-BPF seccomp filter on its own, applied in a forked child."""
import ctypes
import errno
import os
import struct

import pytest

from autograde import seccomp

ARCH = seccomp.native_arch()
pytestmark = pytest.mark.skipif(ARCH is None, reason="no syscall table for this architecture")
LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.syscall.restype = ctypes.c_long


def call(nr, *args):
    """(result, errno) of a raw syscall."""
    ctypes.set_errno(0)
    conv = [ctypes.c_char_p(a) if isinstance(a, bytes) or a is None else ctypes.c_long(a) for a in args]
    result = LIBC.syscall(ctypes.c_long(nr), *conv)
    return result, ctypes.get_errno()


def nr(name):
    return seccomp.SYSCALLS[ARCH][name]


def in_child(fn) -> int:
    """Exit code of ``fn()`` run in a forked child (so the filter never touches the test process)."""
    pid = os.fork()
    if pid == 0:
        try:
            code = fn()
        except BaseException:  # noqa: BLE001
            code = 99
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_program_is_well_formed():
    prog = seccomp.program()
    assert len(prog) % 8 == 0
    first = struct.unpack("=HBBI", prog[:8])
    assert first == (seccomp.BPF_LD_W_ABS, 0, 0, seccomp.OFFSET_ARCH)
    last = struct.unpack("=HBBI", prog[-8:])
    assert last == (seccomp.BPF_RET_K, 0, 0, seccomp.SECCOMP_RET_ERRNO | errno.EPERM)
    assert len(seccomp.program(block_memfd=True)) == len(prog) + 2 * 8   # one check per architecture


def test_key_calls_get_eperm_and_the_rest_works():
    def child():
        seccomp.install(seccomp.program())
        if call(nr("keyctl"), 0, -3, 0) != (-1, errno.EPERM):           # KEYCTL_GET_KEYRING_ID
            return 1
        if call(nr("add_key"), b"user", b"autograde", b"x", 1, -3) != (-1, errno.EPERM):
            return 2
        if call(nr("request_key"), b"user", b"autograde", None, 0) != (-1, errno.EPERM):
            return 3
        if call(nr("getpid"))[0] != os.getpid():
            return 4
        os.close(os.memfd_create("allowed"))
        return 0
    assert in_child(child) == 0


def test_memfd_create_blocked_when_asked():
    def child():
        seccomp.install(seccomp.program(block_memfd=True))
        try:
            os.memfd_create("x")
        except PermissionError:
            return 0
        return 1
    assert in_child(child) == 0


@pytest.mark.skipif(ARCH != seccomp.AUDIT_ARCH_X86_64, reason="x32 exists on x86_64 only")
def test_x32_abi_is_refused():
    def child():
        seccomp.install(seccomp.program())
        return 0 if call(nr("getpid") | seccomp.X32_SYSCALL_BIT) == (-1, errno.EPERM) else 1
    assert in_child(child) == 0


def test_fresh_session_keyring_is_empty():
    def child():
        seccomp.join_fresh_session_keyring()
        buf = ctypes.create_string_buffer(64)
        size, _ = call(nr("keyctl"), 11, -3, ctypes.addressof(buf), 64)   # KEYCTL_READ: the key ids it holds
        return 0 if size == 0 else 1
    assert in_child(child) == 0
