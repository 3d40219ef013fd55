"""The counter server's API over real HTTP, the CLI, and the report made from online, paper and
counter answers (each channel and all together, against an independent computation; exact
participation from receipt numbers; the pairings audit)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta

import pytest

from formkit.kiosk import manage
from formkit.kiosk.limits import Limit
from formkit.kiosk.server import KioskServer
from formkit.report import build_report, parse_period
from formkit.responses.store import VIETNAM, ResponseRow, ResponseStore
from formkit.workspace.config import load_workspace
from formkit.workspace.templates import load_template


def _call(port: int, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _rating(answers: dict, at: datetime, receipt: str = "", officer: str | None = None) -> dict:
    return {"id": str(uuid.uuid4()), "at": int(at.timestamp() * 1000), "answers": answers, "receipt": receipt,
            "officer": officer, "comment": ""}


@pytest.fixture
def ws(example_dir):
    return load_workspace(example_dir, check_photos=False)


@pytest.fixture
def served(ws):
    server = KioskServer(ws, "127.0.0.1", 0).start()
    yield server
    server.stop()


def _paired(ws, port: int, commune="hoa-thanh", template="can-bo-3", stage="intake") -> str:
    _device, code = manage.pair(ws, commune, "Quầy 1", template, stage, None)
    status, body = _call(port, "/api/pair", {"code": code})
    assert status == 200
    return body["token"]


def test_unpaired_revoked_and_invalid_ratings_are_refused(ws, served):
    port = served.port
    assert _call(port, "/api/config")[0] == 401
    assert _call(port, "/api/ratings", {"ratings": []}, token="guessed")[0] == 401
    assert _call(port, "/api/pair", {"code": "12345"})[0] == 403
    token = _paired(ws, port)
    now = datetime.now(VIETNAM)
    good = _rating({"1.1": "Tốt", "1.2": "Dễ hiểu", "1.3": "Tốt"}, now)
    bad = _rating({"1.1": "Tuyệt vời"}, now)
    status, body = _call(port, "/api/ratings", {"ratings": [good, bad, good]}, token)
    assert status == 200 and body["rejected"] == [bad["id"]]
    assert _call(port, "/api/ratings", {"ratings": [good]}, token)[0] == 200  # a resend
    with ResponseStore(ws.responses_file) as store:
        assert store.db.execute("SELECT count(*) FROM responses WHERE channel = 'quầy'").fetchone()[0] == 1
    assert manage.devices(ws)[0].last_seen is not None  # `formkit kiosk devices` says when it was last heard
    manage.revoke(ws, "q1")
    assert _call(port, "/api/config", token=token)[0] == 401


def test_a_tablet_over_its_rate_is_told_to_wait_and_loses_nothing(ws):
    server = KioskServer(ws, "127.0.0.1", 0, rate_limits={"ratings": Limit(3, 1)}).start()
    try:
        token = _paired(ws, server.port)
        now = datetime.now(VIETNAM)
        batch = [_rating({"1.1": "Tốt", "1.2": "Dễ hiểu", "1.3": "Tốt"}, now) for _ in range(5)]
        status, body = _call(server.port, "/api/ratings", {"ratings": batch}, token)
        assert status == 200 and body["acked"] == [r["id"] for r in batch[:3]]
        status, _ = _call(server.port, "/api/ratings", {"ratings": batch[3:]}, token)
        assert status == 429  # the tablet keeps the two and sends them later
    finally:
        server.stop()


def test_pair_lists_every_problem_at_once(ws):
    from formkit.errors import InputError

    with pytest.raises(InputError) as caught:
        manage.pair(ws, "nowhere", "", "sipas-2640", "later", None)
    text = str(caught.value)
    assert all(part in text for part in ("nowhere", "--counter", "--stage", "conditional sections", "22 criteria"))


def test_cli_pair_devices_pins_revoke(example_dir, formkit):
    result = formkit("kiosk", "pair", "-w", example_dir, "--commune", "hoa-thanh", "--counter", "Quầy 6",
                     "--set", "tra-ket-qua-6", "--field", "Hộ tịch")
    assert result.exit_code == 0, result.output
    assert "q1" in result.out and "(result return)" in result.out and "?code=" in result.out
    # The QR to scan with the tablet's camera holds the address with the code, owner-only.
    import zxingcpp
    from PIL import Image

    qr = example_dir / "output" / "kiosk" / "ghep-noi-q1.png"
    url = result.out.split("or open ", 1)[1].split()[0]
    assert [c.text for c in zxingcpp.read_barcodes(Image.open(qr))] == [url]
    assert qr.stat().st_mode & 0o077 == 0
    listed = formkit("kiosk", "devices", "-w", example_dir)
    assert "waiting for its code" in listed.out
    pins = formkit("kiosk", "pins", "-w", example_dir, "--commune", "hoa-thanh", "--officer", "tran-van-minh")
    assert pins.exit_code == 0 and len(pins.out.split()[0]) == 6
    assert formkit("kiosk", "revoke", "-w", example_dir, "q1").exit_code == 0
    assert "revoked" in formkit("kiosk", "devices", "-w", example_dir).out
    assert formkit("kiosk", "revoke", "-w", example_dir, "q9").exit_code == 2
    bad = formkit("kiosk", "pair", "-w", example_dir, "--commune", "hoa-thanh", "--counter", "Quầy 1",
                  "--set", "can-bo-3", "--field", "Thuế")
    assert bad.exit_code == 2 and "Thuế" in bad.output


def _last_monday_at_nine() -> datetime:
    """Last week's Monday, 09:00: inside office hours, and within the two weeks a tablet's clock is trusted."""
    now = datetime.now(VIETNAM).replace(hour=9, minute=0, second=0, microsecond=0)
    return now - timedelta(days=now.weekday() + 7)


def _day_of(moment: datetime):
    return parse_period(start=moment.date().isoformat(), end=moment.date().isoformat())


def _online_row(commune: str, answers: dict, at: datetime, template) -> ResponseRow:
    return ResponseRow(commune, "form-1", "sheet", template.id, template.version, at, answers)


def test_channel_counts_are_of_the_reports_question_set(ws):
    """The paper table's channel counts, like every other table, count only the report's template."""
    from formkit.responses.queries import channel_rows

    counter_set, day = load_template("can-bo-3"), _last_monday_at_nine()
    with ResponseStore(ws.responses_file) as store:
        store.add([_online_row("hoa-thanh", {"1.1": "Tốt"}, day, counter_set)], counter_set)
        store.add([_online_row("hoa-thanh", {}, day + timedelta(minutes=1), ws.template)], ws.template)
        assert channel_rows(store, template="can-bo-3") == [{"commune": "hoa-thanh", "channel": "online",
                                                              "responses": 1}]
        assert channel_rows(store)[0]["responses"] == 2


def test_report_of_three_channels_equals_an_independent_computation(ws, served, tmp_path):
    template = load_template("can-bo-3")
    day = _last_monday_at_nine()  # the tablet's clock is trusted two weeks back
    online = [{"1.1": "Tốt", "1.2": "Dễ hiểu", "1.3": "Tốt"}, {"1.1": "Kém", "1.2": "Bình thường", "1.3": "Tốt"},
              {"1.1": "Bình thường", "1.2": "Dễ hiểu"}]
    paper = [{"1.1": "Tốt", "1.2": "Khó hiểu", "1.3": "Kém"}, {"1.1": "Tốt", "1.2": "Dễ hiểu", "1.3": "Tốt"}]
    counter = [{"1.1": "Tốt", "1.2": "Dễ hiểu", "1.3": "Tốt"}, {"1.1": "Tốt", "1.2": "Bình thường", "1.3": "Tốt"},
               {"1.1": "Kém", "1.2": "Khó hiểu", "1.3": "Bình thường"}, {"1.1": "Tốt", "1.2": "Dễ hiểu", "1.3": "Tốt"}]
    with ResponseStore(ws.responses_file) as store:
        store.add([_online_row("hoa-thanh", a, day + timedelta(minutes=i), template) for i, a in enumerate(online)],
                  template)
        store.add([ResponseRow("hoa-thanh", "form-1", "paper", template.id, template.version,
                               day + timedelta(hours=1, minutes=i), a, channel="giấy", key=f"paper|{i}")
                   for i, a in enumerate(paper)], template)
    token = _paired(ws, served.port)
    receipts = ["HS-001", "HS-002", "HS-003", ""]
    sent = [_rating(a, day + timedelta(hours=2, minutes=i), receipt=r, officer="tran-van-minh")
            for i, (a, r) in enumerate(zip(counter, receipts, strict=True))]
    # The same dossier rated again at the same stage: refused, counted once.
    sent.append(_rating({"1.1": "Kém", "1.2": "Khó hiểu", "1.3": "Kém"}, day + timedelta(hours=3), receipt="hs-001"))
    assert _call(served.port, "/api/ratings", {"ratings": sent}, token)[0] == 200

    def index(answer_sets):  # can-bo-3: each criterion's share of satisfied answers, averaged (one factor)
        shares = []
        for q, good in (("1.1", "Tốt"), ("1.2", "Dễ hiểu"), ("1.3", "Tốt")):
            given = [a[q] for a in answer_sets if q in a]
            shares.append(100 * sum(v == good for v in given) / len(given))
        return sum(shares) / len(shares)

    dossiers = tmp_path / "receipts.csv"
    dossiers.write_text("số biên nhận;xã;giai đoạn;cán bộ\nHS-001;Hòa Thành;tiếp nhận;tran-van-minh\n"
                        "HS-002;hoa-thanh;intake;tran-van-minh\nHS-004;hoa-thanh;intake;nguyen-thi-lan\n"
                        "HS-005;hoa-thanh;intake;Nguyễn Thị Lan\nHS-003;hoa-thanh;return;\n", encoding="utf-8")
    with ResponseStore(ws.responses_file) as store:
        report = build_report(ws, store, _day_of(day), template=template, receipts=dossiers)
    by_channel = {c.channel: c for c in report.channels}
    assert [c.channel for c in report.channels] == ["Trực tuyến", "Giấy", "Quầy", "Tổng hợp"]
    assert by_channel["Trực tuyến"].responses == 3 and by_channel["Quầy"].responses == 4
    assert by_channel["Trực tuyến"].sipas == pytest.approx(index(online))
    assert by_channel["Giấy"].sipas == pytest.approx(index(paper))
    assert by_channel["Quầy"].sipas == pytest.approx(index(counter))
    assert by_channel["Tổng hợp"].sipas == pytest.approx(index(online + paper + counter))
    assert report.sipas == pytest.approx(index(online + paper + counter)) and report.responses == 9
    rates = {(r.level, r.name, r.stage): (r.rated, r.dossiers) for r in report.receipts}
    assert rates[("commune", "Xã Hòa Thành", "intake")] == (2, 4)  # HS-001, HS-002 of HS-001/2/4/5
    assert rates[("commune", "Xã Hòa Thành", "return")] == (0, 1)  # HS-003 was rated at intake, not return
    assert rates[("officer", "Xã Hòa Thành · Trần Văn Minh", "intake")] == (2, 2)
    assert rates[("officer", "Xã Hòa Thành · Nguyễn Thị Lan", "intake")] == (0, 2)
    audit = [w for w in report.integrity if w.kind == "kiosk_pairings"]
    assert len(audit) == 1 and audit[0].count == 1 and "1 máy tính bảng đã ghép nối" in audit[0].message

    # Every format carries the channels and the receipts tables (the PDF read back).
    from pypdf import PdfReader

    from formkit.report import write_report

    paths = write_report(report, ("pdf", "docx", "xlsx", "csv", "json"), tmp_path / "reports")
    pdf = next(p for p in paths if p.suffix == ".pdf")
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "KẾT QUẢ THEO KÊNH ĐÁNH GIÁ" in text and "Tổng hợp" in text and "Quầy" in text
    assert "TỶ LỆ HỒ SƠ ĐƯỢC ĐÁNH GIÁ TẠI QUẦY" in text
    csv_names = {p.name for p in (tmp_path / "reports").rglob("*.csv")}
    assert {"kenh.csv", "bien-nhan.csv"} <= csv_names
    saved = json.loads(next(p for p in paths if p.suffix == ".json").read_text(encoding="utf-8"))
    assert [c["channel"] for c in saved["channels"]] == ["Trực tuyến", "Giấy", "Quầy", "Tổng hợp"]
    assert saved["receipts"][0] == {"level": "commune", "name": "Xã Hòa Thành", "stage": "intake", "dossiers": 4,
                                    "rated": 2, "rate": 50.0}


def test_a_report_of_online_answers_only_has_no_channel_table(ws):
    template = load_template("can-bo-3")
    with ResponseStore(ws.responses_file) as store:
        store.add([_online_row("hoa-thanh", {"1.1": "Tốt"}, datetime(2026, 11, 3, 9, tzinfo=VIETNAM), template)],
                  template)
        report = build_report(ws, store, parse_period(quarter="2026Q4"), template=template)
    assert report.channels == () and report.receipts == ()


def test_the_server_refuses_oversized_bodies(served):
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as sock:
        sock.sendall(b"POST /api/ratings HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
        assert b" 413 " in sock.recv(200)


def test_bursts_without_dossiers_and_off_hours_ratings_are_flagged_per_tablet(ws, served, tmp_path):
    token = _paired(ws, served.port)
    template = load_template("can-bo-3")
    answers = {"1.1": "Tốt", "1.2": "Dễ hiểu", "1.3": "Tốt"}
    monday = _last_monday_at_nine()
    burst = [_rating(answers, monday + timedelta(minutes=i)) for i in range(6)]  # 6 in 5 minutes, no receipt
    served_ones = [_rating(answers, monday + timedelta(hours=2, minutes=i), receipt=f"HS-{i}") for i in range(6)]
    night = [_rating(answers, monday.replace(hour=22) + timedelta(minutes=30 * i)) for i in range(2)]
    assert _call(served.port, "/api/ratings", {"ratings": burst + served_ones + night}, token)[0] == 200
    period = _day_of(monday)
    with ResponseStore(ws.responses_file) as store:
        report = build_report(ws, store, period, template=template)
        found = {w.kind: w for w in report.integrity if w.kind.startswith("counter_")}
        assert found["counter_burst"].count == 6 and "Quầy 1" in found["counter_burst"].message
        assert found["counter_off_hours"].count == 2
        # With the receipts file, the six rated dossiers are real; without HS-5 listed, its rating is loose.
        listed = tmp_path / "bien-nhan.csv"
        listed.write_text("receipt,commune\n" + "".join(f"HS-{i},hoa-thanh\n" for i in range(5)), encoding="utf-8")
        again = build_report(ws, store, period, template=template, receipts=listed)
    bursts = [w for w in again.integrity if w.kind == "counter_burst"]
    assert [w.count for w in bursts] == [6]  # the 6 without receipts; the one unlisted receipt is alone


def test_a_single_communes_report_names_no_other_communes_tablets_or_receipts(ws, served, tmp_path):
    template = load_template("can-bo-3")
    answers = {"1.1": "Tốt", "1.2": "Dễ hiểu", "1.3": "Tốt"}
    monday = _last_monday_at_nine()
    for commune in ("hoa-thanh", "binh-thanh"):
        token = _paired(ws, served.port, commune=commune)
        burst = [_rating(answers, monday + timedelta(minutes=i)) for i in range(6)]
        assert _call(served.port, "/api/ratings", {"ratings": burst}, token)[0] == 200
    listed = tmp_path / "bien-nhan.csv"
    listed.write_text("receipt,commune\nHS-1,hoa-thanh\nHS-2,binh-thanh\n", encoding="utf-8")
    with ResponseStore(ws.responses_file) as store:
        every = build_report(ws, store, _day_of(monday), template=template, receipts=listed)
        mine = build_report(ws, store, _day_of(monday), template=template, receipts=listed,
                            commune_ids=("hoa-thanh",))
    assert {w.commune for w in every.integrity if w.kind.startswith(("kiosk_", "counter_"))} == \
        {"hoa-thanh", "binh-thanh"}
    assert {w.commune for w in mine.integrity} == {"hoa-thanh"}
    assert [r.name for r in mine.receipts] == ["Xã Hòa Thành"]


def test_a_tablet_whose_commune_left_the_workspace_gets_an_answer_not_a_dropped_connection(ws, served):
    import dataclasses

    token = _paired(ws, served.port)
    served.ws = dataclasses.replace(ws, communes=ws.communes[1:])  # formkit.toml edited, hoa-thanh gone
    status, body = _call(served.port, "/api/config", token=token)
    assert status == 500 and "error" in body


def test_secrets_are_kept_as_digests_owner_only_and_pin_tries_are_limited(ws, served):
    device, code = manage.pair(ws, "hoa-thanh", "Quầy 2", "can-bo-3", "intake", None)
    pins = manage.new_pins(ws, "hoa-thanh", ())
    assert len(set(pins.values())) == len(pins)  # one officer per PIN
    status, body = _call(served.port, "/api/pair", {"code": code})
    token = body["token"]
    stored = (ws.state_dir / "kiosk.sqlite").read_bytes()
    assert token.encode() not in stored and code.encode() not in stored
    assert not any(pin.encode() in stored for pin in pins.values())
    assert (ws.state_dir / "kiosk.sqlite").stat().st_mode & 0o077 == 0
    wrong = next(p for p in (f"{n:06d}" for n in range(10 ** 6)) if p not in pins.values())
    assert [_call(served.port, "/api/officer", {"pin": wrong}, token)[0] for _ in range(5)] == [403] * 5
    status, _ = _call(served.port, "/api/officer", {"pin": pins["tran-van-minh"]}, token)
    assert status == 429  # five tries, then one every five minutes: a 6-digit PIN cannot be guessed here


def test_a_pairing_code_expires(ws, served):
    from formkit.kiosk.registry import Registry

    device, code = manage.pair(ws, "hoa-thanh", "Quầy 2", "can-bo-3", "intake", None)
    with Registry(ws.state_dir) as registry:  # 16 minutes later
        registry.db.execute("UPDATE devices SET code_expires = '2000-01-01 00:00:00' WHERE id = ?", (device.id,))
    assert _call(served.port, "/api/pair", {"code": code})[0] == 403


def test_a_rating_credits_only_an_officer_who_served_at_that_tablet(ws, served):
    token = _paired(ws, served.port)
    pins = manage.new_pins(ws, "hoa-thanh", ("tran-van-minh",))
    assert _call(served.port, "/api/officer", {"pin": pins["tran-van-minh"]}, token)[0] == 200
    now = datetime.now(VIETNAM)
    answers = {"1.1": "Kém", "1.2": "Khó hiểu", "1.3": "Kém"}
    sent = [_rating(answers, now, officer="tran-van-minh"), _rating(answers, now, officer="nguyen-thi-lan")]
    assert _call(served.port, "/api/ratings", {"ratings": sent}, token)[0] == 200
    from formkit.responses.queries import channel_keys

    with ResponseStore(ws.responses_file) as store:
        officers = [row[2] for row in channel_keys(store, "quầy")]
    assert officers == ["tran-van-minh", None]  # nguyen-thi-lan never served at this tablet


def test_a_bad_receipts_file_lists_every_problem_with_its_line(example_dir, formkit, tmp_path):
    bad = tmp_path / "bien-nhan.csv"
    bad.write_text("receipt,commune,stage\nHS-1,Atlantis,intake\nHS 2!,hoa-thanh,later\nHS-3,hoa-thanh,\n"
                   "hs-3,hoa-thanh,intake\n", encoding="utf-8")
    ws = load_workspace(example_dir, check_photos=False)
    with ResponseStore(ws.responses_file):
        pass
    result = formkit("--lang", "en", "report", "-w", example_dir, "--quarter", "2026Q3", "--receipts", bad)
    assert result.exit_code == 2, result.output
    for expected in ("line 2: unknown commune 'Atlantis'", "line 3: stage 'later' is neither intake nor return",
                     "line 3: 'HS 2!' is not a receipt number", "line 5: receipt HS-3 is listed twice"):
        assert expected in result.err, result.err


def test_a_busy_store_is_answered_try_again_and_nothing_is_acknowledged(ws, short_busy_wait, served):
    """`formkit pull` holding the store (a write transaction) while a tablet sends: 503 once the
    writer has waited BUSY_WAIT (here 0.05 s), saying the store is busy; the rating stays on the
    tablet, and the resend once the store is free is stored once."""
    import sqlite3

    token = _paired(ws, served.port)
    rating = _rating({"1.1": "Tốt", "1.2": "Dễ hiểu", "1.3": "Tốt"}, datetime.now(VIETNAM))
    holder = sqlite3.connect(ws.responses_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        status, body = _call(served.port, "/api/ratings", {"ratings": [rating]}, token)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert status == 503 and "busy" in body["error"] and "stay on the tablet" in body["error"]
    assert _call(served.port, "/api/ratings", {"ratings": [rating]}, token) == (200, {"acked": [rating["id"]],
                                                                                      "rejected": []})
    with ResponseStore(ws.responses_file) as store:
        assert store.db.execute("SELECT count(*) FROM responses WHERE channel = 'quầy'").fetchone()[0] == 1


def test_a_damaged_tablet_registry_is_a_damaged_state_file_exit_2(example_dir, formkit):
    """One kind of damage, one exit code (README): kiosk.sqlite as forms.json or responses.sqlite."""
    (example_dir / "state").mkdir(exist_ok=True)
    (example_dir / "state" / "kiosk.sqlite").write_bytes(b"not a database, a file some editor saved" * 100)
    result = formkit("kiosk", "devices", "-w", example_dir, "--lang", "en")
    assert result.exit_code == 2, result.output
    assert "kiosk.sqlite" in result.err and "pair the tablets again" in result.err
