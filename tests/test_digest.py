"""The daily digest against a real SMTP server (aiosmtpd) on 127.0.0.1: one message per new
batch, decoded as a mail client would (headers RFC 2047, body UTF-8), in Vietnamese, no phone
number in it; a server that is down gives a clear error (exit 1) and loses nothing: the next run
sends the answers it missed, and nothing is sent twice."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from report_data import answers, row

from formkit.responses.store import ResponseStore
from formkit.workspace.config import load_workspace

PHONE, TYPED = "0912345678", "0987 654 321"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """An SMTP server on 127.0.0.1 that the test can stop and start again on the same port."""

    def __init__(self) -> None:
        self.inbox, self.port = Inbox(), free_port()
        self.controller: Controller | None = None

    def start(self, **options) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = Server()
    server.start()
    yield server
    server.stop()


def configure(root, port: int) -> None:
    with open(root / "formkit.toml", "a", encoding="utf-8") as handle:
        handle.write(f'\n[digest]\nto = ["lanhdao@tayninh.gov.vn", "vanphong@tayninh.gov.vn"]\nsmtp_host = "127.0.0.1"'
                     f'\nsmtp_port = {port}\nsecurity = "none"\nfrom = "formkit@tayninh.gov.vn"\n')


def store_rows(ws, rows) -> None:
    with ResponseStore(ws.responses_file) as store:
        store.add(rows, ws.template)


def unhappy(ws, commune: str, when: str, officer: str | None = None, **extra):
    return row(commune, when, answers(ws.template, {"1": 2, "2": 4, "3": 4, "4": 4}, gate="Không", overall=2,
                                      **extra), officer)


def decoded(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_one_digest_per_new_batch_no_phones_and_a_stopped_server_loses_nothing(example_dir, smtp, formkit):
    inbox, port = smtp.inbox, smtp.port
    configure(example_dir, port)
    ws = load_workspace(example_dir)
    content = answers(ws.template, {"1": 5, "2": 5, "3": 5, "4": 5}, gate="Không", overall=5)
    store_rows(ws, [
        unhappy(ws, "hoa-thanh", "2026-07-06T09:00:00+07:00", "nguyen-thi-lan", so_dien_thoai=PHONE,
                y_kien_khac=f"Chờ quá lâu, gọi tôi số {TYPED}"),
        unhappy(ws, "nam-dong", "2026-07-06T10:00:00+07:00"),
        row("hoa-thanh", "2026-07-06T11:00:00+07:00", content),
        # five identical answers within ten minutes from one officer: an integrity warning
        *(row("binh-thanh", f"2026-07-07T09:0{k}:00+07:00", content) for k in range(5))])

    first = formkit("digest", "-w", example_dir, "--lang", "en")
    assert first.exit_code == 0, first.output
    assert "2 new dissatisfied answers, 1 new integrity warning" in first.out
    [(recipients, raw)] = inbox.messages
    assert recipients == ["lanhdao@tayninh.gov.vn", "vanphong@tayninh.gov.vn"]
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0].lower() or b"=?utf-8?" in raw.split(b"\n\n", 1)[0].lower()
    mail = decoded(raw)
    assert mail["Subject"].startswith("Bản tin hài lòng Tỉnh Tây Ninh")
    assert "2 phiếu không hài lòng mới, 1 cảnh báo mới" in mail["Subject"]
    assert mail["From"] == "formkit@tayninh.gov.vn" and mail["Message-ID"] and mail["Date"]
    body = mail.get_body().get_content()
    assert mail.get_body().get_content_charset() == "utf-8"
    assert "Phiếu không hài lòng mới: 1" in body and "Cảnh báo mới: 1" in body
    assert "Chờ quá lâu" in body
    digits = "".join(ch for ch in body if ch.isdigit() or ch == "\n")
    assert "912345678" not in digits and "987654321" not in digits.replace(" ", "")  # no phone, typed or left

    again = formkit("digest", "-w", example_dir, "--lang", "en")
    assert again.exit_code == 0 and "Nothing new" in again.out and len(inbox.messages) == 1  # never twice

    smtp.stop()
    store_rows(ws, [unhappy(ws, "hoa-thanh", "2026-07-08T09:00:00+07:00")])
    down = formkit("digest", "-w", example_dir, "--lang", "en")
    assert down.exit_code == 1
    assert f"the mail server 127.0.0.1:{port} did not take the digest" in down.err and "next" in down.err

    smtp.start()  # the server is back: the missed answer arrives, once
    back = formkit("digest", "-w", example_dir, "--lang", "en")
    assert back.exit_code == 0, back.output
    assert "1 new dissatisfied answer, 0 new integrity warnings" in back.out
    assert len(inbox.messages) == 2
    body = decoded(inbox.messages[1][1]).get_body().get_content()
    assert "08/07/2026 09:00" in body and "06/07/2026" not in body
    assert formkit("digest", "-w", example_dir).exit_code == 0 and len(inbox.messages) == 2


def test_without_a_mail_server_the_digest_is_a_file(example_dir, formkit):
    with open(example_dir / "formkit.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[digest]\nto = ["lanhdao@tayninh.gov.vn"]\n')
    ws = load_workspace(example_dir)
    store_rows(ws, [unhappy(ws, "hoa-thanh", "2026-07-06T09:00:00+07:00", so_dien_thoai=PHONE)])
    result = formkit("digest", "-w", example_dir, "--lang", "en")
    assert result.exit_code == 0, result.output
    [path] = (example_dir / "output" / "digest").iterdir()
    text = path.read_text(encoding="utf-8")
    assert "BẢN TIN KHẢO SÁT MỨC ĐỘ HÀI LÒNG" in text and "912345678" not in text
    assert "Nothing new" in formkit("digest", "-w", example_dir, "--lang", "en").out


def test_a_commune_lists_its_first_answers_and_counts_the_rest(example_dir, formkit):
    from formkit.loop.digest import LISTED

    with open(example_dir / "formkit.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[digest]\nto = ["lanhdao@tayninh.gov.vn"]\n')
    ws = load_workspace(example_dir)
    store_rows(ws, [unhappy(ws, "nam-dong", f"2026-07-{6 + k // 20:02d}T{8 + k % 10:02d}:{k % 60:02d}:00+07:00")
                    for k in range(LISTED + 5)])
    result = formkit("digest", "-w", example_dir, "--lang", "en")
    assert f"{LISTED + 5} new dissatisfied answers" in result.out
    [path] = (example_dir / "output" / "digest").iterdir()
    text = path.read_text(encoding="utf-8")
    assert f"Phiếu không hài lòng mới: {LISTED + 5}" in text and "… và 5 phiếu khác" in text
    assert text.count("\n  - ") == LISTED


def test_a_communes_leaders_get_their_own_news_each_group_once(example_dir, smtp, formkit):
    configure(example_dir, smtp.port)
    with open(example_dir / "formkit.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[digest.communes]\nhoa-thanh = ["chutich@hoathanh.tayninh.gov.vn"]\n')
    ws = load_workspace(example_dir)
    store_rows(ws, [unhappy(ws, "hoa-thanh", "2026-07-06T09:00:00+07:00", so_dien_thoai=PHONE),
                    unhappy(ws, "nam-dong", "2026-07-06T10:00:00+07:00")])
    result = formkit("digest", "-w", example_dir, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "hoa-thanh: 1 new dissatisfied answer" in result.out
    by_recipient = {tuple(to): decoded(raw) for to, raw in smtp.inbox.messages}
    commune = by_recipient[("chutich@hoathanh.tayninh.gov.vn",)]
    assert commune["Subject"].startswith("Bản tin hài lòng Xã Hòa Thành")
    body = commune.get_body().get_content()
    assert "XÃ HÒA THÀNH" in body and "NAM ĐÔNG" not in body and "912345678" not in body
    province = by_recipient[("lanhdao@tayninh.gov.vn", "vanphong@tayninh.gov.vn")].get_body().get_content()
    assert "XÃ HÒA THÀNH" in province and "PHƯỜNG NAM ĐÔNG" in province

    smtp.stop()
    store_rows(ws, [unhappy(ws, "hoa-thanh", "2026-07-08T09:00:00+07:00")])
    assert formkit("digest", "-w", example_dir).exit_code == 1
    smtp.start()
    assert formkit("digest", "-w", example_dir).exit_code == 0
    assert len(smtp.inbox.messages) == 4  # the province's and the commune's, each once more
    assert formkit("digest", "-w", example_dir).exit_code == 0 and len(smtp.inbox.messages) == 4


def test_the_password_comes_from_the_environment_and_is_never_shown(example_dir, smtp, formkit, monkeypatch):
    from aiosmtpd.smtp import AuthResult

    logins = []

    def authenticator(server, session, envelope, mechanism, data):
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"mat-khau-bi-mat")

    smtp.stop()
    smtp.start(authenticator=authenticator, auth_require_tls=False)
    configure(example_dir, smtp.port)
    text = (example_dir / "formkit.toml").read_text(encoding="utf-8")
    (example_dir / "formkit.toml").write_text(text.replace('security = "none"', 'security = "none"\nuser = "formkit"'),
                                              encoding="utf-8")
    ws = load_workspace(example_dir)
    store_rows(ws, [unhappy(ws, "hoa-thanh", "2026-07-06T09:00:00+07:00")])
    monkeypatch.setenv("FORMKIT_SMTP_PASSWORD", "mat-khau-bi-mat")
    sent = formkit("digest", "-w", example_dir, "--lang", "en")
    assert sent.exit_code == 0, sent.output
    assert "mat-khau" not in sent.output and len(smtp.inbox.messages) == 1
    assert logins[-1] == (b"formkit", b"mat-khau-bi-mat")


def test_a_paper_ballots_phone_picture_is_not_named_in_the_digest(example_dir, formkit):
    # A scanned ballot's comment names its pictures (ballots/scan.py); the one of the phone box is
    # the number itself, so the digest, which goes beyond the commune, leaves that part out.
    from formkit.ballots import HANDWRITTEN_PHONE

    with open(example_dir / "formkit.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[digest]\nto = ["lanhdao@tayninh.gov.vn"]\n')
    ws = load_workspace(example_dir)
    comment = f"ý kiến viết tay: giay/000007-comment.png; {HANDWRITTEN_PHONE}: giay/000007-phone.png"
    store_rows(ws, [unhappy(ws, "hoa-thanh", "2026-07-06T09:00:00+07:00", so_dien_thoai=PHONE, y_kien_khac=comment)])
    assert formkit("digest", "-w", example_dir, "--lang", "en").exit_code == 0
    [path] = (example_dir / "output" / "digest").iterdir()
    text = path.read_text(encoding="utf-8")
    assert "Ý kiến: ý kiến viết tay: giay/000007-comment.png\n" in text and "000007-phone" not in text


def test_a_login_without_a_password_is_a_setting_missing_before_any_connection(example_dir, formkit, monkeypatch):
    configure(example_dir, free_port())  # nothing listens there: a connection attempt would be exit 1
    text = (example_dir / "formkit.toml").read_text(encoding="utf-8")
    (example_dir / "formkit.toml").write_text(text.replace('security = "none"', 'security = "none"\nuser = "formkit"'),
                                              encoding="utf-8")
    ws = load_workspace(example_dir)
    store_rows(ws, [unhappy(ws, "hoa-thanh", "2026-07-06T09:00:00+07:00")])
    monkeypatch.delenv("FORMKIT_SMTP_PASSWORD", raising=False)
    result = formkit("digest", "-w", example_dir, "--lang", "en")
    assert result.exit_code == 2, result.output
    assert "FORMKIT_SMTP_PASSWORD" in result.output and "password_file" in result.output
    assert not (example_dir / "state" / "digest.json").exists()
