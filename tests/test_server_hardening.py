"""The embedded backend under attack: odd headers and bodies are answered, never dropped or a 500;
the respondent page refuses cross-site posts; parameters Google refuses are refused here too."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from test_access import raw, served, submit_url  # noqa: F401  (served is a fixture)
from test_localserver import Q_GAVE, Q_PHONE, entry

from formkit.localserver import LocalGoogle, connections


def test_a_non_ascii_authorization_header_is_a_401_not_a_dropped_connection(served):  # noqa: F811
    server, form = served
    for value in ("Bearer tôi-là-token".encode(), b"Bearer \xff\xfe", "Bearer fk-ñ".encode("latin-1")):
        request = b"GET /v1/forms/" + form["formId"].encode() + b" HTTP/1.1\r\nHost: x\r\nAuthorization: " + \
            value + b"\r\nConnection: close\r\n\r\n"
        reply = raw(server.base_url, request)
        assert reply.split(b" ", 2)[1] == b"401", (value, reply[:200])
    assert requests.get(f"{server.base_url}/v1/forms/{form['formId']}", timeout=5,
                        headers={"Authorization": f"Bearer {server.token}"}).status_code == 200


@pytest.mark.parametrize("depth", [200, 5_000, 100_000])
def test_deeply_nested_json_is_a_400(served, capfd, depth):  # noqa: F811
    server, form = served
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    body = '{"requests": ' + "[" * depth + "]" * depth + "}"
    reply = requests.post(f"{server.base_url}/v1/forms/{form['formId']}:batchUpdate", data=body, headers=headers,
                          timeout=10)
    assert reply.status_code == 400, reply.text[:300]
    assert reply.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "Traceback" not in capfd.readouterr().err


def stored(server, form) -> int:
    return len(requests.get(f"{server.base_url}/v1/forms/{form['formId']}/responses", timeout=5,
                            headers={"Authorization": f"Bearer {server.token}"}).json().get("responses", []))


def test_a_cross_site_post_to_the_respondent_page_is_refused(served):  # noqa: F811
    server, form = served
    answers = {entry(Q_GAVE): "Không", entry(Q_PHONE): "0912345678"}
    own = server.base_url
    refused = [{"Origin": "http://evil.example"}, {"Origin": "null"},  # null: a sandboxed frame elsewhere
               {"Origin": own + ".evil.example"}, {"Origin": "http://evil.example", "Referer": own + "/x"},
               {"Referer": "http://evil.example/trang.html"}, {"Origin": "file://"}]
    for headers in refused:
        reply = requests.post(submit_url(form), data=answers, headers=headers, timeout=5)
        assert reply.status_code == 403, headers
        assert "quét lại mã QR" in reply.text
    assert stored(server, form) == 0
    host = own.removeprefix("http://")
    accepted = [{"Origin": own},  # the page's own form, as every current browser posts it (Zalo's too)
                {"Origin": own, "Referer": form["responderUri"] + "?usp=pp_url&" + entry(Q_GAVE) + "=Kh%C3%B4ng"},
                {"Referer": form["responderUri"]},  # an older browser: no Origin, the page as Referer
                {},  # no browser at all: nothing to tell, the per-address limit applies
                {"Origin": "https://" + host.split(":")[0], "Host": host.split(":")[0]},  # a TLS tunnel in front
                {"Origin": "https://khao-sat.example.vn", "X-Forwarded-Host": "khao-sat.example.vn"}]  # a proxy
    for headers in accepted:
        reply = requests.post(submit_url(form), data=answers, headers=headers, timeout=5)
        assert reply.status_code == 200, (headers, reply.text[:200])
    assert stored(server, form) == len(accepted)


def test_the_respondent_page_posts_to_its_own_origin(served):  # noqa: F811
    server, form = served
    page = requests.get(form["responderUri"] + "?usp=pp_url&" + entry(Q_GAVE) + "=Kh%C3%B4ng", timeout=5).text
    assert 'action="formResponse"' in page  # relative: the browser posts it with this page's Origin


def half_open(base_url: str, n: int, first: bytes = b"GET / HTTP/1.1\r\n") -> list[socket.socket]:
    host, port = base_url.removeprefix("http://").split(":")
    held = []
    for _ in range(n):
        conn = socket.create_connection((host, int(port)), timeout=5)
        conn.sendall(first)
        held.append(conn)
    return held


def closed_by_server(conn: socket.socket, within: float) -> bool:
    conn.settimeout(within)
    try:
        while chunk := conn.recv(4096):
            del chunk
        return True
    except (TimeoutError, ConnectionResetError):
        return False


def test_a_request_head_sent_a_line_at_a_time_is_cut_at_the_head_deadline(served, monkeypatch):  # noqa: F811
    server, form = served
    monkeypatch.setattr(connections, "HEAD_SECONDS", 1.0)
    [conn] = half_open(server.base_url, 1)
    started = time.monotonic()
    try:
        for n in range(12):  # a header line every 0.3 s: each read is quick, the whole head is not
            time.sleep(0.3)
            conn.sendall(f"X-Line-{n}: {n}\r\n".encode())
    except OSError:
        pass
    assert closed_by_server(conn, 5)
    assert time.monotonic() - started < 2.5
    conn.close()
    assert requests.get(form["responderUri"], timeout=5).status_code == 200


def test_half_open_connections_hold_no_threads_and_citizens_are_served(served):  # noqa: F811
    server, form = served
    before = threading.active_count()
    held = half_open(server.base_url, 300)
    try:
        time.sleep(0.3)
        assert threading.active_count() - before <= 2, threading.active_count() - before
        assert server._httpd.gatherer.waiting >= 300  # and the fixture's kept-alive ones
        started = time.monotonic()
        page = requests.get(form["responderUri"], timeout=5)
        sent = requests.post(submit_url(form), data={entry(Q_GAVE): "Không"}, timeout=5)
        assert page.status_code == 200 and sent.status_code == 200
        assert time.monotonic() - started < 2
    finally:
        for conn in held:
            conn.close()
    assert threading.active_count() - before <= connections.WORKERS


def test_the_longest_waiting_connections_give_way_when_too_many_wait(tmp_path, monkeypatch):
    import test_localserver
    from test_localserver import forms_service, new_survey

    monkeypatch.setattr(connections, "MAX_WAITING", 20)
    with LocalGoogle(tmp_path / "google.sqlite").start() as server:
        monkeypatch.setitem(test_localserver.TOKEN, "api", server.token)
        form = new_survey(forms_service(server.base_url), "Chờ")
        held = half_open(server.base_url, 50)
        try:
            time.sleep(0.3)
            assert server._httpd.gatherer.waiting <= 20
            assert sum(closed_by_server(conn, 0.05) for conn in held[:30]) == 30  # the oldest were closed
            assert requests.get(form["responderUri"], timeout=5).status_code == 200
        finally:
            for conn in held:
                conn.close()


def test_a_kept_alive_connection_serves_request_after_request(served):  # noqa: F811
    server, form = served
    with requests.Session() as session:
        for _ in range(5):
            assert session.get(form["responderUri"], timeout=5).status_code == 200
    host, port = server.base_url.removeprefix("http://").split(":")
    path = form["responderUri"].removeprefix(server.base_url).encode()
    with socket.create_connection((host, int(port)), timeout=5) as conn:  # two requests in one write
        conn.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\nGET " + path + b" HTTP/1.1\r\nHost: x\r\n"
                     b"Connection: close\r\n\r\n")
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    assert received.count(b"HTTP/1.1 200 OK") == 2


def test_parameters_google_refuses_are_a_400(served):  # noqa: F811
    server, form = served
    auth = {"Authorization": f"Bearer {server.token}"}
    base = server.base_url
    for size in ("-1", "0", "1001"):  # Drive's files.list: 1 to 1000 (discovery: minimum, maximum)
        reply = requests.get(f"{base}/drive/v3/files", params={"pageSize": size}, headers=auth, timeout=5)
        assert reply.status_code == 400, (size, reply.text[:200])
        assert reply.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert requests.get(f"{base}/drive/v3/files", params={"pageSize": "1000"}, headers=auth,
                        timeout=5).status_code == 200
    listed = requests.get(f"{base}/v1/forms/{form['formId']}/responses", params={"pageSize": "-1"}, headers=auth,
                          timeout=5)
    assert listed.status_code == 400
    linked = requests.post(f"{base}/formkit/v1/forms/{form['formId']}:linkSheet", json={}, headers=auth,
                           timeout=5).json()
    sheet = f"{base}/v4/spreadsheets/{linked['spreadsheetId']}"
    for bad in ("'Không có'!A1:B2", "A1:B2:C3", "!!"):
        reply = requests.get(sheet, params={"ranges": bad}, headers=auth, timeout=5)
        assert reply.status_code == 400, (bad, reply.text[:200])
        assert "Unable to parse range" in reply.json()["error"]["message"]
    good = requests.get(sheet, params={"ranges": f"'{linked['tabName']}'!A1:B2"}, headers=auth, timeout=5)
    assert good.status_code == 200, good.text[:200]


def test_answers_trickled_in_slowly_hold_no_worker(tmp_path, monkeypatch):
    import test_localserver
    from test_localserver import forms_service, new_survey

    monkeypatch.setattr(connections, "HEAD_SECONDS", 3.0)
    with LocalGoogle(tmp_path / "google.sqlite", submit_rate=(6000, 1000)).start() as server:  # no 429 here
        monkeypatch.setitem(test_localserver.TOKEN, "api", server.token)
        form = new_survey(forms_service(server.base_url), "Chậm")
        path = submit_url(form).removeprefix(server.base_url)
        host = server.base_url.removeprefix("http://")
        head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Origin: {server.base_url}\r\nContent-Length: 2000\r\n\r\nentry.1=").encode()
        held = half_open(server.base_url, connections.WORKERS + 8, head)  # every worker, were they waiting
        try:
            time.sleep(0.3)
            started = time.monotonic()
            assert requests.get(form["responderUri"], timeout=5).status_code == 200
            assert requests.post(submit_url(form), data={entry(Q_GAVE): "Không"}, timeout=5).status_code == 200
            assert time.monotonic() - started < 2
            assert all(closed_by_server(conn, 5) for conn in held)  # cut at the deadline, unanswered
        finally:
            for conn in held:
                conn.close()
        assert stored(server, form) == 1
