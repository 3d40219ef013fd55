"""Which Google credential to use, and the OAuth token cache.

Order: an explicit credentials file (--credentials, FORMKIT_CREDENTIALS, or [google] credentials
in formkit.toml); with FORMKIT_GOOGLE_ENDPOINT set and no file, the local backend's bearer token;
otherwise application-default credentials. A commune's normal path is an OAuth client for a
desktop app: the user signs in once in the browser and the token is cached, owner-only, in the
user's config folder — never in the workspace, never in git, never printed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..errors import CredentialsError, RemoteError
from ..files import atomic_write_text
from ..i18n import N_, _
from ..settings import current

SCOPES = [
    "https://www.googleapis.com/auth/forms.body",
    "https://www.googleapis.com/auth/forms.responses.readonly",
    "https://www.googleapis.com/auth/spreadsheets.readonly",
    "https://www.googleapis.com/auth/drive.file",
]

HOW_TO = N_(
    "To create forms in a Google account, download an OAuth client ID for a desktop app from the "
    "Google Cloud console (APIs & Services → Credentials; enable the Forms, Sheets and Drive APIs) "
    "and pass it with --credentials FILE or [google] credentials = \"FILE\" in formkit.toml; the "
    "README's 'Google credentials' section shows each step. To try formkit without a Google account, "
    "run `formkit demo`, or `formkit serve` and set FORMKIT_GOOGLE_ENDPOINT to the address it prints."
)


def sign_in_expired(detail: str, cache: Path | None = None) -> str:
    """One paragraph for a refresh token Google no longer accepts (invalid_grant)."""
    removed = (_("formkit has removed the dead token ({cache}), so the next run opens the browser to sign in "
                 "again.").format(cache=cache) if cache
               else _("Delete the cached token (README, 'Google credentials') and sign in again."))
    return " ".join((
        _("Google no longer accepts the saved sign-in ({detail}). Either the OAuth app is still in the "
          "\"Testing\" publishing status, whose sign-ins expire after 7 days, or the account's access was "
          "removed (password change, or https://myaccount.google.com/permissions). In the Google Cloud console "
          "open APIs & Services → OAuth consent screen and press \"Publish app\" so it is \"In production\" "
          "(no verification is needed for the commune's own account); then run the command again.").format(
            detail=detail),
        removed, _("Nothing that was already done is lost.")))


def refused_grant(exc: Exception) -> bool:
    """A refresh Google refused for good (expired or revoked), not a passing failure."""
    return "invalid_grant" in str(exc)


def config_dir() -> Path:
    return current().config_home / "formkit"


def token_path(client_id: str) -> Path:
    return config_dir() / "tokens" / f"{hashlib.sha256(client_id.encode()).hexdigest()[:16]}.json"


def credentials_file(cli_value: Path | None, workspace_value: Path | None) -> Path | None:
    return cli_value or current().credentials or workspace_value


def load_credentials(file: Path | None, endpoint: str | None, interactive: bool = True,
                     token_dir: Path | None = None):
    """A google.auth credential for the Forms, Sheets and Drive scopes. With an endpoint override
    and no file: the local backend's bearer token (transport.endpoint_token)."""
    if file is not None:
        return _from_file(Path(file), interactive)
    if endpoint is not None:
        from google.auth.exceptions import RefreshError
        from google.oauth2.credentials import Credentials

        from .transport import TOKEN_VARIABLE, endpoint_token

        def refused(_request, scopes=None):  # a 401: the token is not this backend's
            raise RefreshError(_("the local backend at {endpoint} refused the token; set {variable} to what "
                                 "`formkit serve --show-token` prints where it runs").format(
                endpoint=endpoint, variable=TOKEN_VARIABLE))

        return Credentials(endpoint_token(endpoint, token_dir), refresh_handler=refused)
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        credentials, _project = google.auth.default(scopes=SCOPES)
        return credentials
    except DefaultCredentialsError:
        raise CredentialsError(_("No Google credentials are configured.") + " " + _(HOW_TO)) from None


