"""HTML shared by the respondent pages: one self-contained, phone-first layout in Vietnamese
(no external assets: a commune's phones may be on slow mobile data), and the short pages for
"recorded", "closed" and "not found".
"""

from __future__ import annotations

from html import escape

from .routing import Reply, html_reply

STYLE = """
*{box-sizing:border-box}
body{margin:0;background:#f0ebf8;color:#202124;
  font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
main{max-width:42rem;margin:0 auto;padding:.75rem}
.card{background:#fff;border:1px solid #dadce0;border-radius:8px;padding:1rem 1.25rem;margin:0 0 .75rem}
.head{border-top:10px solid #673ab7}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .5rem}
h2,h3{font-size:1.2rem;margin:0 0 .25rem}
.part{border-top:6px solid #673ab7}
.desc{margin:.25rem 0;color:#444;white-space:normal}
.note{margin:.5rem 0 0;color:#d93025;font-size:.9rem}
.req{color:#d93025}
.title{font-weight:500;margin-bottom:.5rem}
.opt{display:flex;gap:.6rem;align-items:flex-start;padding:.45rem 0;cursor:pointer}
.opt input{width:1.25rem;height:1.25rem;margin:.15rem 0 0;flex:none}
input[type=text],textarea,select{width:100%;font:inherit;padding:.55rem;border:1px solid #bdc1c6;border-radius:4px;
  background:#fff}
.error-card{border-color:#d93025}
.error{color:#d93025;margin:.5rem 0 0}
.banner{border-color:#d93025;color:#d93025}
.actions{margin:1rem 0 2rem}
button{font:inherit;font-weight:500;color:#fff;background:#673ab7;border:0;border-radius:4px;padding:.7rem 1.6rem;
  min-height:44px}
a{color:#673ab7}
"""

# Mirrors forms_model.path(): the last chosen option with a jump in a section decides where to
# go next. Hidden sections' fields are disabled so they are not sent; the server checks anyway.
NAVIGATION_SCRIPT = """
(function () {
  var parts = Array.prototype.slice.call(document.querySelectorAll("section[data-section]"));
  function jump(part) {
    var target = null;
    part.querySelectorAll("input[type=radio]:checked, select").forEach(function (el) {
      var chosen = el.tagName === "SELECT" ? el.options[el.selectedIndex] : el;
      var go = chosen && chosen.getAttribute("data-goto");
      if (go) target = go;
    });
    return target;
  }
  function update() {
    var shown = {}, i = 0;
    while (i < parts.length && !shown[i]) {
      shown[i] = true;
      var go = jump(parts[i]);
      i = go === null || go === "next" ? i + 1 : (go === "submit" || go === "restart") ? parts.length : Number(go);
    }
    parts.forEach(function (part, k) {
      part.hidden = !shown[k];
      part.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !shown[k]; });
    });
  }
  document.addEventListener("change", update);
  update();
})();
"""


def page(title: str, body: str, script: str = "") -> str:
    tail = f"<script>{script}</script>" if script else ""
    return ('<!doctype html><html lang="vi"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title or 'Biểu mẫu')}</title><style>{STYLE}</style></head>"
            f"<body><main>{body}</main>{tail}</body></html>")


def _notice(title: str, lines: list[str], status: int) -> Reply:
    body = f'<div class="card head"><h1>{escape(title)}</h1>{"".join(lines)}</div>'
    return html_reply(page(title, body), status)


def confirmation(title: str) -> Reply:
    return _notice(title, ["<p>Chúng tôi đã ghi lại câu trả lời của Ông/Bà. Xin cảm ơn Ông/Bà.</p>",
                           '<p><a href="viewform">Gửi câu trả lời khác</a></p>'], 200)


def closed(title: str, status: int = 200) -> Reply:
    return _notice(title, [f"<p>Biểu mẫu “{escape(title)}” không còn nhận câu trả lời nữa.</p>",
                           "<p>Nếu Ông/Bà cho rằng đây là nhầm lẫn, hãy liên hệ với cơ quan đã gửi biểu mẫu.</p>"],
                   status)


def sign_in_required(title: str, status: int = 200) -> Reply:
    """What Google shows where a form's responders are not "anyone with the link": a sign-in,
    which Zalo's in-app browser cannot do."""
    return _notice(title, [f"<p>Bạn cần đăng nhập bằng tài khoản được phép để trả lời biểu mẫu “{escape(title)}”.</p>",
                           "<p>Hãy liên hệ với cơ quan đã gửi biểu mẫu.</p>"], status)


def not_found() -> Reply:
    return _notice("Không tìm thấy biểu mẫu",
                   ["<p>Địa chỉ này không dẫn tới biểu mẫu nào. Hãy quét lại mã QR.</p>"], 404)


def cross_site() -> Reply:
    """403 for answers posted from another site's page (its visitors would answer unknowingly)."""
    return _notice("Không gửi được câu trả lời", [
        "<p>Câu trả lời này không được gửi từ trang của biểu mẫu nên không được ghi nhận.</p>",
        "<p>Vui lòng quét lại mã QR hoặc mở lại đường link của biểu mẫu rồi gửi lại.</p>"], 403)


def too_many(wait_seconds: float) -> Reply:
    """429 for a client sending answers faster than a person can; Retry-After says when to retry."""
    seconds = max(1, int(wait_seconds + 0.999))
    reply = _notice("Gửi quá nhanh", [f"<p>Ông/Bà đã gửi nhiều câu trả lời liên tiếp. Vui lòng thử lại sau "
                                      f"{seconds} giây.</p>"], 429)
    reply.headers["Retry-After"] = str(seconds)
    return reply
