"""A listening port that is this server's alone.

http.server sets SO_REUSEADDR, which on POSIX only lets a restarted server take its port back at
once; on Windows it lets a second server bind a port another one is already listening on, so two
`formkit kiosk` (or `formkit serve`) runs would share the port silently instead of the second
stopping with "the port is already in use". Windows' SO_EXCLUSIVEADDRUSE is the POSIX meaning."""

from __future__ import annotations

import socket


class ExclusivePort:
    """Mixin for a socketserver.TCPServer subclass (listed before it)."""

    socket: socket.socket
    allow_reuse_address: bool

    def server_bind(self) -> None:
        exclusive = getattr(socket, "SO_EXCLUSIVEADDRUSE", None)  # Windows only
        if exclusive is not None:
            self.allow_reuse_address = False
            self.socket.setsockopt(socket.SOL_SOCKET, exclusive, 1)
        super().server_bind()  # type: ignore[misc]
