"""Injected faults and call counts: what lets tests prove that formkit retries, recovers from
half-done writes, and spends the number of Google calls it promises.

Fault kinds:
  status      answer a Google error (429 RESOURCE_EXHAUSTED, 500 INTERNAL, 503 UNAVAILABLE, ...)
              without doing anything; retryAfter adds a Retry-After header; a 403 with a `reason`
              (userRateLimitExceeded, rateLimitExceeded, sharingRateLimitExceeded) is Drive's
              rate limit in Drive's shape (its "Resolve errors" page), without one a refusal
  drop        close the connection without doing anything or answering
  drop_after  do the work, then close the connection without answering
  stall_after do the work, then wait `seconds` before answering
  search_lag  Drive files.list answers as if no file matched yet (its search is not read-after-write
              consistent: a file just made may be missing for a while)
Each fault fires `count` times on requests whose method matches and whose path (as sent,
percent-encoded, without the query) matches the `path` regular expression (re.search).
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter
from dataclasses import asdict, dataclass

from .errors import ApiError

KINDS = ("status", "drop", "drop_after", "stall_after", "search_lag")
MESSAGES = {
    429: "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user' "
         "(injected by formkit's local Google backend).",
    500: "Internal error encountered.",
    502: "Bad gateway.",
    503: "The service is currently unavailable.",
    504: "Deadline exceeded.",
}
# Drive answers its rate limits with 403 and a reason (Drive API guide "Resolve errors").
DRIVE_LIMITS = {
    "userRateLimitExceeded": "User Rate Limit Exceeded",
    "rateLimitExceeded": "Rate Limit Exceeded",
    "sharingRateLimitExceeded": 'Rate limit exceeded. User message: "These item(s) could not be shared because a '
                                'rate limit was exceeded: formkit-test-form"',
}
_ids = itertools.count(1)


@dataclass
class Fault:
    id: int
    method: str  # "" for any
    path: str
    kind: str
    status: int = 503
    retryAfter: float | None = None
    count: int = 1
    seconds: float = 0.0
    reason: str = ""

    def error(self) -> ApiError:
        if self.reason:
            message = DRIVE_LIMITS[self.reason]
            return ApiError(self.status, message, errors=[{"domain": "usageLimits", "reason": self.reason,
                                                           "message": message}])
        headers = {"Retry-After": f"{self.retryAfter:g}"} if self.retryAfter is not None else {}
        details = []
        if self.status == 429:
            details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                        "domain": "googleapis.com"}]
        return ApiError(self.status, MESSAGES.get(self.status, "Injected failure."), details=details, headers=headers)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, spec: dict) -> Fault:
        """A fault from its JSON description; ValueError says what is wrong with it."""
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        unknown = set(spec) - {"method", "path", "kind", "status", "retryAfter", "count", "seconds",
                                 "reason"}
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        kind = spec.get("kind", "status")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        status = int(spec.get("status", 503))
        if kind == "status" and not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (429, 500, 503, ...)")
        reason = str(spec.get("reason", ""))
        if reason and (reason not in DRIVE_LIMITS or status != 403):
            raise ValueError(f"reason goes with status 403 and is one of {', '.join(DRIVE_LIMITS)}")
        re.compile(spec.get("path", ""))  # re.error is a ValueError
        fault = Fault(next(_ids), str(spec.get("method", "")).upper(), spec.get("path", ""), kind, status,
                      None if spec.get("retryAfter") is None else float(spec["retryAfter"]),
                      max(1, int(spec.get("count", 1))), float(spec.get("seconds", 0)), reason)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, used up once."""
        with self._lock:
            for fault in self._faults:
                if fault.method in ("", method) and re.search(fault.path, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def list(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


class Calls:
    """Requests per API method (forms.create, sheets.spreadsheets.values.batchGet, ...),
    faulted ones included; `faulted` counts those separately."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.all: Counter[str] = Counter()
        self.faulted: Counter[str] = Counter()

    def count(self, name: str, faulted: bool) -> None:
        with self._lock:
            self.all[name] += 1
            if faulted:
                self.faulted[name] += 1

    def snapshot(self, faulted: bool = False) -> dict[str, int]:
        with self._lock:
            return dict(sorted((self.faulted if faulted else self.all).items()))

    def reset(self) -> None:
        with self._lock:
            self.all.clear()
            self.faulted.clear()
