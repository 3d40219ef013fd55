"""One case from the command line (`formkit followup set`), the phone kept [followup]
keep_phone_days after closing and erased once they passed, and the settings' checks."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime

import pytest
from report_data import answers, row

from formkit.errors import InputError
from formkit.loop import open_cases, set_case_status
from formkit.responses.store import VIETNAM, ResponseStore
from formkit.workspace.config import load_workspace


def stored_phone(path) -> str | None:
    with sqlite3.connect(path) as db:
        found = db.execute("SELECT phone FROM texts").fetchone()
    return found[0] if found else None  # the row goes with its last text


@pytest.fixture
def one_case(example_dir):
    with open(example_dir / "formkit.toml", "a", encoding="utf-8") as handle:
        handle.write("\n[followup]\ncontact_days = 3\nkeep_phone_days = 30\n")
    ws = load_workspace(example_dir)
    assert (ws.followup.contact_days, ws.followup.keep_phone_days) == (3, 30)
    with ResponseStore(ws.responses_file) as store:
        store.add([row("hoa-thanh", "2026-07-06T09:00:00+07:00",
                       answers(ws.template, {"1": 1}, gate="Không", overall=1, so_dien_thoai="0912345678"))],
                  ws.template)
        [case] = open_cases(ws, store)
    return ws, case


def test_set_one_case_and_the_phone_is_kept_the_days_configured(one_case, formkit):
    ws, case = one_case
    bad = formkit("followup", "set", "-w", ws.root, case, "đã gọi", "--lang", "en")
    assert bad.exit_code == 2 and "'đã gọi' is not a status" in bad.err
    nobody = formkit("followup", "set", "-w", ws.root, case, "đã giải quyết", "--lang", "en")
    assert nobody.exit_code == 2 and "--by" in nobody.err
    unknown = formkit("followup", "set", "-w", ws.root, 999, "resolved", "--by", "Lan", "--lang", "en")
    assert unknown.exit_code == 2 and "no case 999" in unknown.err
    early = formkit("followup", "set", "-w", ws.root, case, "resolved", "--by", "Lan", "--on", "05/07/2026",
                    "--lang", "en")
    assert early.exit_code == 2 and "05/07/2026 is not between the answer (2026-07-06) and today" in early.err

    contacted = formkit("followup", "set", "-w", ws.root, case, "đã liên hệ", "--by", "Nguyễn Thị Lan", "--on",
                        "2026-07-07", "--lang", "en")
    assert contacted.exit_code == 0, contacted.output
    closed_on = datetime(2026, 9, 1, 9, 0, tzinfo=VIETNAM)
    set_case_status(ws, case, "Đã giải quyết", "Nguyễn Thị Lan", "Đã hướng dẫn", now=closed_on)
    assert stored_phone(ws.responses_file) == "0912345678"  # closed now: kept 30 days
    with ResponseStore(ws.responses_file) as store:
        open_cases(ws, store, now=closed_on.replace(day=30))  # what every pull does: 29 days on, still kept
        assert stored_phone(ws.responses_file) == "0912345678"
        open_cases(ws, store, now=closed_on.replace(month=10, day=2))  # 31 days on: erased
    assert stored_phone(ws.responses_file) is None
    with sqlite3.connect(ws.responses_file) as db:
        assert "so-dien-thoai" not in db.execute("SELECT answers FROM responses").fetchone()[0]
        assert db.execute("SELECT status, actor, note, first_contact, closed, phone_erased FROM cases").fetchone() == (
            "resolved", "Nguyễn Thị Lan", "Đã hướng dẫn", "2026-07-07 12:00:00", "2026-09-01 09:00:00",
            "2026-10-02 09:00:00")
    [entry] = json.loads((ws.state_dir / "erasures.json").read_text(encoding="utf-8"))  # the retention record
    assert entry["follow_up_cases_closed"] == 1 and entry["phones_erased"] == {"hoa-thanh": 1}
    listed = formkit("followup", "list", "-w", ws.root, "--lang", "en")
    assert "đã giải quyết" in listed.out and "0912345678" not in listed.out


def test_digest_settings_are_checked(example_dir):
    with open(example_dir / "formkit.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[digest]\nto = ["lanhdao"]\nsmtp_host = "127.0.0.1"\nsecurity = "tls"\nbcc = 1\n')
    with pytest.raises(InputError) as caught:
        load_workspace(example_dir)
    places = sorted(p.place for p in caught.value.problems)
    assert places == ["digest.bcc", "digest.security", "digest.to"]


@pytest.mark.skipif(os.name != "posix", reason="owner-only permissions are POSIX modes")
def test_a_password_file_others_can_read_is_refused(example_dir, formkit):
    secret = example_dir / "smtp-password.txt"
    secret.write_text("mat-khau-bi-mat\n", encoding="utf-8")
    secret.chmod(0o644)
    with open(example_dir / "formkit.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[digest]\nto = ["lanhdao@tayninh.gov.vn"]\nsmtp_host = "127.0.0.1"\nsmtp_port = 9\n'
                     'from = "formkit@tayninh.gov.vn"\nuser = "formkit"\nsecurity = "none"\n'
                     'password_file = "smtp-password.txt"\n')
    ws = load_workspace(example_dir)
    with ResponseStore(ws.responses_file) as store:
        store.add([row("hoa-thanh", "2026-07-06T09:00:00+07:00", answers(ws.template, {"1": 1}, gate="Không",
                                                                           overall=1))], ws.template)
    from formkit.loop.digest import password

    with pytest.raises(Exception) as caught:
        password(ws)
    assert "chmod 600" in str(caught.value) and "mat-khau" not in str(caught.value)
    secret.chmod(0o600)
    assert password(ws) == "mat-khau-bi-mat"


def test_closing_a_paper_ballots_case_deletes_its_handwritten_phone_picture(example_dir):
    # A scanned ballot keeps the phone as a picture, named in its comment (ballots/scan.py); the
    # closed case's erasure deletes it, as `formkit retention` does, and drops the part naming it.
    from formkit.ballots import HANDWRITTEN_PHONE

    ws = load_workspace(example_dir)
    picture = ws.root / "phone-box.png"
    picture.write_bytes(b"\x89PNG handwritten digits")
    comment = f"Chờ lâu; {HANDWRITTEN_PHONE}: {picture}"
    with ResponseStore(ws.responses_file) as store:
        store.add([row("hoa-thanh", "2026-07-06T09:00:00+07:00",
                       answers(ws.template, {"1": 1}, gate="Không", overall=1, so_dien_thoai="0912345678",
                               y_kien_khac=comment))], ws.template)
        [case] = open_cases(ws, store)
    set_case_status(ws, case, "Đã giải quyết", "Nguyễn Thị Lan", "Đã gọi lại",
                    now=datetime(2026, 9, 1, 9, 0, tzinfo=VIETNAM))  # keep_phone_days = 0: erased as it closes
    assert stored_phone(ws.responses_file) is None
    assert not picture.exists()
    with sqlite3.connect(ws.responses_file) as db:
        assert db.execute("SELECT comment FROM texts").fetchone() == ("Chờ lâu",)
