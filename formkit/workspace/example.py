"""`formkit init DIR`: a runnable example workspace (sample data, generated photos)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import UsageError
from ..files import atomic_write_bytes, atomic_write_text
from ..i18n import _
from .config import CONFIG_NAME

EXAMPLE_TOML = """\
# Không gian làm việc formkit — dữ liệu MẪU, thay bằng dữ liệu thật của địa phương.
# formkit workspace — SAMPLE data: replace with your own communes, officers and photos.

# Question set (templates/forms/<id>.toml, or this workspace's templates/ folder).
template = "sipas-2640"

# The unit above the communes: a province since 1 July 2025 (or a legacy district).
[unit]
kind = "Tỉnh"
name = "Tây Ninh"

# Who issues and signs the quarterly report (PDF and DOCX, Nghị định 30/2020/NĐ-CP).
# Every key is optional; uncomment and fill in. Without them the report is issued by
# "ỦY BAN NHÂN DÂN" + the unit, number left blank, signed "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH".
[report]
# parent_body = ""                                # cơ quan chủ quản, above the issuing body
# issuing_body = "ỦY BAN NHÂN DÂN TỈNH TÂY NINH"  # cơ quan ban hành
# number = "125"                                  # số; blank leaves room to write it
# symbol = "/BC-UBND"                             # ký hiệu
# place = "Tây Ninh"                              # địa danh of the date line
# authority = "TM. ỦY BAN NHÂN DÂN"               # TM. / KT. CHỦ TỊCH / Q. CHỦ TỊCH
# signer_title = "CHỦ TỊCH"                       # chức vụ người ký
# signer_name = "Nguyễn Văn An"                   # họ và tên người ký
# recipients = ["Sở Nội vụ;", "UBND các xã, phường;", "Lưu: VT."]  # nơi nhận

# Tên cơ quan tiếp dân của xã, in trên biểu mẫu, bảng mica, phiếu giấy và báo cáo. Từ 1/7/2025
# (Nghị định 118/2025/NĐ-CP) là Trung tâm Phục vụ hành chính công; xã còn dùng tên cũ thì ghi
# name = "Bộ phận Tiếp nhận và Trả kết quả". Một xã có tên riêng: office = "…" trong [[communes]].
[office]
name = "Trung tâm Phục vụ hành chính công"

# Dữ liệu cá nhân (Luật 91/2025/QH15, Nghị định 356/2025/NĐ-CP): số điện thoại người dân để lại
# (chỉ khi chọn "Đồng ý") được giữ bấy nhiêu tháng kể từ ngày gửi phiếu, rồi `formkit retention`
# xóa khỏi kho dữ liệu và các tệp báo cáo. Biểu mẫu ghi rõ thời hạn này cho người dân.
[privacy]
phone_retention_months = 6

# Office hours: answers outside them are flagged (not removed) in reports.
[office_hours]
weekdays = [1, 2, 3, 4, 5, 6]   # ISO weekdays: 1 = Monday … 7 = Sunday
start = "07:00"
end = "17:30"

# `formkit pull` asks each form which spreadsheet it feeds (forms.get) only when the answer it
# has is older than this many hours (0: at every pull; `formkit pull --check-links`: now).
[pull]
# link_check_hours = 24

# Google credentials: an OAuth client JSON (see README). Not needed for `formkit demo`.
[google]
# credentials = "credentials.json"

[[communes]]
id = "hoa-thanh"
kind = "Xã"
name = "Hòa Thành"
fields = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng"]
# short_link = "https://forms.gle/..."   # the form's "Shorten URL" link (Send → link): printed under the QR

# Các điểm tiếp nhận của Trung tâm, nếu xã có nhiều nơi nhận hồ sơ: bỏ dấu # ở các dòng dưới và ở
# dòng point của từng cán bộ. Mỗi cán bộ thuộc một điểm (point = mã điểm); vẫn một biểu mẫu chung
# cho cả xã; báo cáo có thêm bảng theo điểm; `formkit posters --point pho-thanh` và
# `formkit ballots --point pho-thanh` in riêng cho một điểm, có tên điểm.
# [[communes.points]]
# id = "tru-so"
# name = "Trụ sở Ủy ban nhân dân xã"
#
# [[communes.points]]
# id = "pho-thanh"
# name = "Điểm tiếp nhận ấp Phố Thành"

# photo_consent = true: cán bộ đã đồng ý (có lưu giấy tờ) cho in ảnh của mình lên bảng mica.
# Thiếu sự đồng ý thì `formkit check` và `formkit posters` cảnh báo (với --strict: báo lỗi).
[[communes.officers]]
id = "nguyen-thi-lan"
name = "Nguyễn Thị Lan"
title = "Công chức Văn phòng - Thống kê"
counter = "Quầy 1"
# point = "tru-so"
photo = "photos/nguyen-thi-lan.jpg"
photo_consent = true

[[communes.officers]]
id = "tran-van-minh"
name = "Trần Văn Minh"
title = "Công chức Tư pháp - Hộ tịch"
counter = "Quầy 2"
# point = "tru-so"
photo = "photos/tran-van-minh.jpg"
photo_consent = true

[[communes.officers]]
id = "le-hoang-phuong"
name = "Lê Hoàng Phương"
title = "Công chức Địa chính - Xây dựng"
counter = "Quầy 3"
# point = "pho-thanh"
photo = "photos/le-hoang-phuong.jpg"
photo_consent = true

