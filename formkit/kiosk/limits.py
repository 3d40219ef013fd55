"""Token buckets: how many ratings, requests and PIN tries a device may make, per second."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class Bucket:
    capacity: float
    per_second: float
    level: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def take(self, wanted: float = 1.0) -> float:
        """Up to `wanted` tokens, as many as there are (whole ones)."""
        now = time.monotonic()
        if self.level < 0:
            self.level = self.capacity
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.per_second)
        self.stamp = now
        granted = min(wanted, float(int(self.level)))
        self.level -= granted
        return granted


@dataclass(frozen=True)
class Limit:
    capacity: float
    per_hour: float


# A counter serves one citizen every few minutes: a day's ratings kept offline (a few hundred)
# go through at once, and from then on about one every 6 s at most; more waits (HTTP 429) and the
# tablet keeps it queued. Requests and PIN tries are limited apart from ratings.
RATINGS = Limit(600, 600)
REQUESTS = Limit(30, 4 * 3600)
PIN_TRIES = Limit(5, 12)
PAIRING_TRIES = Limit(10, 600)  # for the whole server: a 6-digit code gets a few dozen guesses at most
LOGGED = Limit(60, 60)  # refusals written to the audit trail per address or device: a flood cannot fill the disk
DEFAULTS = {"ratings": RATINGS, "requests": REQUESTS, "pin": PIN_TRIES, "pairing": PAIRING_TRIES, "logged": LOGGED}


class Limiter:
    """One bucket per (what, who), created on first use."""

    def __init__(self, limits: dict[str, Limit]) -> None:
        self.limits = limits
        self.buckets: dict[tuple[str, str], Bucket] = {}
        self.lock = threading.Lock()

    def take(self, what: str, who: str, wanted: int = 1) -> int:
        limit = self.limits[what]
        with self.lock:
            bucket = self.buckets.setdefault((what, who), Bucket(limit.capacity, limit.per_hour / 3600))
            return int(bucket.take(wanted))
