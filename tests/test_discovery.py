"""Request bodies checked against the discovery documents google-api-python-client ships."""

from __future__ import annotations

import pytest

from formkit.localserver.discovery import check_field_mask, check_query, check_request, validate_request


def batch(*requests) -> dict:
    return {"includeFormInResponse": True, "requests": list(requests)}


def test_a_valid_batch_update_has_no_violations():
    body = batch({"createItem": {"item": {"itemId": "1a2b3c4d", "title": "Có góp ý?", "questionItem": {"question": {
        "questionId": "2b3c4d5e", "required": True, "choiceQuestion": {"type": "RADIO", "options": [
            {"value": "Có", "goToSectionId": "3c4d5e6f"}, {"value": "Không", "goToAction": "SUBMIT_FORM"}]}}}},
        "location": {"index": 0}}},
        {"updateSettings": {"settings": {"emailCollectionType": "DO_NOT_COLLECT"},
                            "updateMask": "emailCollectionType"}})
    assert validate_request("forms", "v1", "forms.forms.batchUpdate", body) == []


@pytest.mark.parametrize("body, expected", [
    (batch({"createItem": {"item": {"title": "x", "textItem": {}, "foo": 1}}}),
     "Unknown name \"foo\" at 'requests[0].createItem.item': Cannot find field."),
    (batch({"createItem": {"location": {"index": "2nd"}}}),
     "Invalid value at 'requests[0].createItem.location.index' (TYPE_INT32), \"2nd\""),
    (batch({"createItem": {"location": {"index": 2**31}}}), "(TYPE_INT32), 2147483648"),
    (batch({"updateSettings": {"settings": {"emailCollectionType": "NEVER"}}}), "emailCollectionType: one of"),
    (batch({"createItem": {"item": {"questionItem": {"question": {"required": "yes"}}}}}), "(TYPE_BOOL), \"yes\""),
    ({"requests": {"createItem": {}}}, "Invalid value at 'requests' (array)"),
    ({"requests": ["createItem"]}, "Invalid value at 'requests[0]' (Request), \"createItem\""),
    ({"bogus": True}, 'Unknown name "bogus": Cannot find field.'),
])
def test_violations_name_the_place_and_the_problem(body, expected):
    found = validate_request("forms", "v1", "forms.forms.batchUpdate", body)
    assert len(found) == 1 and expected in found[0], found


def test_every_violation_is_reported():
    body = batch({"createItem": {"item": {"a": 1, "b": 2}, "location": {"index": "x"}}})
    assert len(validate_request("forms", "v1", "forms.forms.batchUpdate", body)) == 3


def test_maps_arrays_and_any():
    assert validate_request("drive", "v3", "drive.files.create", {"appProperties": {"k": "v"}}) == []
    found = validate_request("drive", "v3", "drive.files.create", {"appProperties": {"k": 5}})
    assert found == ["Invalid value at 'appProperties[\"k\"]' (TYPE_STRING), 5"]
    values = {"range": "A1", "values": [["text", 1, 2.5, True, None]], "majorDimension": "ROWS"}
    assert validate_request("sheets", "v4", "sheets.spreadsheets.values.update", values) == []
    assert validate_request("sheets", "v4", "sheets.spreadsheets.values.update", {"values": ["flat"]}) == [
        "Invalid value at 'values[0]' (array), \"flat\""]


def test_google_wording_uses_snake_case_paths():
    [violation] = check_request("forms", "v1", "forms.forms.batchUpdate", batch({"createItem": {"foo": 1}}))
    assert violation.google_message() == (
        "Invalid JSON payload received. Unknown name \"foo\" at 'requests[0].create_item': Cannot find field.")
    assert violation.field() == "requests[0].create_item.foo"


def test_methods_without_a_body_and_unknown_methods():
    assert validate_request("forms", "v1", "forms.forms.get", None) == []
    assert validate_request("forms", "v1", "forms.forms.get", {"x": 1}) == ["forms.forms.get takes no request body."]
    with pytest.raises(KeyError):
        validate_request("forms", "v1", "forms.forms.delete", {})


def test_query_parameters_and_field_masks():
    ok = check_query("sheets", "v4", "sheets.spreadsheets.values.batchGet",
                     {"ranges": ["A", "B"], "valueRenderOption": ["UNFORMATTED_VALUE"], "alt": ["json"]})
    assert ok == []
    bad = check_query("sheets", "v4", "sheets.spreadsheets.values.get",
                      {"valueRenderOption": ["RAW"], "colour": ["red"]})
    assert [str(v).split(" (")[0].split(":")[0] for v in bad] == ["Invalid value at 'valueRenderOption'",
                                                                  'Unknown name "colour"']
    assert check_field_mask("forms", "v1", "Item", "title,questionItem.question.choiceQuestion.options") == []
    assert check_field_mask("forms", "v1", "Info", "title,description,*") == []
    assert check_field_mask("forms", "v1", "Item", "question_item.nope") == [
        "field mask path 'question_item.nope' names no field of Item"]
