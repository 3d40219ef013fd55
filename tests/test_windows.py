"""Windows 10/11, as the simulation in tests/winsim.py plays it: no os.fchmod (before 3.13), no
fcntl, byte-range locks, a report file Excel holds open, cp1252/cp1258 output streams, and paths
written with backslashes. Each test here failed on the code before the Windows work."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from winsim import hold_open, output, simulate, written

from formkit import i18n
from formkit.cli import main
from formkit.errors import BusyError, InputError
from formkit.files import atomic_write_text
from formkit.forms.state import State
from formkit.google.auth import save_token
from formkit.workspace.config import load_workspace
from formkit.workspace.lock import WorkspaceLock

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
EXPORT = "Khảo sát mức độ hài lòng của người dân, tổ chức — Xã Hòa Thành (Câu trả lời) - Câu trả lời biểu mẫu 1.csv"


@pytest.fixture
def windows(monkeypatch):
    """This test meets Windows (tests/winsim.py); the simulated file table."""
    return simulate(monkeypatch)


def test_owner_only_files_are_written_without_os_fchmod(windows, tmp_path):
    assert not hasattr(os, "fchmod")
    atomic_write_text(tmp_path / "private.json", "{}", mode=0o600)
    save_token(tmp_path / "tokens" / "abc.json", '{"token": "t"}')
    assert (tmp_path / "tokens" / "abc.json").read_text(encoding="utf-8") == '{"token": "t"}'


def test_a_second_run_meets_the_lock_as_busy_under_byte_range_locks(windows, tmp_path):
    first = WorkspaceLock(tmp_path, "pull").acquire()
    with pytest.raises(BusyError, match=r"`formkit pull` \(pid"):
        WorkspaceLock(tmp_path, "report").acquire(wait=0.2)
    first.release()
    WorkspaceLock(tmp_path, "report").acquire(wait=0.2).release()


def _cli(stdout, stderr, *args) -> int:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, stderr
    try:
        return main([str(a) for a in args])
    finally:
        sys.stdout, sys.stderr = saved


def _read(stream: io.TextIOWrapper, encoding: str) -> str:
    return unicodedata.normalize("NFC", written(stream).decode(encoding))


def test_every_command_speaks_vietnamese_through_a_code_page_and_exits_with_its_code(
        windows, published_workspace, monkeypatch, tmp_path):
    """A redirected output or a pipe on Windows: formkit writes UTF-8 there unless the user chose
    an encoding (PYTHONIOENCODING), which is kept, every letter spelled losslessly (cp1258 spells
    every Vietnamese letter; cp1252 escapes those it lacks as \\uXXXX)."""
    ws, _state, _url = published_workspace
    monkeypatch.setenv("LANGUAGE", "vi")
    broken = tmp_path / "broken"
    shutil.copytree(ws.root, broken, ignore=shutil.ignore_patterns("state", "output", "local-google"))
    (broken / "formkit.toml").write_text("template = \"sipas-9\"\n", encoding="utf-8")
    export = tmp_path / EXPORT
    shutil.copy(DATA / "export-vi.csv", export)
    everywhere = [(["check", "-w", ws.root], 0, "Hợp lệ"), (["status", "-w", ws.root], 0, "xuất bản"),
                  (["report", "-w", ws.root, "--year", "2020", "--format", "csv"], 3, "0 câu trả lời"),
                  (["templates"], 0, "tiêu chí"),
                  (["check", "-w", broken], 2, "không xác định"), (["--help"], 0, "Cách dùng")]
    once = {("cp1252", True): [(["pull", "-w", ws.root], 0, "trang tính"), (["create", "-w", ws.root], 0, "xã"),
                               (["init", tmp_path / "new"], 0, "formkit.toml")],  # the slower ones: one stream each
            ("cp1252", False): [(["link", "-w", ws.root], 0, "trang tính"), (["scan", "-w", ws.root], 2, "ảnh")],
            ("cp1258", True): [(["ballots", "-w", ws.root, "--commune", "hoa-thanh", "--count", "2"], 0,
                                "phieu-hoa-thanh")],
            ("cp1258", False): [(["report", "-w", ws.root, "--from-csv", export, "--year", "2025", "--format",
                                  "json"], 0, "câu trả lời"), (["posters", "-w", ws.root], 0, "hoa-thanh")]}
    for (encoding, chosen), runs in once.items():
        if chosen:
            monkeypatch.setenv("PYTHONIOENCODING", encoding)
        else:
            monkeypatch.delenv("PYTHONIOENCODING", raising=False)
        for args, code, words in runs + everywhere:
            stdout, stderr = output(encoding)
            exit_code = _cli(stdout, stderr, *args)
            shown = _read(stdout, stdout.encoding) + _read(stderr, stderr.encoding)
            assert exit_code == code, (args, encoding, chosen, shown)
            assert stdout.encoding == (encoding if chosen else "utf-8")
            assert "Internal error" not in shown and "Lỗi nội bộ" not in shown, shown
            if encoding == "cp1258" or not chosen:  # every letter is there as such
                assert words.lower() in shown.lower(), (args, shown[:300])


def test_a_redirected_output_in_cp1252_does_not_crash_a_real_process(example_dir):
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "cp1252", "LANGUAGE": "vi"}
    run = subprocess.run([sys.executable, "-m", "formkit", "check", "-w", str(example_dir)], env=env,
                         capture_output=True)
    assert run.returncode == 0, run.stderr.decode("cp1252", "replace")
    shown = (run.stdout + run.stderr).decode("cp1252")  # every byte is cp1252
    assert "Traceback" not in shown and "T\xe2y Ninh" in shown, shown  # the letters cp1252 has, as such
    assert "H\\u1ee3p l\\u1ec7" in shown, shown  # the others escaped: "Hợp lệ"


def test_a_report_file_held_open_by_excel_is_named_and_the_previous_set_stays_whole(
        windows, example_dir, formkit, tmp_path):
    export = tmp_path / EXPORT
    shutil.copy(DATA / "export-vi.csv", export)
    args = ["report", "-w", example_dir, "--from-csv", export, "--year", "2025", "--format", "pdf,xlsx,csv,json"]
    assert formkit(*args).exit_code == 0
    folder = example_dir / "output" / "reports"
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    hold_open(windows, folder / "bao-cao-2025.xlsx")
    result = formkit(*args)
    assert result.exit_code == 1, result.output
    assert f"cannot replace {folder / 'bao-cao-2025.xlsx'}" in result.err and "Close it" in result.err, result.err
    assert "free some space" not in result.err and "Internal error" not in result.err
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert not [p for p in folder.iterdir() if p.name.startswith(".partial")]
    windows.held.clear()  # Excel closed
    assert formkit(*args).exit_code == 0


def test_a_report_interrupted_while_moving_keeps_the_previous_files(example_dir, formkit, tmp_path):
    """The previous files stepped aside when a kill came are put back by the next run."""
    export = tmp_path / EXPORT
    shutil.copy(DATA / "export-vi.csv", export)
    args = ["report", "-w", example_dir, "--from-csv", export, "--year", "2025", "--format", "pdf,json"]
    assert formkit(*args).exit_code == 0
    folder = example_dir / "output" / "reports"
    pdf = (folder / "bao-cao-2025.pdf").read_bytes()
    aside = folder / ".partial-bao-cao-2025.old-x1"
    aside.mkdir()
    os.replace(folder / "bao-cao-2025.pdf", aside / "bao-cao-2025.pdf")  # as a kill after the first step
    from formkit.report.write import _remove_leftovers

    _remove_leftovers(folder, "bao-cao-2025")
    assert (folder / "bao-cao-2025.pdf").read_bytes() == pdf and not aside.exists()


def _config(example_dir: Path) -> Path:
    return example_dir / "formkit.toml"


def _edit(path: Path, old: str, new: str, bom: bool = False) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(("\ufeff" if bom else "") + text.replace(old, new, 1), encoding="utf-8")


def _problems(example_dir: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_workspace(example_dir)
    return [str(p) for p in caught.value.problems]


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if text in line)


def test_windows_paths_in_formkit_toml_work_or_are_explained_in_vietnamese(example_dir):
    config = _config(example_dir)
    original = config.read_text(encoding="utf-8")
    _edit(config, 'photo = "photos/tran-van-minh.jpg"', "photo = 'photos\\tran-van-minh.jpg'")
    minh = [o for o in load_workspace(example_dir).commune("hoa-thanh").officers if o.id == "tran-van-minh"][0]
    assert minh.photo == (example_dir / "photos" / "tran-van-minh.jpg").resolve()  # single quotes: as written
    for written_as in ('"photos\\Tran.jpg"', '"C:\\Users\\an\\anh.jpg"'):
        config.write_text(original.replace('"photos/tran-van-minh.jpg"', written_as), encoding="utf-8")
        line = _line_of(config, written_as)
        i18n.use("vi")
        try:
            [problem] = _problems(example_dir)
        finally:
            i18n.use("en")
        assert f"formkit.toml: dòng {line}: " in problem, problem
        assert "gạch chéo xuôi" in problem and "nháy đơn" in problem, problem


def test_toml_syntax_errors_are_vietnamese_and_name_the_line_that_is_wrong(example_dir):
    config = _config(example_dir)
    _edit(config, "weekdays = [", "weekdays = [1, 2, 3, ")
    config.write_text(config.read_text(encoding="utf-8").replace('"Thứ Bảy"]', '"Thứ Bảy"'), encoding="utf-8")
    i18n.use("vi")
    try:
        [problem] = _problems(example_dir)
    finally:
        i18n.use("en")
    line = _line_of(config, "weekdays = [1, 2, 3, ")
    assert f"dòng {line}: " in problem and "không phải TOML hợp lệ" in problem, problem
    assert "Unclosed" not in problem


def test_a_byte_order_mark_is_accepted_in_formkit_toml_and_a_template(example_dir):
    _edit(_config(example_dir), 'template = "sipas-2640"', 'template = "sipas-2640"', bom=True)
    template = REPO / "templates" / "forms" / "sipas-2640.toml"
    own = example_dir / "templates"
    own.mkdir(exist_ok=True)
    text = template.read_text(encoding="utf-8").replace('id = "sipas-2640"', 'id = "sipas-bom"', 1)
    (own / "sipas-bom.toml").write_text("\ufeff" + text, encoding="utf-8")
    _edit(_config(example_dir), 'template = "sipas-2640"', 'template = "sipas-bom"')
    assert load_workspace(example_dir).template.id == "sipas-bom"


def test_a_list_nested_5000_deep_exits_2_naming_the_key(example_dir, formkit):
    config = _config(example_dir)
    text = config.read_text(encoding="utf-8")
    weekdays = next(line for line in text.split("\n") if line.startswith("weekdays = "))
    config.write_text(text.replace(weekdays, "weekdays = " + "[" * 5000 + "]" * 5000), encoding="utf-8")
    result = formkit("check", "-w", example_dir)
    assert result.exit_code == 2, result.output
    assert f"line {_line_of(_config(example_dir), 'weekdays = [[[')}, weekdays" in result.err, result.err
    assert "RecursionError" not in result.output


def test_serve_and_its_token_are_shown_for_powershell_and_cmd_on_windows(example_dir, formkit, monkeypatch):
    from formkit import settings

    monkeypatch.setattr(settings, "WINDOWS", True)

    def stop(_seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr("time.sleep", stop)
    result = formkit("serve", "-w", example_dir, "--port", "0", "--show-token")
    assert result.exit_code == 0, result.output
    assert '$env:FORMKIT_GOOGLE_ENDPOINT = "http://127.0.0.1:' in result.out, result.out
    assert "set FORMKIT_GOOGLE_TOKEN=" in result.out and "export " not in result.output, result.output
    assert not (example_dir / "local-google" / "endpoint").exists()  # stopped: forgotten


def test_the_next_command_in_a_served_workspace_needs_no_variable(example_dir, formkit):
    from formkit.localserver import LocalGoogle

    with LocalGoogle(example_dir / "local-google" / "google.sqlite", announce=True).start() as server:
        assert (example_dir / "local-google" / "endpoint").read_text(encoding="utf-8").strip() == server.base_url
        result = formkit("create", "-w", example_dir)
        assert result.exit_code == 0, result.output
        state = State.load(load_workspace(example_dir).state_file)
        assert {state.published(c).endpoint for c in state.communes} == {server.base_url}
    assert not (example_dir / "local-google" / "endpoint").exists()


def test_a_photo_named_in_nfd_and_a_roster_saved_with_crlf_are_read(example_dir):
    photos = example_dir / "photos"
    nfc_name, nfd_name = "Trần Văn Minh.jpg", unicodedata.normalize("NFD", "Trần Văn Minh.jpg")
    os.replace(photos / "tran-van-minh.jpg", photos / nfd_name)  # copied from a Mac
    _edit(_config(example_dir), 'photo = "photos/tran-van-minh.jpg"', f'photo = "photos/{nfc_name}"')
    roster = example_dir / "rosters" / "binh-thanh.csv"
    lines = roster.read_text(encoding="utf-8").splitlines()
    roster.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")  # Excel and Notepad on Windows
    ws = load_workspace(example_dir)
    minh = [o for o in ws.commune("hoa-thanh").officers if o.id == "tran-van-minh"][0]
    assert minh.photo is not None and minh.photo.name == nfd_name and minh.photo.is_file()
    assert [o.name for o in ws.commune("binh-thanh").officers] == ["Đặng Thị Hồng", "Bùi Quang Huy", "Ngô Thanh Tâm"]


def test_a_state_file_another_program_holds_is_named_not_an_internal_error(windows, example_dir, endpoint, formkit):
    """An antivirus scanning the file formkit is replacing, or an editor that keeps it open."""
    ws = load_workspace(example_dir)
    hold_open(windows, ws.state_file)
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 1, result.output
    assert f"cannot write {ws.state_file}" in result.err and "Internal error" not in result.err, result.err
    windows.held.clear()
    assert formkit("create", "-w", example_dir).exit_code == 0  # the run again finishes the work
    assert len(State.load(ws.state_file).communes) == len(ws.communes)


def test_an_endpoint_left_by_a_killed_server_is_ignored(example_dir, formkit):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (example_dir / "local-google").mkdir()
    (example_dir / "local-google" / "endpoint").write_text(f"http://127.0.0.1:{port}\n", encoding="utf-8")
    result = formkit("status", "-w", example_dir)
    assert "nothing answers" not in result.output, result.output  # Google, as if no server had run


def test_a_formkit_toml_saved_as_ansi_by_notepad_names_the_line_and_how_to_save_it(example_dir):
    config = _config(example_dir)
    text = config.read_text(encoding="utf-8")
    config.write_bytes(text.encode("cp1258", "ignore"))  # old Notepad's "ANSI" on a Vietnamese Windows
    first_bad = next(i for i, line in enumerate(text.split("\n"), 1) if line.encode("cp1258", "ignore")
                     != line.encode("utf-8"))
    [problem] = _problems(example_dir)
    assert f"formkit.toml: line {first_bad}: not UTF-8 text" in problem and "Encoding: UTF-8" in problem, problem


def test_a_backslash_that_is_a_valid_escape_in_a_photo_path_gets_the_same_advice(example_dir):
    _edit(_config(example_dir), 'photo = "photos/tran-van-minh.jpg"', 'photo = "photos\\new.jpg"')
    [problem] = _problems(example_dir)
    assert "photo: contains control character(s) U+000A" in problem and "single quotes" in problem, problem


def test_servers_take_their_port_exclusively_where_windows_would_share_it(monkeypatch, example_dir, tmp_path):
    """Windows' SO_REUSEADDR lets a second server bind a port in use; SO_EXCLUSIVEADDRUSE (Windows
    only, played here by SO_KEEPALIVE, which Linux has and which changes nothing that matters) must
    replace it, so a second `formkit kiosk` or `formkit serve` stops with "port in use"."""
    import socket

    from formkit.kiosk.server import KioskServer
    from formkit.localserver import LocalGoogle

    monkeypatch.setattr(socket, "SO_EXCLUSIVEADDRUSE", socket.SO_KEEPALIVE, raising=False)
    kiosk = KioskServer(load_workspace(example_dir), "127.0.0.1", 0).start()
    try:
        backend = LocalGoogle(tmp_path / "google.sqlite", testing=True).start()
        try:
            for listening in (kiosk.socket, backend._httpd.socket):
                assert listening.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
                assert listening.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) == 0
        finally:
            backend.stop()
    finally:
        kiosk.stop()
