"""The respondent page in a real browser (Debian's Chromium, Playwright): another site's page that
makes its visitors post answers to a form is refused, and the form's own page, opened from a
prefilled link as a QR code or a Zalo message gives it, still sends."""

from __future__ import annotations

import threading
from html import escape
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import quote

from conftest import credentials

from formkit.forms.formspec import entry_number


def evil_site(html: str) -> HTTPServer:
    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def forms_api(base_url: str):
    from googleapiclient.discovery import build

    return build("forms", "v1", credentials=credentials(), static_discovery=True,
                 client_options={"api_endpoint": base_url}).forms()


def responses(base_url: str, form_id: str) -> int:
    return len(forms_api(base_url).responses().list(formId=form_id).execute().get("responses", []))


def complete_answers(form: dict) -> str:
    """Hidden inputs answering every question validly (the first option; text where required):
    what the other site's page would send for the submission to be taken."""
    fields = []
    for item in form.get("items", []):
        question = (item.get("questionItem") or {}).get("question")
        if not question:
            continue
        name = f"entry.{entry_number(question['questionId'])}"
        if question.get("choiceQuestion"):
            fields.append((name, question["choiceQuestion"]["options"][0]["value"]))
        elif question.get("required"):
            fields.append((name, "Không có"))
    return "".join(f'<input type="hidden" name="{n}" value="{escape(v)}">' for n, v in fields)


def test_another_sites_page_cannot_post_answers_but_a_prefilled_link_can(chromium, published_workspace):
    ws, state, base_url = published_workspace
    record = state.published(ws.communes[0].id)
    submit = record.responder_uri.replace("/viewform", "/formResponse")
    question = next(q for q in record.questions.values() if q.options)
    name = f"entry.{entry_number(question.question_id)}"
    form = forms_api(base_url).get(formId=record.form_id).execute()
    site = evil_site(f'<form method="post" action="{submit}">{complete_answers(form)}</form>'
                     '<script>document.forms[0].submit()</script>')
    context = chromium.new_context(locale="vi-VN")
    try:
        page = context.new_page()
        with page.expect_response(lambda r: r.url == submit) as posted:
            page.goto(f"http://127.0.0.1:{site.server_address[1]}/")
        assert posted.value.status == 403
        page.wait_for_load_state()
        assert "quét lại mã QR" in page.content()
        assert responses(base_url, record.form_id) == 0

        prefilled = f"{record.responder_uri}?usp=pp_url&{name}={quote(question.options[0])}"
        page.goto(prefilled)
        with page.expect_response(lambda r: r.url == submit) as posted:
            page.get_by_role("button", name="Gửi").click()
        assert posted.value.status in (200, 400)  # taken, or asked for the questions left blank: not refused
        page.wait_for_load_state()
        assert "quét lại mã QR" not in page.content()
    finally:
        context.close()
        site.shutdown()
