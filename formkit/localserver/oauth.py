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


def token(req: Request):
    form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
    grant = form.get("grant_type", "")
    if grant not in GRANTS or not form.get(GRANTS[grant]):
        return json_reply({"error": "invalid_grant", "error_description": "Bad Request"}, 400)
    access = "ya29.local-" + secrets.token_urlsafe(24)
    req.app.issued_tokens.append(access)
    return {"access_token": access, "expires_in": 3599, "token_type": "Bearer"}
