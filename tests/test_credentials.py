"""Credentials: the real google-auth refresh and service-account flows against the local
backend's token endpoint; tokens are cached owner-only and never printed."""

from __future__ import annotations

import json
import stat

from conftest import CLIENT_ID, CLIENT_SECRET

from formkit.google.auth import SCOPES, token_path


def oauth_client(tmp_path, base: str, secret: str = CLIENT_SECRET):
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps({"installed": {
        "client_id": CLIENT_ID, "client_secret": secret, "project_id": "p",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": f"{base}/token",
        "redirect_uris": ["http://localhost"]}}), encoding="utf-8")
    return path


def cached_token(base: str, expired: bool = True, token: str = "ya29.old-access") -> dict:
    return {"token": token, "refresh_token": "1//refresh-SECRET", "token_uri": f"{base}/token",
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scopes": SCOPES,
            "expiry": "2020-01-01T00:00:00Z" if expired else "2999-01-01T00:00:00Z"}


def test_expired_cached_token_is_refreshed_saved_0600_and_never_printed(example_dir, local_google, formkit,
                                                                         tmp_path, monkeypatch):
    base = local_google.base_url
    monkeypatch.setenv("FORMKIT_GOOGLE_ENDPOINT", base)
    cache = token_path(CLIENT_ID)
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps(cached_token(base)), encoding="utf-8")
    result = formkit("create", "-w", example_dir, "--commune", "nam-dong",
                     "--credentials", oauth_client(tmp_path, base))
    assert result.exit_code == 0, result.output
    issued = local_google.app.issued_tokens
    assert len(issued) == 1
    assert set(local_google.app.bearers) == {f"Bearer {issued[0]}"}  # every API call carried it
    saved = json.loads(cache.read_text(encoding="utf-8"))
    assert saved["token"] == issued[0] and saved["refresh_token"] == "1//refresh-SECRET"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    for secret in (issued[0], "1//refresh-SECRET", "s3cret-client"):
        assert secret not in result.output
    assert not any(p.name.startswith("token") for p in example_dir.rglob("*"))  # never in the workspace


def test_valid_cached_token_is_used_without_refresh(example_dir, local_google, formkit, tmp_path, monkeypatch):
    base = local_google.base_url
    monkeypatch.setenv("FORMKIT_GOOGLE_ENDPOINT", base)
    cache = token_path(CLIENT_ID)
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps(cached_token(base, expired=False, token=local_google.token)), encoding="utf-8")
    result = formkit("create", "-w", example_dir, "--commune", "nam-dong",
                     "--credentials", oauth_client(tmp_path, base))
    assert result.exit_code == 0, result.output
    assert local_google.app.issued_tokens == []
    assert set(local_google.app.bearers) == {f"Bearer {local_google.token}"}


def test_a_token_the_backend_never_issued_is_refreshed_and_an_unknown_client_gets_none(
        example_dir, local_google, formkit, tmp_path, monkeypatch):
    base = local_google.base_url
    monkeypatch.setenv("FORMKIT_GOOGLE_ENDPOINT", base)
    cache = token_path(CLIENT_ID)
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps(cached_token(base, expired=False)), encoding="utf-8")  # "valid", but made up
    result = formkit("create", "-w", example_dir, "--commune", "nam-dong",
                     "--credentials", oauth_client(tmp_path, base))
    assert result.exit_code == 0, result.output  # google-auth refreshes on the 401 and retries
    assert len(local_google.app.issued_tokens) == 1
    assert set(local_google.app.bearers) == {f"Bearer {local_google.app.issued_tokens[0]}"}  # only good ones pass

    cache.write_text(json.dumps({**cached_token(base), "client_secret": "guessed"}), encoding="utf-8")
    result = formkit("status", "-w", example_dir, "--credentials", oauth_client(tmp_path, base, secret="guessed"))
    assert result.exit_code != 0
    assert len(local_google.app.issued_tokens) == 1  # the wrong secret got nothing


