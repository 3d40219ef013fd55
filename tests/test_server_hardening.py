"""The embedded backend under attack: odd headers and bodies are answered, never dropped or a 500;
the respondent page refuses cross-site posts; parameters Google refuses are refused here too."""

from __future__ import annotations

import pytest
import requests
from test_access import raw, served, submit_url  # noqa: F401  (served is a fixture)
from test_localserver import Q_GAVE, Q_PHONE, entry


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
