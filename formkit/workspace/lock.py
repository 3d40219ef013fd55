"""One formkit run at a time per workspace, for the commands that change it (create, link,
pull, report, posters): two concurrent `create` runs once made 13 forms for 9 communes.

The lock is an OS file lock on state/.formkit.lock, so a killed run never leaves it held; the
file names the holder (pid, command, start time) for the message the second run prints. A second
run waits up to FORMKIT_LOCK_WAIT seconds (default 10) for the first to finish, then stops.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import BusyError, seconds
from ..i18n import _
from ..settings import LOCK_WAIT_VARIABLE as WAIT_VARIABLE
from ..settings import current

LOCK_NAME = ".formkit.lock"
DEFAULT_WAIT = 10.0


LOCK_BYTE = 1 << 30  # Windows locks a byte range: one far past the holder's text, which stays readable


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32" or _without_fcntl():
        return _windows_lock(fd, unlock=False)
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _without_fcntl() -> bool:
    try:
        import fcntl  # noqa: F401
    except ImportError:
        return True
    return False


def _windows_lock(fd: int, unlock: bool) -> bool:
    """msvcrt's byte-range lock (or its release) on LOCK_BYTE. A range another handle has locked
    cannot even be read on Windows, so the lock must not cover the holder's text at the start."""
    msvcrt: Any = importlib.import_module("msvcrt")  # typeshed has it on win32 only; tests simulate it

    os.lseek(fd, LOCK_BYTE, os.SEEK_SET)
    try:
        msvcrt.locking(fd, msvcrt.LK_UNLCK if unlock else msvcrt.LK_NBLCK, 1)
        return True
    except OSError:
        return False
    finally:
        os.lseek(fd, 0, os.SEEK_SET)


class WorkspaceLock:
    def __init__(self, state_dir: Path, command: str) -> None:
        self.path = Path(state_dir) / LOCK_NAME
        self.command = command
        self._fd: int | None = None

    def acquire(self, wait: float | None = None) -> WorkspaceLock:
        if wait is None:
            wait = seconds(current().lock_wait, WAIT_VARIABLE, DEFAULT_WAIT)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                os.lseek(fd, 0, os.SEEK_SET)
                holder = os.read(fd, 200).decode("utf-8", "replace").strip() or _("another formkit run")
                os.close(fd)
                raise BusyError(_("the workspace is busy: {holder} (lock {path}). Wait for it to finish and run "
                                  "this again; formkit waited {wait:g} s ({WAIT_VARIABLE} sets how long).").format(
                        holder=holder, path=self.path, wait=wait, WAIT_VARIABLE=WAIT_VARIABLE))
            time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        holder = _("`formkit {command}` (pid {pid}, since {time})").format(
            command=self.command, pid=os.getpid(), time=f"{datetime.now():%H:%M:%S}")
        os.write(fd, (holder + "\n").encode())
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.ftruncate(fd, 0)
            if sys.platform == "win32" or _without_fcntl():
                _windows_lock(fd, unlock=True)  # Windows releases a closed file's locks only "eventually"
            os.close(fd)  # closing the descriptor releases the lock

    def __enter__(self) -> WorkspaceLock:
        return self.acquire() if self._fd is None else self

    def __exit__(self, *exc_info) -> None:
        self.release()
