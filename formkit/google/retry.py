"""Retries for Google calls: 429, 5xx and dropped connections, with truncated exponential backoff
and jitter (Google's advice: wait min(2^n + random, 32–64 s)), honouring Retry-After, bounded.

A write whose outcome is unknown (the connection dropped, or a 5xx after the request went out)
is not blindly repeated: the caller may pass `recover`, which looks at Google to see whether the
write happened, so an interrupted forms.create never makes a second form.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from google.auth.exceptions import RefreshError

from ..errors import CredentialsError, RemoteError, seconds
from ..i18n import _
from ..settings import RETRY_BASE_VARIABLE, current
from .auth import refused_grant, sign_in_expired

RETRYABLE_STATUS = {429, 500, 502, 503, 504}
# Drive answers its rate limits with 403 (Drive API guide "Resolve errors"): these reasons are
# retried like a 429; any other 403 (a policy, no access) is final.
RATE_LIMIT_REASONS = {"userRateLimitExceeded", "rateLimitExceeded", "sharingRateLimitExceeded", "RATE_LIMIT_EXCEEDED"}


@dataclass
class RetryPolicy:
    attempts: int = 7  # tries in all, the first included
    base: float = 1.0  # seconds; FORMKIT_RETRY_BASE scales the whole schedule (tests use 0.01)
    cap: float = 32.0
    longest_wait: float = 120.0  # a Retry-After beyond this ends the run (progress is saved)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    @classmethod
    def from_env(cls) -> RetryPolicy:
        return cls(base=seconds(current().retry_base, RETRY_BASE_VARIABLE, cls.base))

    def backoff(self, attempt: int) -> float:
        return min(self.cap * self.base, self.base * 2**attempt) + random.uniform(0, self.base)


@dataclass
class Failure:
    status: int | None  # None: no HTTP answer (connection dropped, refused, timed out)
    message: str
    retry_after: float | None = None
    reasons: frozenset[str] = frozenset()  # Google's error reasons (Drive's errors[].reason, ErrorInfo.reason)

    @property
    def retryable(self) -> bool:
        return (self.status is None or self.status in RETRYABLE_STATUS
                or (self.status == 403 and bool(self.reasons & RATE_LIMIT_REASONS)))


def describe(exc: BaseException) -> Failure | None:
    """What went wrong with a call, or None when it is not a transport/HTTP failure."""
    from google.auth.exceptions import TransportError
    from googleapiclient.errors import HttpError
    from gspread.exceptions import APIError

    if isinstance(exc, HttpError):
        return Failure(exc.status_code, google_message(exc.content, exc.status_code), _retry_after(exc.resp),
                       error_reasons(exc.content))
    # gspread's errors, and requests' own for formkit's calls to the local backend (linking)
    response = exc.response if isinstance(exc, (APIError, requests.HTTPError)) else None
    if response is not None:
        return Failure(response.status_code, google_message(response.content, response.status_code),
                       _retry_after(response.headers), error_reasons(response.content))
    if isinstance(exc, (requests.ConnectionError, requests.Timeout, http.client.HTTPException,
                        ConnectionError, socket.timeout, TimeoutError, TransportError)):
        return Failure(None, _("connection failed ({kind}: {error})").format(kind=exc.__class__.__name__, error=exc))
    return None


def google_message(content: bytes | str, status: int) -> str:
    """Google's {"error": {"message", "status"}} as one line."""
    try:
        error = json.loads(content)["error"]
        return f"HTTP {status} {error.get('status', '')}: {error.get('message', '')}".strip()
    except (ValueError, KeyError, TypeError):
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
        return f"HTTP {status}: {text[:200]}"


def error_reasons(content: bytes | str) -> frozenset[str]:
    """The reasons in a Google error body: Drive's `errors[].reason` and google.rpc.ErrorInfo's."""
    try:
        error = json.loads(content)["error"]
        found = [e.get("reason") for e in error.get("errors") or []]
        found += [d.get("reason") for d in error.get("details") or [] if str(d.get("@type", "")).endswith("ErrorInfo")]
    except (ValueError, KeyError, TypeError, AttributeError):
        return frozenset()
    return frozenset(r for r in found if isinstance(r, str))


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after") or headers.get("Retry-After") if headers else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def call(fn: Callable[[], Any], what: str, policy: RetryPolicy,
         recover: Callable[[], Any] | None = None, on_retry: Callable[[str], None] | None = None) -> Any:
    """Run fn, retrying transient failures; raise RemoteError/CredentialsError when it cannot succeed.

    recover() is asked after an uncertain failure of a write: it returns the write's result if the
    write did happen, or None to try the write again.
    """
    for attempt in range(policy.attempts):
        try:
            return fn()
        except RefreshError as exc:
            reason = exc.args[0] if exc.args else str(exc)
            if refused_grant(exc):
                raise CredentialsError(f"{what}: " + sign_in_expired(reason)) from None
            raise CredentialsError(_("{what}: Google refused to refresh the sign-in ({reason}). Sign in again: "
                                     "delete the cached token (see README, 'Google credentials').").format(
                    what=what, reason=reason)) from None
        except Exception as exc:  # classified below; anything unknown is re-raised
            failure = describe(exc)
            if failure is None:
                raise
            if failure.status in (401,):
                raise CredentialsError(
                    _("{what}: Google rejected the credential ({message}). Sign in again: delete the cached token "
                      "(see README, 'Google credentials') and re-run.").format(what=what, message=failure.message)
                ) from exc
            if not failure.retryable:
                raise RemoteError(f"{what}: {failure.message}") from exc
            if attempt == policy.attempts - 1:
                raise RemoteError(_("{what}: still failing after {attempts} attempts: {message}. Everything done "
                                    "so far is saved; run the command again later.").format(
                        what=what, attempts=policy.attempts, message=failure.message)) from exc
            if failure.retry_after is not None and failure.retry_after > policy.longest_wait:
                raise RemoteError(_("{what}: {message}; Google asks to wait {retry_after:.0f} s. Everything done "
                                    "so far is saved; run the command again then.").format(
                        what=what, message=failure.message, retry_after=failure.retry_after)) from exc
            if recover is not None and (failure.status is None or failure.status >= 500):
                recovered = recover()
                if recovered is not None:
                    return recovered
            delay = failure.retry_after if failure.retry_after is not None else policy.backoff(attempt)
            if on_retry:
                on_retry(_("{what}: {message}; retrying in {delay:.1f} s").format(
                        what=what, message=failure.message, delay=delay))
            policy.sleep(delay)
    raise AssertionError("unreachable")
