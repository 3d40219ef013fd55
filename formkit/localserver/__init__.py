"""A local, Google-compatible backend: Forms v1, Sheets v4 and Drive v3 as formkit uses them,
served over HTTP with Google's paths, JSON shapes and errors, so the real client libraries
(google-api-python-client, gspread) run against it unchanged. Also the respondent page a QR
code leads to, and sheet linking; fault injection and call counts only when started for tests
(`testing=True`). Data lives in one SQLite file. A leaf: it imports nothing of the rest of
formkit (tests/test_layers.py), so it can be judged against Google on its own.

    from formkit.localserver import LocalGoogle
    with LocalGoogle(Path("demo/google.sqlite")).start() as server:
        print(server.base_url)
"""

from .server import LocalGoogle

__all__ = ["LocalGoogle"]
