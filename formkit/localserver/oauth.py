"""Google's OAuth 2.0 token endpoint (https://oauth2.googleapis.com/token), enough for
google-auth's real refresh-token and service-account (JWT bearer) flows to run against the local
backend. Tokens go only to the clients the backend was configured with: an OAuth client whose
client_id and client_secret match, or a service account whose assertion is signed by the key
configured for its email. Anyone else gets Google's `invalid_client` / `invalid_grant`.
Issued access tokens are accepted by the API from then on (access.Tokens)."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs

from .routing import Request, json_reply

# A refresh token that Google no longer honours (an app left in "Testing" after 7 days, or access
# revoked by the user): tests use one with this prefix to get Google's invalid_grant answer.
REVOKED_PREFIX = "1//revoked-"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def token(req: Request):
    form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
    grant = form.get("grant_type", "")
    if grant == "refresh_token" and form.get("refresh_token"):
        secret = req.app.clients.get(form.get("client_id", ""))
        if secret is None or not secrets.compare_digest(secret, form.get("client_secret", "")):
            return json_reply({"error": "invalid_client", "error_description": "The OAuth client was not found."}, 401)
    elif grant == JWT_BEARER and form.get("assertion"):
        if not _signed_by_configured_account(req.app.service_accounts, form["assertion"]):
            return json_reply({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}, 400)
    else:
        return json_reply({"error": "invalid_grant", "error_description": "Bad Request"}, 400)
    if grant == "refresh_token" and form["refresh_token"].startswith(REVOKED_PREFIX):
        return json_reply({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, 400)
    access = "ya29.local-" + secrets.token_urlsafe(24)
    req.app.tokens.add(access)
    req.app.issued_tokens.append(access)
    return {"access_token": access, "expires_in": 3599, "token_type": "Bearer"}


def _signed_by_configured_account(accounts: dict[str, str], assertion: str) -> bool:
    """The assertion's issuer is a configured service account and its key signed it."""
    from google.auth import exceptions, jwt

    try:
        issuer = jwt.decode(assertion, verify=False).get("iss", "")
        if issuer not in accounts:
            return False
        jwt.decode(assertion, certs=accounts[issuer], verify=True)
        return True
    except (ValueError, exceptions.GoogleAuthError):
        return False