def _from_file(path: Path, interactive: bool):
    if not path.is_file():
        raise CredentialsError(_("The credentials file {path} does not exist.").format(path=path) + " " + _(HOW_TO))
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        info = None
    if not isinstance(info, dict):
        raise CredentialsError(_("{path} is not a JSON credentials file.").format(path=path) + " " + _(HOW_TO))
    if "installed" in info or "web" in info:
        return _oauth_user(path, info, interactive)
    if info.get("type") == "service_account":
        from google.oauth2 import service_account

        try:
            return service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
        except (ValueError, KeyError) as exc:
            raise CredentialsError(_("{path} is an incomplete service-account key ({kind}).").format(
                path=path, kind=exc.__class__.__name__) + " " + _(HOW_TO)) from None
    if info.get("type") == "authorized_user":
        from google.oauth2.credentials import Credentials

        return Credentials.from_authorized_user_info(info, SCOPES)
    raise CredentialsError(
        _("{path} is neither an OAuth client (\"installed\"), a service-account key nor an authorized-user "
          "file.").format(path=path) + " " + _(HOW_TO)
    )


def _oauth_user(path: Path, info: dict, interactive: bool):
    from google.auth.exceptions import RefreshError, TransportError
    from google.auth.transport.requests import Request

    client = info.get("installed") or info.get("web") or {}
    client_id = client.get("client_id")
    if not client_id or not client.get("client_secret") or "PLACEHOLDER" in json.dumps(client):
        raise CredentialsError(_("{path} has no real client_id/client_secret (is it the example file?).").format(
            path=path) + " " + _(HOW_TO))
    cache = token_path(client_id)
    credentials = _cached(cache, client) if cache.is_file() else None
    if credentials is not None and not credentials.valid and credentials.refresh_token:
        try:
            credentials.refresh(Request())
            save_token(cache, credentials.to_json())
        except RefreshError as exc:
            if refused_grant(exc):
                cache.unlink(missing_ok=True)
                expired = _("invalid_grant: the token expired or was revoked")
                raise CredentialsError(sign_in_expired(expired, cache)) from None
            if getattr(exc, "retryable", False):  # the sign-in server failed (5xx): not a reason to sign in again
                raise CredentialsError(_("Google's sign-in server failed to refresh the token (it answered with a "
                                         "server error); nothing was sent. Run the command again later.")) from None
            credentials = None  # any other refusal: sign in again
        except TransportError as exc:
            raise RemoteError(_("cannot reach Google's sign-in server to refresh the token ({kind})").format(
                    kind=exc.__class__.__name__)) from None
    if credentials is None or not credentials.valid:
        if not interactive:
            raise CredentialsError(
                _("Signing in to Google is needed for {path}; run the command in a terminal.").format(path=path)
                + " " + _(HOW_TO))
        from google_auth_oauthlib.flow import InstalledAppFlow

        flow = InstalledAppFlow.from_client_config(info, SCOPES)
        credentials = flow.run_local_server(
            port=0, open_browser=True,
            authorization_prompt_message="Mở địa chỉ sau để đăng nhập Google / Open this address to sign in:\n{url}\n",
        )
        save_token(cache, credentials.to_json())
    return credentials


def _cached(cache: Path, client: dict):
    """The cached user credential, talking to the token endpoint the client file names (google-auth's
    own loader always assumes Google's). None if the cache is damaged: the user signs in again."""
    from datetime import datetime

    from google.oauth2.credentials import Credentials

    try:
        info = json.loads(cache.read_text(encoding="utf-8"))
        expiry = info.get("expiry")
        return Credentials(
            token=info.get("token"), refresh_token=info["refresh_token"], client_id=info["client_id"],
            client_secret=info["client_secret"], scopes=SCOPES,
            token_uri=client.get("token_uri") or "https://oauth2.googleapis.com/token",
            expiry=datetime.strptime(expiry.rstrip("Z").split(".")[0], "%Y-%m-%dT%H:%M:%S") if expiry else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def save_token(path: Path, token_json: str) -> None:
    """Owner-only: the folder 0700, the file 0600 from the moment it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    atomic_write_text(path, token_json, mode=0o600)