def test_service_account_key_signs_in_through_the_token_endpoint(example_dir, local_google, formkit, tmp_path,
                                                                  monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    base = local_google.base_url
    monkeypatch.setenv("FORMKIT_GOOGLE_ENDPOINT", base)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    local_google.add_service_account("formkit@p.iam.gserviceaccount.com", public)
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps({"type": "service_account", "project_id": "p", "private_key_id": "k1",
                                "private_key": pem, "client_email": "formkit@p.iam.gserviceaccount.com",
                                "client_id": "1", "token_uri": f"{base}/token"}), encoding="utf-8")
    result = formkit("create", "-w", example_dir, "--commune", "nam-dong", "--credentials", path)
    assert result.exit_code == 0, result.output
    assert len(local_google.app.issued_tokens) == 1
    assert pem.splitlines()[1] not in result.output

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # same email, another key
    path.write_text(path.read_text().replace(pem.replace("\n", "\\n"), other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode().replace("\n", "\\n")), encoding="utf-8")
    result = formkit("status", "-w", example_dir, "--credentials", path)
    assert result.exit_code != 0 and len(local_google.app.issued_tokens) == 1


def test_broken_credentials_files_are_explained(example_dir, formkit, tmp_path):
    not_json = tmp_path / "c.json"
    not_json.write_text("{oops", encoding="utf-8")
    unknown = tmp_path / "u.json"
    unknown.write_text('{"type": "something_else"}', encoding="utf-8")
    for path, words in ((not_json, "not a JSON credentials file"), (unknown, "neither an OAuth client"),
                        (tmp_path / "missing.json", "does not exist")):
        result = formkit("create", "-w", example_dir, "--credentials", path)
        assert result.exit_code == 2 and words in result.err and "Traceback" not in result.err
        assert "README" in result.err


def test_a_refresh_token_google_no_longer_accepts_is_explained_in_one_paragraph(example_dir, local_google, formkit,
                                                                                  tmp_path, monkeypatch):
    """An app left in "Testing" loses its refresh tokens after 7 days: Google answers invalid_grant."""
    from formkit.localserver.oauth import REVOKED_PREFIX

    base = local_google.base_url
    monkeypatch.setenv("FORMKIT_GOOGLE_ENDPOINT", base)
    cache = token_path(CLIENT_ID)
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps({**cached_token(base), "refresh_token": REVOKED_PREFIX + "SECRET"}), encoding="utf-8")
    result = formkit("pull", "-w", example_dir, "--credentials", oauth_client(tmp_path, base))
    assert result.exit_code == 2, result.output
    paragraph = result.err.strip()
    assert "invalid_grant" in paragraph and "Testing" in paragraph and "In production" in paragraph
    assert "7 days" in paragraph and "Traceback" not in result.err and REVOKED_PREFIX not in result.output
    assert "\n\n" not in paragraph
    assert not cache.exists()  # the next run signs in afresh instead of failing the same way
    assert local_google.calls() == {}  # no Google API call was attempted


def test_a_failing_token_endpoint_is_a_clear_error_not_a_sign_in(example_dir, local_google, formkit, tmp_path,
                                                                  monkeypatch):
    from conftest import add_fault

    base = local_google.base_url
    monkeypatch.setenv("FORMKIT_GOOGLE_ENDPOINT", base)
    cache = token_path(CLIENT_ID)
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps(cached_token(base)), encoding="utf-8")  # expired: needs the token endpoint
    monkeypatch.setenv("FORMKIT_GOOGLE_TOKEN", local_google.token)
    add_fault(base, method="POST", path="^/token$", kind="status", status=500, count=20)
    import google_auth_oauthlib.flow

    monkeypatch.setattr(google_auth_oauthlib.flow.InstalledAppFlow, "run_local_server",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("a browser sign-in was started")))
    result = formkit("create", "-w", example_dir, "--commune", "nam-dong",
                     "--credentials", oauth_client(tmp_path, base))
    assert result.exit_code == 2, result.output
    assert "sign-in server failed" in result.err and "Internal error" not in result.output
    assert local_google.calls() == {}