# Officers may come from a roster exported from Excel (CSV UTF-8 or XLSX).
[[communes]]
id = "binh-thanh"
kind = "Xã"
name = "Bình Thạnh"
fields = ["Hộ tịch", "Chứng thực", "Đất đai", "Lao động - Thương binh và Xã hội"]
roster = "rosters/binh-thanh.csv"

[[communes]]
id = "nam-dong"
kind = "Phường"
name = "Nam Đông"
fields = ["Hộ tịch", "Chứng thực", "Kinh doanh"]

[[communes.officers]]
id = "pham-thu-ha"
name = "Phạm Thu Hà"
title = "Công chức Văn phòng - Thống kê"
counter = "Quầy 1"
photo = "photos/pham-thu-ha.png"
photo_consent = true

[[communes.officers]]
id = "vo-duc-thang"
name = "Võ Đức Thắng"
title = "Công chức Tư pháp - Hộ tịch"
counter = "Quầy 2"
photo = "photos/vo-duc-thang.jpg"
photo_consent = true
"""

ROSTER = [
    ("id", "name", "title", "counter", "photo", "Đồng ý dùng ảnh"),
    ("dang-thi-hong", "Đặng Thị Hồng", "Công chức Tư pháp - Hộ tịch", "Quầy 1", "photos/dang-thi-hong.jpg", "có"),
    ("bui-quang-huy", "Bùi Quang Huy", "Công chức Địa chính - Nông nghiệp", "Quầy 2", "photos/bui-quang-huy.jpg",
     "có"),
    ("ngo-thanh-tam", "Ngô Thanh Tâm", "Công chức Văn hóa - Xã hội", "Quầy 3", "photos/ngo-thanh-tam.jpg", "có"),
]

# (file, background colour, EXIF orientation): one is stored sideways as phones do.
PHOTOS = [
    ("nguyen-thi-lan.jpg", (93, 139, 186), 1),
    ("tran-van-minh.jpg", (120, 160, 110), 6),
    ("le-hoang-phuong.jpg", (176, 130, 96), 1),
    ("dang-thi-hong.jpg", (150, 110, 160), 1),
    ("bui-quang-huy.jpg", (90, 150, 150), 1),
    ("ngo-thanh-tam.jpg", (170, 150, 90), 1),
    ("pham-thu-ha.png", (200, 120, 130), 1),
    ("vo-duc-thang.jpg", (110, 120, 170), 1),
]


# Dossiers handled per commune and quarter, for `formkit report --dossiers dossiers.csv`
# (participation = responses ÷ dossiers). Sample figures: replace with the office's own.
DOSSIERS = [
    ("commune", "period", "count"),
    ("hoa-thanh", "2026Q3", "1240"),
    ("nam-dong", "2026Q3", "2315"),
    ("binh-thanh", "2026Q3", "15771"),
    ("hoa-thanh", "2026Q4", "1302"),
    ("nam-dong", "2026Q4", "2208"),
    ("binh-thanh", "2026Q4", "16034"),
]


def write_example_workspace(directory: Path) -> list[Path]:
    """Write the example; refuse to overwrite an existing workspace. Returns the files written."""
    directory = Path(directory)
    if (directory / CONFIG_NAME).exists():
        raise UsageError(_("{file} already exists; nothing was written").format(file=directory / CONFIG_NAME))
    written = []
    for name, colour, orientation in PHOTOS:
        path = directory / "photos" / name
        atomic_write_bytes(path, sample_photo(colour, orientation, path.suffix))
        written.append(path)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(ROSTER)
    roster = directory / "rosters" / "binh-thanh.csv"
    atomic_write_text(roster, buffer.getvalue())
    written.append(roster)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(DOSSIERS)
    atomic_write_text(directory / "dossiers.csv", buffer.getvalue())
    written.append(directory / "dossiers.csv")
    # The configuration last: its presence marks a complete workspace.
    atomic_write_text(directory / CONFIG_NAME, EXAMPLE_TOML)
    written.append(directory / CONFIG_NAME)
    return written


def sample_photo(colour: tuple[int, int, int], orientation: int = 1, suffix: str = ".jpg",
                 size: tuple[int, int] = (900, 1200)) -> bytes:
    """A head-and-shoulders silhouette standing in for an officer's photo (3:4 portrait).

    With orientation 6 the pixels are stored rotated and the EXIF tag says how to turn them
    back, exactly like a phone photo taken upright.
    """
    from PIL import Image, ImageDraw

    width, height = size
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, c + 70) for c in colour)
    dark = tuple(max(0, c - 60) for c in colour)
    draw.ellipse((width * 0.32, height * 0.18, width * 0.68, height * 0.52), fill=light)
    draw.ellipse((width * 0.12, height * 0.56, width * 0.88, height * 1.25), fill=dark)
    out = io.BytesIO()
    if suffix == ".png":
        image.convert("RGBA").save(out, "PNG")
        return out.getvalue()
    exif = Image.Exif()
    if orientation == 6:
        image = image.transpose(Image.Transpose.ROTATE_90)  # stored sideways; tag 6 turns it upright
        exif[0x0112] = 6
    image.save(out, "JPEG", quality=88, exif=exif.tobytes())
    return out.getvalue()
