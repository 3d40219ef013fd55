"""A synthetic province for the benchmarks: `communes` communes with officers and fields, written
as an ordinary formkit.toml (no photos: the create and report benchmarks need none)."""

from __future__ import annotations

import json

FIELDS = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Kinh doanh"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hạnh", "Hùng", "Lan", "Linh", "Minh", "Phương", "Tâm"]
PLACES = ["Hòa", "Bình", "An", "Phước", "Long", "Thạnh", "Tân", "Mỹ", "Hưng", "Thành"]


def province_toml(communes: int, officers: int = 3) -> str:
    parts = ['template = "sipas-2640"\n\n[unit]\nkind = "Tỉnh"\nname = "Tây Ninh"\n\n'
             '[office_hours]\nweekdays = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"]\n'
             'start = "07:00"\nend = "17:30"\n']
    for i in range(communes):
        name = f"{PLACES[i % 10]} {PLACES[(i // 10) % 10]} {i + 1}"
        parts.append(f'[[communes]]\nid = "xa-{i + 1:03d}"\nkind = "{"Phường" if i % 4 == 0 else "Xã"}"\n'
                     f'name = "{name}"\nfields = {json.dumps(FIELDS, ensure_ascii=False)}\n')
        for j in range(officers):
            officer = f"{FAMILY[(i + j) % 10]} Văn {GIVEN[(i * 5 + j) % 12]}"
            parts.append(f'[[communes.officers]]\nid = "cb-{i + 1:03d}-{j + 1}"\nname = "{officer}"\n'
                         f'title = "Công chức"\ncounter = "Quầy {j + 1}"\n')
    return "\n".join(parts)
