"""The leaders' digest tells of citizens unhappy at the counter too: a counter tablet's "Kém"
(question set can-bo-3, its own follow-up rule) reaches the next digest once, saying at which
counter and with which officer, its comment's number masked, and never again after; so does a
warning from that set's own integrity checks (identical answers in a burst)."""

from __future__ import annotations

from test_counter_cases import HAPPY, UNHAPPY, rated
from test_digest import TYPED, configure, decoded, smtp, store_rows, unhappy  # noqa: F401 - smtp: a fixture

from formkit.kiosk.registry import Registry
from formkit.responses.store import ResponseStore
from formkit.workspace.config import load_workspace
from formkit.workspace.templates import load_template


def test_a_counter_rating_of_kem_is_told_once_with_its_counter_and_officer(example_dir, smtp, formkit):  # noqa: F811
    configure(example_dir, smtp.port)
    ws = load_workspace(example_dir, check_photos=False)
    with Registry(ws.state_dir) as registry:  # the tablet the ratings come from: q1, "Quầy 1"
        registry.create("hoa-thanh", "Quầy 1", "can-bo-3", "intake", None)
    store_rows(ws, [unhappy(ws, "nam-dong", "2026-07-09T09:00:00+07:00")])
    with ResponseStore(ws.responses_file) as store:
        store.add([rated(ws, "2026-07-09T10:00:00", UNHAPPY, receipt="HS-0042", comment=f"Chờ lâu quá, số {TYPED}"),
                   *(rated(ws, f"2026-07-09T10:0{k}:00", HAPPY, receipt=f"HS-004{k + 2}") for k in range(1, 6))],
                  load_template("can-bo-3", ws.root))

    first = formkit("digest", "-w", example_dir, "--lang", "en")
    assert first.exit_code == 0, first.output
    assert "2 new dissatisfied answers, 2 new integrity warnings" in first.out
    [(_, raw)] = smtp.inbox.messages
    mail = decoded(raw)
    assert "2 phiếu không hài lòng mới" in mail["Subject"]
    body = mail.get_body().get_content()
    commune = body.split("XÃ HÒA THÀNH\n", 1)[1].split("\n\n", 1)[0]
    assert commune.splitlines()[:3] == [
        "  Phiếu không hài lòng mới: 1 (1 tại quầy)",
        "  - 09/07/2026 10:00, tại Quầy 1, Trần Văn Minh, tiêu chí 1.1: Kém",
        "    Ý kiến: Chờ lâu quá, số 098****321"]
    assert "  - 5 phiếu trả lời giống hệt nhau trong 4 phút (cán bộ: Trần Văn Minh)" in commune
    assert "PHƯỜNG NAM ĐÔNG\n  Phiếu không hài lòng mới: 1\n  - 09/07/2026 09:00, " in body  # online: as before
    assert "987654321" not in "".join(ch for ch in body if ch.isdigit())

    store_rows(ws, [unhappy(ws, "hoa-thanh", "2026-07-10T09:00:00+07:00")])
    second = formkit("digest", "-w", example_dir, "--lang", "en")
    assert second.exit_code == 0 and "1 new dissatisfied answer, 0 new integrity warnings" in second.out
    body = decoded(smtp.inbox.messages[1][1]).get_body().get_content()
    assert "10/07/2026 09:00" in body and "Quầy" not in body and "Kém" not in body  # each told once


def test_a_communes_leaders_get_its_counter_news_and_an_unknown_tablet_is_at_the_counter(example_dir, formkit):
    with open(example_dir / "formkit.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[digest]\nto = ["lanhdao@tayninh.gov.vn"]\n'
                     '\n[digest.communes]\nhoa-thanh = ["chutich@hoathanh.tayninh.gov.vn"]\n'
                     'nam-dong = ["chutich@namdong.tayninh.gov.vn"]\n')
    ws = load_workspace(example_dir, check_photos=False)
    with ResponseStore(ws.responses_file) as store:  # no tablet registered (kiosk.sqlite moved aside, say)
        store.add([rated(ws, "2026-07-09T10:00:00", UNHAPPY)], load_template("can-bo-3", ws.root))
    assert formkit("digest", "-w", example_dir, "--lang", "en").exit_code == 0
    written = {p.name.rsplit("-", 4)[0]: p.read_text(encoding="utf-8")
               for p in (example_dir / "output" / "digest").iterdir()}
    assert set(written) == {"ban-tin", "ban-tin-hoa-thanh"}  # nam-dong: nothing new, no message
    for text in written.values():
        assert "  - 09/07/2026 10:00, tại quầy, Trần Văn Minh, tiêu chí 1.1: Kém\n" in text
    assert not (ws.state_dir / "kiosk.sqlite").exists()  # the digest only reads it
