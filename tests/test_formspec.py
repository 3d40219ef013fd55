"""The request bodies and prefilled links: golden files, and the structure Google needs."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from golden import check_golden

from formkit.forms.formspec import build_bodies, entry_number, prefill_url, stable_id
from formkit.workspace.config import load_workspace
from formkit.workspace.templates import available_templates, load_template


@pytest.fixture
def ws(example_dir):
    return load_workspace(example_dir)


@pytest.mark.parametrize("template_id", ["sipas-2640", "can-bo-3", "tra-ket-qua-6"])
def test_batch_update_body_matches_golden(ws, template_id):
    bodies = build_bodies(load_template(template_id), ws.commune("hoa-thanh"), ws.unit, "golden")
    check_golden(f"batchUpdate-{template_id}.json", bodies.batch_update)


def test_create_and_publish_bodies(ws):
    bodies = build_bodies(ws.template, ws.commune("hoa-thanh"), ws.unit, "n0nce1")
    assert bodies.create == {"info": {
        "title": "Khảo sát mức độ hài lòng của người dân, tổ chức — Xã Hòa Thành",
        "documentTitle": "Khảo sát mức độ hài lòng của người dân, tổ chức — Xã Hòa Thành [formkit hoa-thanh n0nce1]"}}
    assert bodies.publish == {"publishSettings": {"publishState": {"isPublished": True, "isAcceptingResponses": True}},
                              "updateMask": "publishState"}


def items(bodies):
    return [r["createItem"]["item"] for r in bodies.batch_update["requests"] if "createItem" in r]


def test_one_batch_holds_every_item_with_our_ids_and_the_jump(ws):
    template = ws.template
    bodies = build_bodies(template, ws.commune("hoa-thanh"), ws.unit, "x")
    created = items(bodies)
    questions = [i for i in created if "questionItem" in i]
    assert len(questions) == len([q for q in template.questions if q.has_answer]) == 30
    ids = [i["itemId"] for i in created] + [i["questionItem"]["question"]["questionId"] for i in questions]
    assert len(ids) == len(set(ids)) and all(len(i) == 8 and int(i, 16) < 2**31 for i in ids)
    # Bottom-up at index 0: the form ends up in template order, and every section exists before
    # the question that jumps to it is created (Google checks a batch's requests in order).
    locations = [r["createItem"]["location"]["index"] for r in bodies.batch_update["requests"] if "createItem" in r]
    assert locations == [0] * len(created)
    in_form_order = created[::-1]
    assert in_form_order[0]["title"] == template.sections[0].title
    for position, item in enumerate(created):
        made_before = {i["itemId"] for i in created[:position] if "pageBreakItem" in i}
        choice = item.get("questionItem", {}).get("question", {}).get("choiceQuestion", {})
        assert all(o["goToSectionId"] in made_before for o in choice.get("options", []) if "goToSectionId" in o)
    # The gate jumps to factor 5 on "Có" and past it on "Không", both to sections in this batch.
    sections = {i["itemId"]: i["title"] for i in created if "pageBreakItem" in i}
    gate = next(i for i in questions if i["title"].startswith("Ông/Bà có góp ý"))
    jumps = {o["value"]: sections[o["goToSectionId"]]
             for o in gate["questionItem"]["question"]["choiceQuestion"]["options"]}
    assert jumps == {"Có": "Tiếp nhận, giải quyết góp ý, phản ánh, kiến nghị", "Không": "Đánh giá chung và ý kiến khác"}
    assert bodies.batch_update["includeFormInResponse"] is True


def test_never_collects_email_and_nothing_personal_is_required(ws):
    bodies = build_bodies(ws.template, ws.commune("hoa-thanh"), ws.unit, "x")
    settings = [r["updateSettings"] for r in bodies.batch_update["requests"] if "updateSettings" in r]
    assert settings == [{"settings": {"emailCollectionType": "DO_NOT_COLLECT"}, "updateMask": "emailCollectionType"}]
    by_title = {i["title"]: i for i in items(bodies) if "questionItem" in i}
    phone = by_title["Số điện thoại để liên hệ lại"]
    assert phone["questionItem"]["question"]["required"] is False
    # The phone's page is reached only by choosing "Đồng ý": an explicit, required choice that nothing
    # ticks in advance (a RADIO question has no default); "Không đồng ý" sends the form as it is.
    consent = by_title["Ông/Bà có đồng ý để lại số điện thoại để được liên hệ lại về ý kiến của mình không?"]
    question = consent["questionItem"]["question"]
    assert question["required"] is True and question["choiceQuestion"]["type"] == "RADIO"
    pages = {i["itemId"]: i["title"] for i in items(bodies) if "pageBreakItem" in i}
    agree, refuse = question["choiceQuestion"]["options"]
    assert agree == {"value": "Đồng ý", "goToSectionId": agree["goToSectionId"]}
    assert pages[agree["goToSectionId"]] == "Số điện thoại để liên hệ lại"
    assert refuse == {"value": "Không đồng ý", "goToAction": "SUBMIT_FORM"}
    for words in ("Ủy ban nhân dân xã Hòa Thành", "6 tháng", "91/2025/QH15", "356/2025/NĐ-CP",
                  "Trung tâm Phục vụ hành chính công"):
        assert words in consent["description"]


def test_officer_and_field_dropdowns_come_from_the_commune(ws):
    commune = ws.commune("nam-dong")
    bodies = build_bodies(ws.template, commune, ws.unit, "x")
    assert bodies.officer_options == {"pham-thu-ha": "Phạm Thu Hà – Quầy 1",
                                      "vo-duc-thang": "Võ Đức Thắng – Quầy 2"}
    dropdowns = {i["title"]: [o["value"] for o in i["questionItem"]["question"]["choiceQuestion"]["options"]]
                 for i in items(bodies)
                 if i.get("questionItem", {}).get("question", {}).get("choiceQuestion", {}).get("type") == "DROP_DOWN"}
    assert dropdowns["Lĩnh vực thủ tục hành chính Ông/Bà vừa thực hiện"] == ["Hộ tịch", "Chứng thực", "Kinh doanh"]
    officers = dropdowns["Cán bộ, công chức đã tiếp nhận, giải quyết hồ sơ của Ông/Bà"]
    assert list(bodies.officer_options.values()) == officers


def test_ids_are_stable_across_communes_and_runs(ws):
    a = build_bodies(ws.template, ws.commune("hoa-thanh"), ws.unit, "1")
    b = build_bodies(ws.template, ws.commune("nam-dong"), ws.unit, "2")
    assert [q.question_id for q in a.questions] == [q.question_id for q in b.questions]
    first = next(q for q in a.questions if q.question.id == "1.1")
    assert stable_id("sipas-2640", "question", "1.1") == first.question_id


def test_prefilled_links_match_golden(ws):
    responder = "https://docs.google.com/forms/d/e/1FAIpQLSexample/viewform"
    lines = []
    for commune in ws.communes:
        bodies = build_bodies(ws.template, commune, ws.unit, "x")
        officer_q = next(b for b in bodies.questions if b.question.role == "officer")
        for officer_id, label in bodies.officer_options.items():
            lines.append(f"{commune.id}/{officer_id}: {prefill_url(responder, [(officer_q.question_id, label)])}")
    check_golden("prefill-links.txt", "\n".join(lines) + "\n")


def test_prefill_url_round_trips_utf8():
    url = prefill_url("https://docs.google.com/forms/d/e/ID/viewform",
                      [("1a2b3c4d", "Nguyễn Thị Lan – Công chức"), ("2000000f", "Hộ tịch & Chứng thực")])
    query = parse_qs(urlsplit(url).query)
    assert query["usp"] == ["pp_url"]
    assert query[f"entry.{entry_number('1a2b3c4d')}"] == ["Nguyễn Thị Lan – Công chức"]
    assert query[f"entry.{0x2000000f}"] == ["Hộ tịch & Chứng thực"]
    assert " " not in url


def form_order(bodies):
    """The items as the form holds them once the batch has run: each createItem goes in at its index."""
    form: list[dict] = []
    for request in bodies.batch_update["requests"]:
        if "createItem" in request:
            form.insert(request["createItem"]["location"]["index"], request["createItem"]["item"])
    return form


def test_every_shipped_template_builds(ws):
    """Every shipped template: one item per question and per section header, in the template's
    order, each question with its scale's options, and every skip wired to the right section."""
    commune = ws.commune("binh-thanh")
    assert available_templates()
    for template_id in available_templates():
        template = load_template(template_id)
        bodies = build_bodies(template, commune, ws.unit, "x")
        created = form_order(bodies)
        headers = [i for i in created if "pageBreakItem" in i]
        values = commune.texts(ws.unit)
        assert [h["title"] for h in headers] == [s.title.format(**values) for s in template.sections[1:]], template_id
        asked = [q for q in template.questions if q.kind != "info"]
        built = [i for i in created if "questionItem" in i]
        assert [i["title"] for i in built] == [q.title.format(**values) for q in asked], template_id
        for item, q in zip(built, asked, strict=False):
            question = item["questionItem"]["question"]
            assert question["required"] == q.required, (template_id, q.id)
            if q.scale is not None:
                values = [o["value"] for o in question["choiceQuestion"]["options"]]
                assert values == list(q.scale.labels), (template_id, q.id)
        section_of = {s.id: h["itemId"] for s, h in zip(template.sections[1:], headers, strict=False)}
        for i, section in enumerate(template.sections):
            if section.ask_if is None:
                continue
            gate = next(item for item, q in zip(built, asked, strict=False) if q.id == section.ask_if.question)
            jumps = {o["value"]: o.get("goToSectionId", o.get("goToAction"))
                     for o in gate["questionItem"]["question"]["choiceQuestion"]["options"]}
            following = section_of[template.sections[i + 1].id] if i + 1 < len(template.sections) else "SUBMIT_FORM"
            assert jumps == {label: section_of[section.id] if label == section.ask_if.answer else following
                             for label in template.question(section.ask_if.question).scale.labels}, template_id
