"""Google's OAuth 2.0 token endpoint (https://oauth2.googleapis.com/token), enough for
google-auth's real refresh-token and service-account (JWT bearer) flows to run against the local
backend in tests. Any refresh token or signed assertion is accepted: the backend checks no
identity, it only hands out opaque access tokens (and remembers them, so a test can see one was
sent)."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs

from .routing import Request, json_reply

GRANTS = {"refresh_token": "refresh_token", "urn:ietf:params:oauth:grant-type:jwt-bearer": "assertion"}
# A refresh token that Google no longer honours (an app left in "Testing" after 7 days, or access
# revoked by the user): tests use one with this prefix to get Google's invalid_grant answer.
REVOKED_PREFIX = "1//revoked-"


def token(req: Request):
    form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
    grant = form.get("grant_type", "")
    if grant not in GRANTS or not form.get(GRANTS[grant]):
        return json_reply({"error": "invalid_grant", "error_description": "Bad Request"}, 400)
    if grant == "refresh_token" and form["refresh_token"].startswith(REVOKED_PREFIX):
        return json_reply({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, 400)
    access = "ya29.local-" + secrets.token_urlsafe(24)
    req.app.issued_tokens.append(access)
    return {"access_token": access, "expires_in": 3599, "token_type": "Bearer"}
