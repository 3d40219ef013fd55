"""Google's error format, so clients see the same HttpError/APIError they would from Google:
{"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT", "details": [...]}}.
"""

from __future__ import annotations

from typing import Any

from .discovery import Violation

STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
          409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE",
          504: "DEADLINE_EXCEEDED"}
NOT_FOUND = "Requested entity was not found."


class ApiError(Exception):
    """A Google API error; raised anywhere in a handler, answered by the server."""

    def __init__(self, code: int, message: str, status: str | None = None, details: list | None = None,
                 headers: dict[str, str] | None = None, errors: list[dict] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []  # Drive v3's legacy "errors" list: [{domain, reason, message}]
        self.code = code
        self.message = message
        self.status = status or STATUS.get(code, "UNKNOWN")
        self.details = details or []
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        if self.errors:
            error["errors"] = self.errors
        return {"error": error}


def invalid(message: str, field: str = "") -> ApiError:
    """400 INVALID_ARGUMENT, with a BadRequest field violation when the field is known."""
    details = [_bad_request([(field, message)])] if field else []
    return ApiError(400, message, details=details)


def invalid_payload(violations: list[Violation]) -> ApiError:
    """400 for a body or query that does not fit the discovery schema, worded like Google."""
    message = "\n".join(v.google_message() for v in violations)
    return ApiError(400, message, details=[_bad_request([(v.field(), v.google_message()) for v in violations])])


def failed_precondition(message: str) -> ApiError:
    return ApiError(400, message, status="FAILED_PRECONDITION")


def not_found(message: str = NOT_FOUND) -> ApiError:
    return ApiError(404, message)


def unsupported(what: str) -> ApiError:
    """Valid for Google, but not implemented by the local backend: say so instead of guessing."""
    return invalid(f"{what} is not supported by formkit's local Google backend.")


def _bad_request(violations: list[tuple[str, str]]) -> dict:
    return {"@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{"field": f, "description": d} for f, d in violations]}
