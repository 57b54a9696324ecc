"""A small seccomp filter for the sandbox, written as classic BPF without libseccomp.

The filter checks the architecture first (x86_64 or aarch64, each with its own syscall numbers; anything else
is killed, since its numbers cannot be checked), refuses the x32 ABI on x86_64 and answers EPERM to the blocked
calls: the kernel keyring calls always (the grader's keys are not the student's business), ``memfd_create`` when
no memory cgroup bounds the shared memory it creates. Every other call is allowed.

``program(...)`` returns the filter as bytes (an array of ``struct sock_filter``), the format ``bwrap --seccomp
FD`` reads; ``install(...)`` applies it to the calling process (for the sandbox without bubblewrap).
"""
from __future__ import annotations

import ctypes
import errno
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_AARCH64 = 0xC00000B7
X32_SYSCALL_BIT = 0x40000000

# syscall numbers per architecture (asm/unistd.h)
SYSCALLS = {
    AUDIT_ARCH_X86_64: {"add_key": 248, "request_key": 249, "keyctl": 250, "memfd_create": 319, "getpid": 39},
    AUDIT_ARCH_AARCH64: {"add_key": 217, "request_key": 218, "keyctl": 219, "memfd_create": 279, "getpid": 172},
}
KEY_CALLS = ("keyctl", "add_key", "request_key")

BPF_LD_W_ABS = 0x20     # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x15        # BPF_JMP | BPF_JEQ | BPF_K
BPF_JGE_K = 0x35        # BPF_JMP | BPF_JGE | BPF_K
BPF_RET_K = 0x06        # BPF_RET | BPF_K
OFFSET_NR, OFFSET_ARCH = 0, 4   # struct seccomp_data

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


def blocked_calls(block_memfd: bool) -> tuple[str, ...]:
    return KEY_CALLS + (("memfd_create",) if block_memfd else ())


def program(block_memfd: bool = False) -> bytes:
    """The filter as raw ``struct sock_filter`` entries (native byte order)."""
    names = blocked_calls(block_memfd)
    # Instructions as (code, true_label, false_label, k); labels resolve to relative jumps below.
    code = [(BPF_LD_W_ABS, None, None, OFFSET_ARCH),
            (BPF_JEQ_K, "x86_64", None, AUDIT_ARCH_X86_64),
            (BPF_JEQ_K, "aarch64", None, AUDIT_ARCH_AARCH64),
            (BPF_RET_K, None, None, SECCOMP_RET_KILL_PROCESS)]
    labels = {}
    for label, arch in (("x86_64", AUDIT_ARCH_X86_64), ("aarch64", AUDIT_ARCH_AARCH64)):
        labels[label] = len(code)
        code.append((BPF_LD_W_ABS, None, None, OFFSET_NR))
        if arch == AUDIT_ARCH_X86_64:
            code.append((BPF_JGE_K, "deny", None, X32_SYSCALL_BIT))
        code += [(BPF_JEQ_K, "deny", None, SYSCALLS[arch][name]) for name in names]
        code.append((BPF_RET_K, None, None, SECCOMP_RET_ALLOW))
    labels["deny"] = len(code)
    code.append((BPF_RET_K, None, None, SECCOMP_RET_ERRNO | errno.EPERM))
    out = b""
    for i, (op, jt, jf, k) in enumerate(code):
        jt = labels[jt] - i - 1 if jt else 0
        jf = labels[jf] - i - 1 if jf else 0
        assert 0 <= jt < 256 and 0 <= jf < 256
        out += struct.pack("=HBBI", op, jt, jf, k)
    return out


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install(prog: bytes) -> None:
    """Apply ``prog`` to this process and its future children (no undo). Raises OSError on failure."""
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = _SockFprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def native_arch() -> int | None:
    return {"x86_64": AUDIT_ARCH_X86_64, "aarch64": AUDIT_ARCH_AARCH64, "arm64": AUDIT_ARCH_AARCH64}.get(
        platform.machine())


def join_fresh_session_keyring() -> None:
    """Give the calling process a new, empty session keyring (the grader's keys stay out of reach)."""
    arch = native_arch()
    if arch is None:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if libc.syscall(ctypes.c_long(SYSCALLS[arch]["keyctl"]), ctypes.c_long(1), ctypes.c_void_p(None)) < 0:
        raise OSError(ctypes.get_errno(), "keyctl(KEYCTL_JOIN_SESSION_KEYRING) failed")
