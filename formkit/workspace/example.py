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
# Không gian làm việc formkit — dữ liệu MẪU: thay bằng xã, phường, cán bộ và ảnh của địa phương.
# Tệp này viết theo cú pháp TOML: dòng bắt đầu bằng # là ghi chú; chữ đặt trong dấu ngoặc kép.

# Bộ câu hỏi (templates/forms/<mã>.toml, hoặc thư mục templates/ của không gian làm việc này).
template = "sipas-2640"

# Đơn vị cấp trên của các xã, phường: từ 01/7/2025 là tỉnh, thành phố (chính quyền địa phương
# hai cấp). kind là một trong: "Tỉnh", "Thành phố".
[unit]
kind = "Tỉnh"
name = "Tây Ninh"

# Cơ quan ban hành và người ký báo cáo (PDF, DOCX theo Nghị định 30/2020/NĐ-CP). Mọi dòng đều
# không bắt buộc: bỏ dấu # ở đầu dòng và điền. Nếu để trống, báo cáo do "ỦY BAN NHÂN DÂN" + đơn
# vị ban hành, để trống số, ký "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH".
[report]
# parent_body = ""                                # cơ quan chủ quản, in phía trên cơ quan ban hành
# issuing_body = "ỦY BAN NHÂN DÂN TỈNH TÂY NINH"  # cơ quan ban hành
# number = "125"                                  # số; để trống thì chừa chỗ viết tay
# symbol = "/BC-UBND"                             # ký hiệu
# place = "Tây Ninh"                              # địa danh ở dòng ngày tháng
# authority = "TM. ỦY BAN NHÂN DÂN"               # TM. / KT. CHỦ TỊCH / Q. CHỦ TỊCH
# signer_title = "CHỦ TỊCH"                       # chức vụ người ký
# signer_name = "Nguyễn Văn An"                   # họ và tên người ký
# recipients = ["Sở Nội vụ;", "UBND các xã, phường;", "Lưu: VT."]  # nơi nhận (`check` nhắc khi chưa có)
# follow_up_listed = 500   # báo cáo PDF, DOCX của một xã liệt kê tối đa ngần này phiếu cần liên hệ
#                          # lại; nhiều hơn thì chỉ ghi số lượng (danh sách đầy đủ ở tệp XLSX, CSV)

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

# Giờ làm việc: phiếu gửi ngoài giờ được đánh dấu để xem lại (không bị loại) trong báo cáo.
# Ngày viết bằng chữ: "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"
# (hoặc "Thứ 2" … "Thứ 7", "CN").
[office_hours]
weekdays = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"]
start = "07:00"
end = "17:30"

# `formkit pull` chỉ hỏi lại mỗi biểu mẫu đang ghi vào bảng tính nào (forms.get) khi lần hỏi trước
# đã cũ hơn ngần này giờ (0: mỗi lần pull; `formkit pull --check-links`: hỏi ngay).
[pull]
# link_check_hours = 24

# Thông tin đăng nhập Google: tệp JSON của OAuth client (xem README). `formkit demo` không cần.
[google]
# credentials = "credentials.json"

# Mỗi xã, phường một mục [[communes]]. kind là một trong: "Xã", "Phường", "Đặc khu".
# Báo cáo riêng của một xã (`formkit report --commune hoa-thanh`) do Ủy ban nhân dân xã đó ban
# hành; muốn ghi số, người ký… của xã thì thêm mục [communes.report] ngay dưới xã đó, cùng các
# khóa như [report] ở trên (khóa không ghi thì lấy theo [report] của tỉnh, trừ cơ quan ban hành,
# địa danh, số và người ký là của xã).
[[communes]]
id = "hoa-thanh"
kind = "Xã"
name = "Hòa Thành"
fields = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng"]
# short_link = "https://forms.gle/..."   # đường dẫn rút gọn của biểu mẫu (Gửi → liên kết → Rút gọn URL), in dưới mã QR

# [communes.report]
# number = "45"
# signer_title = "PHÓ CHỦ TỊCH"
# authority = "KT. CHỦ TỊCH"
# signer_name = "Trần Thị Bình"

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

# Danh sách cán bộ có thể lấy từ tệp xuất từ Excel (CSV UTF-8 hoặc XLSX).
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
