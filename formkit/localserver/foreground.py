"""Running the backend in the foreground (`formkit serve`): until Ctrl-C, and the address that
phones on the network reach it at when it listens beyond this machine."""

from __future__ import annotations

import time

from .access import lan_address

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def reachable_url(host: str, base_url: str) -> str | None:
    """The address other machines use for a backend listening on `host` (all interfaces: this
    machine's address on its network), or None when it listens on this machine only."""
    if host in LOOPBACK:
        return None
    address = lan_address() if host in ("0.0.0.0", "::", "") else host
    return f"http://{address}:{base_url.rsplit(':', 1)[1]}"


def serve_until_interrupted(server) -> None:
    """Keep the (started) server answering until Ctrl-C, then stop it."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
