"""Connections held by no thread until a whole request head has arrived.

A thread per connection lets anyone hold a thread for as long as they like: 2,000 connections
that never finish their headers are 2,000 threads, and a client sending one header line every few
seconds keeps its thread for as long as it goes on. Here one thread (the Gatherer) waits for every
connection's request head at once, with a deadline for the whole head (not per read); only a
connection whose head is complete is given to one of a fixed number of workers, which reads the
body within the request's deadline, answers, and hands a kept-alive connection back to wait for
its next request. When too many connections are waiting, the one that has waited longest is
closed: a citizen's request, which arrives whole in milliseconds, is served, a slow one gives way.
"""

from __future__ import annotations

import io
import re
import selectors
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

HEAD_LIMIT = 64 << 10  # request line and headers: Google's front end allows about as much
HEAD_SECONDS = 10.0  # for the whole request head (and a small body), from its first byte (or from the connection)
SMALL_BODY = 64 << 10  # a body this small is waited for with the head, not by a worker
BODY_SECONDS = 30.0  # for the rest of a request (its body), from its whole head
IDLE_SECONDS = 30.0  # a kept-alive connection waiting for its next request
# Connections waiting for a request head. Windows' select() takes at most 512 sockets.
MAX_WAITING = 500 if sys.platform == "win32" else 1000
WORKERS = 32  # requests being read and answered at once
LINGER_SECONDS = 0.02  # a worker waits this long for a kept-alive client's next request …
LINGER_REQUESTS = 100  # … and answers at most this many in a row before handing the connection back
MAX_QUEUED = 512  # requests with a whole head waiting for a worker; beyond that, 503

_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 20\r\n"
         b"Retry-After: 1\r\nConnection: close\r\n\r\nServer busy, retry.\n")


@dataclass
class _Waiting:
    sock: socket.socket
    address: tuple
    deadline: float
    head_seconds: float
    since: float = field(default_factory=time.monotonic)
    data: bytearray = field(default_factory=bytearray)


class DeadlineReader(io.RawIOBase):
    """A socket's bytes after `prefix` (what the Gatherer read past the head), each read given
    only the time left before `deadline`: a body trickled in slowly cannot outlast it."""

    def __init__(self, sock: socket.socket, prefix: bytes, deadline: float) -> None:
        self.sock, self.prefix, self.deadline = sock, prefix, deadline
        self.stopped = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.prefix:
            n = min(len(buffer), len(self.prefix))
            buffer[:n], self.prefix = self.prefix[:n], self.prefix[n:]
            return n
        if self.stopped:
            return 0
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("request not received in time")
        self.sock.settimeout(left)
        return self.sock.recv_into(buffer)


