"""Windows, as nearly as Linux can play it, for the tests (no Windows machine is available).

`simulate(monkeypatch)` takes away what Windows Python lacks and adds what it does differently:
- POSIX-only functions gone: os.fchmod (Windows has it only from 3.13), os.fork and friends, the
  fcntl, pwd, grp, resource and termios modules;
- msvcrt.locking with Windows' semantics: a byte range locked through one handle cannot be read
  or written through another (PermissionError), within this process;
- files "open in Excel or Word" (`hold_open(path)`): renaming, replacing or deleting them fails
  with PermissionError, as Windows refuses to while another program holds them.

`output(encoding)` is a stdout/stderr pair that refuses what the code page cannot encode, as a
redirected output, a pipe or a Task Scheduler log on Windows does (cp1252; cp1258 on Vietnamese
Windows).

What it does not cover (README, "Windows"): sys.platform stays "linux" (code that branches on it
takes the Linux branch), paths keep "/" as the separator with POSIX rules, subprocesses run
unsimulated, the console's own encoding, and locks held by another process.

FORMKIT_SIMULATE_WINDOWS=1 turns it on for every test of a run (tests/conftest.py); .ci/run runs
the Windows-relevant tests that way.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import sys
import types
from pathlib import Path

import pytest

POSIX_ONLY = ("fchmod", "fork", "forkpty", "fchown", "chown", "lchown", "getuid", "geteuid", "getgid", "getpgid",
              "killpg", "setsid", "mkfifo", "sysconf", "getloadavg", "wait4", "pipe2")
POSIX_MODULES = ("fcntl", "pwd", "grp", "resource", "termios")
ACTIVE = os.environ.get("FORMKIT_SIMULATE_WINDOWS") == "1"


class _Files:
    """What the simulated Windows knows about open files: byte-range locks by handle, and the
    files another program holds open."""

    def __init__(self) -> None:
        self.locks: dict[tuple[int, int], list[tuple[int, int, int]]] = {}  # file -> [(fd, start, end)]
        self.held: set[str] = set()

    def key(self, fd: int) -> tuple[int, int]:
        stat = os.fstat(fd)
        return stat.st_dev, stat.st_ino

    def conflict(self, fd: int, start: int, end: int) -> bool:
        return any(other != fd and a < end and start < b for other, a, b in self.locks.get(self.key(fd), []))

    def conflict_here(self, fd: int, n: int) -> bool:
        """Reading or writing n bytes at the handle's position would touch another handle's lock."""
        try:
            position = os.lseek(fd, 0, os.SEEK_CUR)
        except OSError:  # a pipe: no ranges
            return False
        return self.conflict(fd, position, position + n)

    def forget(self, fd: int) -> None:
        for ranges in self.locks.values():
            ranges[:] = [r for r in ranges if r[0] != fd]


def _violation(path: object = None) -> PermissionError:
    return PermissionError(errno.EACCES, "The process cannot access the file because another process has "
                                         "locked a portion of the file", path)


def _msvcrt(files: _Files) -> types.ModuleType:
    module = types.ModuleType("msvcrt")
    module.LK_UNLCK, module.LK_LOCK, module.LK_NBLCK, module.LK_RLCK, module.LK_NBRLCK = 0, 1, 2, 3, 4  # type: ignore[attr-defined]

    def locking(fd: int, mode: int, nbytes: int) -> None:
        start = os.lseek(fd, 0, os.SEEK_CUR)
        ranges = files.locks.setdefault(files.key(fd), [])
        if mode == 0:
            if (fd, start, start + nbytes) not in ranges:
                raise _violation()
            ranges.remove((fd, start, start + nbytes))
        elif files.conflict(fd, start, start + nbytes) or (fd, start, start + nbytes) in ranges:
            raise OSError(errno.EDEADLK, "Resource deadlock avoided")
        else:
            ranges.append((fd, start, start + nbytes))

    module.locking = locking  # type: ignore[attr-defined]
    return module


_current: _Files | None = None


def simulate(monkeypatch: pytest.MonkeyPatch) -> _Files:
    if _current is not None:  # already on for this test (FORMKIT_SIMULATE_WINDOWS=1)
        return _current
    files = _Files()
    monkeypatch.setattr(sys.modules[__name__], "_current", files)
    for name in POSIX_ONLY:
        monkeypatch.delattr(os, name, raising=False)
    for name in POSIX_MODULES:
        monkeypatch.setitem(sys.modules, name, None)  # `import fcntl` raises ImportError
    monkeypatch.setitem(sys.modules, "msvcrt", _msvcrt(files))
    read, write, close = os.read, os.write, os.close

    def guarded_read(fd: int, n: int) -> bytes:
        if files.locks and files.conflict_here(fd, n):
            raise _violation()
        return read(fd, n)

    def guarded_write(fd: int, data) -> int:
        if files.locks and files.conflict_here(fd, len(data)):
            raise _violation()
        return write(fd, data)

    def closing(fd: int) -> None:
        files.forget(fd)
        close(fd)

    monkeypatch.setattr(os, "read", guarded_read)
    monkeypatch.setattr(os, "write", guarded_write)
    monkeypatch.setattr(os, "close", closing)
    for name in ("replace", "rename", "unlink", "remove"):
        monkeypatch.setattr(os, name, _refusing_held(getattr(os, name), files))
    rmtree = shutil.rmtree

    def guarded_rmtree(path, ignore_errors=False, onerror=None, **kwargs):
        if any(held.startswith(str(Path(path)) + os.sep) for held in files.held) and not ignore_errors:
            raise _in_use(path)
        return rmtree(path, ignore_errors=ignore_errors, onerror=onerror, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", guarded_rmtree)
    return files


def _in_use(path: object) -> PermissionError:
    error = PermissionError(errno.EACCES, "The process cannot access the file because it is being used by "
                                          "another process", str(path))
    error.winerror = 32  # type: ignore[attr-defined]
    return error


def _refusing_held(function, files: _Files):
    def refusing(*paths, **kwargs):
        for path in paths[:2]:
            if str(Path(path).absolute()) in files.held:
                raise _in_use(path)
        return function(*paths, **kwargs)
    return refusing


def hold_open(files: _Files, path: Path) -> None:
    """`path` is open in Excel or Word from now on: Windows refuses to move, replace or delete it."""
    files.held.add(str(Path(path).absolute()))


def output(encoding: str) -> tuple[io.TextIOWrapper, io.TextIOWrapper]:
    """stdout and stderr as a redirected output in this code page meets them: strict, like Python's
    own streams on Windows when the output is not a console."""
    return (io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict", write_through=True),
            io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict", write_through=True))


def written(stream: io.TextIOWrapper) -> bytes:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue()
