"""Who gets into the local backend, and what it refuses: only the respondent pages are public;
test-only machinery does not exist on a served backend; bodies, framing, slow clients and fast
submitters are limited; its data is owner-only."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from test_localserver import Q_GAVE, Q_PHONE, entry, forms_service, new_survey

from formkit.localserver import LocalGoogle
from formkit.localserver import server as server_module

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A backend as `formkit serve` starts it (testing=False), with one published form."""
    import test_localserver

    with LocalGoogle(tmp_path / "data" / "google.sqlite").start() as running:
        monkeypatch.setitem(test_localserver.TOKEN, "api", running.token)
        form = new_survey(forms_service(running.base_url), "Công khai")
        yield running, form


def submit_url(form: dict) -> str:
    return form["responderUri"].replace("/viewform", "/formResponse")


def answer(n: int = 0) -> dict[str, str]:
    return {entry(Q_GAVE): "Không", entry(Q_PHONE): f"09{n}"}


def raw(base_url: str, data: bytes, wait: float = 5.0) -> bytes:
    """Send bytes as they are and read the answer until the server closes or `wait` passes."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as conn:
        conn.sendall(data)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received and not data.startswith(b"POST"):
                    break
        except (TimeoutError, ConnectionResetError):
            pass
    return received


def test_without_the_token_nothing_but_the_respondent_pages_answers(served):
    server, form = served
    base, form_id = server.base_url, form["formId"]
    spreadsheet = requests.post(f"{base}/formkit/v1/forms/{form_id}:linkSheet", json={}, timeout=5,
                                headers={"Authorization": f"Bearer {server.token}"}).json()["spreadsheetId"]
    requests.post(submit_url(form), data=answer(), timeout=5).raise_for_status()
    protected = [("GET", f"/v1/forms/{form_id}"), ("GET", f"/v1/forms/{form_id}/responses"),
                 ("POST", f"/v1/forms/{form_id}:setPublishSettings"), ("POST", "/v1/forms"),
                 ("GET", f"/v4/spreadsheets/{spreadsheet}"), ("GET", f"/v4/spreadsheets/{spreadsheet}/values/A1:Z9"),
                 ("POST", f"/v4/spreadsheets/{spreadsheet}/values/A1:Z9:clear"), ("GET", "/drive/v3/files"),
                 ("POST", f"/formkit/v1/forms/{form_id}:linkSheet")]
    for authorization in (None, "Bearer wrong-token", f"Basic {server.token}", "Bearer "):
        headers = {"Authorization": authorization} if authorization else {}
        for method, path in protected:
            reply = requests.request(method, base + path, headers=headers, json={}, timeout=5)
            assert reply.status_code == 401, (authorization, method, path, reply.text)
            assert reply.json()["error"]["status"] == "UNAUTHENTICATED"
            assert "09" not in reply.text
    assert requests.get(form["responderUri"], timeout=5).status_code == 200
    listed = forms_service(base).responses().list(formId=form_id).execute()["responses"]
    assert len(listed) == 1


def test_a_served_backend_has_no_faults_no_call_counts_and_keeps_its_own_clock(served):
    server, form = served
    auth = {"Authorization": f"Bearer {server.token}"}
    for method, path in (("GET", "/formkit/v1/faults"), ("POST", "/formkit/v1/faults"),
                         ("DELETE", "/formkit/v1/faults"), ("GET", "/formkit/v1/calls"),
                         ("GET", "/formkit/v1/calls/faulted"), ("DELETE", "/formkit/v1/calls")):
        reply = requests.request(method, server.base_url + path, json={"kind": "drop", "path": ""}, headers=auth,
                                 timeout=5)
        assert reply.status_code == 404, (method, path)
    with pytest.raises(RuntimeError):
        server.add_fault(kind="drop", path="")
    assert server.calls() == {} and server.app.bearers == []
    back_then = datetime(2020, 1, 1, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    before = datetime.now(UTC) - timedelta(seconds=5)
    reply = requests.post(submit_url(form), data=answer(), timeout=5,
                          headers={"X-Formkit-Submit-Time": back_then.isoformat()})
    assert reply.status_code == 200
    listed = forms_service(server.base_url).responses().list(formId=form["formId"]).execute()["responses"]
    stamp = datetime.fromisoformat(listed[0]["lastSubmittedTime"].replace("Z", "+00:00"))
    assert before <= stamp <= datetime.now(UTC) + timedelta(seconds=5)  # the server's clock


def test_the_token_file_and_the_database_are_owner_only(served):
    server, _ = served
    folder = server.db_path.parent
    for name in ("api-token", "google.sqlite"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    for extra in folder.glob("google.sqlite-*"):  # SQLite's -wal and -shm take the database's mode
        assert stat.S_IMODE(extra.stat().st_mode) == 0o600, extra.name


def test_bodies_framing_and_sizes_are_refused_with_400_or_413_never_a_traceback(served, capfd):
    server, form = served
    path = submit_url(form).removeprefix(server.base_url)
    big = requests.post(submit_url(form), data={entry(Q_PHONE): "x" * (server_module.SUBMIT_BODY_LIMIT + 10)},
                        timeout=10)
    assert big.status_code == 413
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    for framing, status in (("Content-Length: 12abc\r\n\r\nentry.1=x", b"400"),
                            ("Content-Length: -5\r\n\r\n", b"400"),
                            (f"Content-Length: {50 << 20}\r\n\r\n", b"413"),
                            ("Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", b"400"),
                            ("Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", b"400"),
                            (f"Transfer-Encoding: chunked\r\n\r\n{2 << 20:x}\r\n", b"413")):
        reply = raw(server.base_url, (head + framing).encode())
        assert reply.split(b" ", 2)[1] == status, (framing, reply[:200])
    api = f"POST /v1/forms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.token}\r\n" \
          f"Content-Length: {(10 << 20) + 1}\r\n\r\n"
    assert raw(server.base_url, api.encode()).split(b" ", 2)[1] == b"413"
    assert "Traceback" not in capfd.readouterr().err
    assert requests.post(submit_url(form), data=answer(), timeout=5).status_code == 200  # still serving


def test_a_silent_client_is_dropped_after_the_socket_timeout(served, monkeypatch):
    server, form = served
    handler = server._httpd.RequestHandlerClass
    monkeypatch.setattr(handler, "timeout", 0.5)
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(b"GET /forms/d/e/x/viewform HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        started = time.monotonic()
        assert conn.recv(1024) == b""  # closed by the server
        assert time.monotonic() - started < 3
    assert requests.get(form["responderUri"], timeout=5).status_code == 200


def test_the_respondent_page_limits_each_client_to_a_persons_pace(tmp_path, monkeypatch):
    import test_localserver

    with LocalGoogle(tmp_path / "google.sqlite", submit_rate=(60, 3)).start() as server:
        monkeypatch.setitem(test_localserver.TOKEN, "api", server.token)
        form = new_survey(forms_service(server.base_url), "Nhịp")
        statuses = [requests.post(submit_url(form), data=answer(n), timeout=5) for n in range(5)]
        assert [r.status_code for r in statuses] == [200, 200, 200, 429, 429]
        assert int(statuses[3].headers["Retry-After"]) >= 1 and "thử lại" in statuses[3].text
        assert requests.get(form["responderUri"], timeout=5).status_code == 200  # reading is not limited
        time.sleep(1.1)  # one a second at 60 a minute
        assert requests.post(submit_url(form), data=answer(9), timeout=5).status_code == 200
        listed = forms_service(server.base_url).responses().list(formId=form["formId"]).execute()["responses"]
        assert len(listed) == 4
    assert LocalGoogle(tmp_path / "other.sqlite").submit_rate == (server_module.SUBMITS_PER_MINUTE,
                                                                  server_module.SUBMIT_BURST)
    assert LocalGoogle(tmp_path / "other.sqlite", testing=True).submit_rate is None


def test_oauth_token_endpoint_serves_only_configured_clients(tmp_path):
    with LocalGoogle(tmp_path / "google.sqlite", clients={"known": "right"}).start() as server:
        def token(**form):
            return requests.post(server.base_url + "/token", data=form, timeout=5)

        for form in ({"grant_type": "refresh_token", "refresh_token": "r", "client_id": "known", "client_secret": "no"},
                     {"grant_type": "refresh_token", "refresh_token": "r", "client_id": "other",
                      "client_secret": "right"},
                     {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "a.b.c"},
                     {"grant_type": "password"}):
            assert token(**form).status_code in (400, 401), form
        assert server.app.issued_tokens == []
        good = token(grant_type="refresh_token", refresh_token="r", client_id="known", client_secret="right")
        issued = good.json()["access_token"]
        reply = requests.get(server.base_url + "/drive/v3/files", headers={"Authorization": f"Bearer {issued}"},
                             timeout=5)
        assert reply.status_code == 200


def test_formkit_serve_on_a_lan_address_warns_and_shows_the_token_only_when_asked(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("FORMKIT_GOOGLE_TOKEN", None)
    for args, shown in ((["--host", "0.0.0.0", "--show-token"], True), ([], False)):
        command = [sys.executable, "-m", "formkit", "serve", "-w", str(tmp_path), "--port", "0", *args]
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 20
            token_file = tmp_path / "local-google" / "api-token"
            while not token_file.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=20)
        token = token_file.read_text().strip()
        assert (f"FORMKIT_GOOGLE_TOKEN={token}" in out) is shown, out
        assert token not in err
        if args:
            assert "warning: listening on 0.0.0.0" in err and "not 127.0.0.1" in err
            reachable = err.split("Phones reach it at ", 1)[1].split(",", 1)[0]
            assert not reachable.startswith("http://0.0.0.0")
        else:
            assert "warning" not in err
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_formkit_without_the_token_says_what_to_do(example_dir, local_google, formkit, monkeypatch):
    monkeypatch.setenv("FORMKIT_GOOGLE_ENDPOINT", local_google.base_url)
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 2
    assert "formkit serve --show-token" in result.output and "FORMKIT_GOOGLE_TOKEN" in result.output
    monkeypatch.setenv("FORMKIT_GOOGLE_TOKEN", "fk-guessed")
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 2
    assert "refused the token" in result.output and "--show-token" in result.output
    assert local_google.calls() == {}  # nothing got past the door
    monkeypatch.delenv("FORMKIT_GOOGLE_TOKEN")
    # `formkit serve` in the workspace writes the token there: formkit then finds it by itself.
    served = LocalGoogle(example_dir / "local-google" / "google.sqlite", testing=True).start()
    try:
        monkeypatch.setenv("FORMKIT_GOOGLE_ENDPOINT", served.base_url)
        result = formkit("create", "-w", example_dir, "--commune", "nam-dong")
        assert result.exit_code == 0, result.output
        assert served.token not in result.output
        assert set(served.app.bearers) == {f"Bearer {served.token}"}
    finally:
        served.stop()