class Gatherer:
    """Waits for the request heads of every open connection (one thread, one selector) and gives
    each whole head to `dispatch(sock, address, head_bytes_and_more, deadline)` on a worker.
    `head_seconds()` is the time a request head may take (asked for each connection)."""

    def __init__(self, dispatch, head_seconds=lambda: HEAD_SECONDS) -> None:
        self.dispatch = dispatch
        self.head_seconds, self.body_seconds = head_seconds, BODY_SECONDS
        self.max_waiting, self.max_queued, workers = MAX_WAITING, MAX_QUEUED, WORKERS
        self._selector = selectors.DefaultSelector()
        self._waiting: dict[int, _Waiting] = {}
        self._added: list[_Waiting] = []
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="formkit-local-google")
        self._queued = 0  # heads given to the pool and not yet answered
        self._queued_lock = threading.Lock()
        self._running = True
        self._thread = threading.Thread(target=self._loop, name="formkit-local-google-heads", daemon=True)
        self._thread.start()

    def add(self, sock: socket.socket, address: tuple, data: bytes = b"", idle: bool = False) -> None:
        """A new connection (or a kept-alive one, `idle`, with any bytes already read past its last request)."""
        if not self._running:
            _close(sock)
            return
        now, head = time.monotonic(), self.head_seconds()
        waiting = _Waiting(sock, address, now + (max(IDLE_SECONDS, head) if idle and not data else head), head, now,
                           bytearray(data))
        if not idle:  # a client usually sends its request with the connection: take it without a hand-over
            try:
                sock.setblocking(False)
                waiting.data += sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                _close(sock)
                return
            if _ready(waiting.data):
                self._give(waiting)
                return
        with self._lock:
            self._added.append(waiting)
        self._wake()

    def close(self) -> None:
        self._running = False
        self._wake()
        self._thread.join(5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        for waiting in list(self._waiting.values()):
            _close(waiting.sock)
        self._waiting.clear()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass

    def _loop(self) -> None:
        while self._running:
            self._take_added()
            now = time.monotonic()
            timeout = min((w.deadline for w in self._waiting.values()), default=now + 1.0) - now
            for key, _ in self._selector.select(max(0.0, min(timeout, 1.0))):
                if key.fileobj is self._wake_r:
                    try:
                        self._wake_r.recv(4096)
                    except OSError:
                        pass
                    continue
                waiting = self._waiting.get(key.fd)
                if waiting is not None:
                    self._receive(key.fd, waiting)
            now = time.monotonic()
            for fd, waiting in list(self._waiting.items()):
                if waiting.deadline <= now:
                    self._forget(fd)
                    _close(waiting.sock)

    def _take_added(self) -> None:
        with self._lock:
            added, self._added = self._added, []
        for waiting in added:
            if _ready(waiting.data):  # a pipelined request already whole
                self._give(waiting)
                continue
            while len(self._waiting) >= self.max_waiting:  # the longest waiting gives way
                fd = min(self._waiting, key=lambda f: self._waiting[f].since)
                _close(self._forget(fd).sock)
            try:
                waiting.sock.setblocking(False)
                self._selector.register(waiting.sock, selectors.EVENT_READ)
            except (OSError, ValueError):
                _close(waiting.sock)
                continue
            self._waiting[waiting.sock.fileno()] = waiting

    def _forget(self, fd: int) -> _Waiting:
        waiting = self._waiting.pop(fd)
        try:
            self._selector.unregister(waiting.sock)
        except (KeyError, ValueError, OSError):
            pass
        return waiting

    def _receive(self, fd: int, waiting: _Waiting) -> None:
        try:
            chunk = waiting.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            _close(self._forget(fd).sock)
            return
        if not waiting.data:  # the first byte of a request: its head has head_seconds from now
            waiting.deadline = min(waiting.deadline, time.monotonic() + waiting.head_seconds)
        waiting.data += chunk
        if _ready(waiting.data):
            self._give(self._forget(fd))
        elif len(waiting.data) > HEAD_LIMIT + SMALL_BODY:
            self._forget(fd)
            _refuse(waiting.sock, b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n"
                                  b"Connection: close\r\n\r\n")

    def _give(self, waiting: _Waiting) -> None:
        with self._queued_lock:
            busy = self._queued >= self.max_queued
            if not busy:
                self._queued += 1
        if busy:
            _refuse(waiting.sock, _BUSY)
            return
        deadline = time.monotonic() + self.body_seconds
        try:
            self._pool.submit(self._work, waiting.sock, waiting.address, bytes(waiting.data), deadline)
        except RuntimeError:  # shutting down
            self._done()
            _close(waiting.sock)

    def _done(self) -> None:
        with self._queued_lock:
            self._queued -= 1

    def _work(self, sock: socket.socket, address: tuple, data: bytes, deadline: float) -> None:
        kept: bytes | None = None
        try:
            sock.setblocking(True)
            for answered in range(1, LINGER_REQUESTS + 1):
                kept = self.dispatch(sock, address, data, deadline)
                if kept is None or not self._running:
                    break
                if not _ready(kept):
                    more = _linger(sock)
                    if more is None:  # the client closed it: nothing to wait for
                        kept = None
                        break
                    kept += more
                if not _ready(kept) or answered == LINGER_REQUESTS:
                    break  # the Gatherer waits for the rest (or takes the next whole head in turn)
                data, deadline = kept, time.monotonic() + self.body_seconds  # the next request, here
        except Exception:
            kept = None
        finally:
            self._done()
        if kept is None or not self._running:
            _close(sock)
        else:
            self.add(sock, address, kept, idle=True)


_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d{1,9})[ \t]*\r\n", re.IGNORECASE)


def _ready(data: bytearray | bytes) -> bool:
    """Whether a worker may take the request: its head is whole and so is its body when that is
    small (a citizen's answers: a client trickling them holds no worker); a larger or chunked
    body is read by the worker, within the request's deadline."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    found = _LENGTH.search(data, 0, end + 2)
    length = int(found.group(1)) if found else 0
    return length > SMALL_BODY or len(data) >= end + 4 + length


def _linger(sock: socket.socket) -> bytes | None:
    """What a kept-alive client sends within LINGER_SECONDS of its answer (a client sending request
    after request saves two hand-overs between threads); b"" when it sends nothing in that time,
    None when it closed the connection."""
    try:
        sock.settimeout(LINGER_SECONDS)
        return sock.recv(65536) or None
    except TimeoutError:  # the Gatherer waits for it
        return b""
    except OSError:
        return None


def _refuse(sock: socket.socket, reply: bytes) -> None:
    try:
        sock.setblocking(True)
        sock.settimeout(1.0)
        sock.sendall(reply)
    except OSError:
        pass
    _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
