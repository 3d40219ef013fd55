"""The embedded backend under attack: odd headers and bodies are answered, never dropped or a 500;
the respondent page refuses cross-site posts; parameters Google refuses are refused here too."""

from __future__ import annotations

import json

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
