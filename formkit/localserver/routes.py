"""Every URL the local backend answers, with Google's paths (flatPath in the discovery documents)."""

from __future__ import annotations

from . import admin, drive_api, forms_api, oauth, respondent, sheets_api
from .routing import Route, route

_SHEET = "/v4/spreadsheets/{spreadsheetId}"

ROUTES: list[Route] = [
    # Forms v1
    route("POST", "/v1/forms", forms_api.create, "forms.forms.create"),
    route("GET", "/v1/forms/{formId}", forms_api.get, "forms.forms.get"),
    route("POST", "/v1/forms/{formId}:batchUpdate", forms_api.batch_update, "forms.forms.batchUpdate"),
    route("POST", "/v1/forms/{formId}:setPublishSettings", forms_api.set_publish_settings,
          "forms.forms.setPublishSettings"),
    route("GET", "/v1/forms/{formId}/responses", forms_api.list_responses, "forms.forms.responses.list"),
    route("GET", "/v1/forms/{formId}/responses/{responseId}", forms_api.get_response, "forms.forms.responses.get"),
    # Sheets v4
    route("POST", "/v4/spreadsheets", sheets_api.create, "sheets.spreadsheets.create"),
    route("GET", _SHEET, sheets_api.get, "sheets.spreadsheets.get"),
    route("POST", _SHEET + ":batchUpdate", sheets_api.batch_update, "sheets.spreadsheets.batchUpdate"),
    route("GET", _SHEET + "/values:batchGet", sheets_api.values_batch_get, "sheets.spreadsheets.values.batchGet"),
    route("POST", _SHEET + "/values:batchUpdate", sheets_api.values_batch_update,
          "sheets.spreadsheets.values.batchUpdate"),
    route("POST", _SHEET + "/values/{range+}:append", sheets_api.values_append, "sheets.spreadsheets.values.append"),
    route("POST", _SHEET + "/values/{range+}:clear", sheets_api.values_clear, "sheets.spreadsheets.values.clear"),
    route("GET", _SHEET + "/values/{range+}", sheets_api.values_get, "sheets.spreadsheets.values.get"),
    route("PUT", _SHEET + "/values/{range+}", sheets_api.values_update, "sheets.spreadsheets.values.update"),
    # Drive v3
    route("GET", "/drive/v3/files", drive_api.list_files, "drive.files.list"),
    route("POST", "/drive/v3/files", drive_api.create_file, "drive.files.create"),
    route("GET", "/drive/v3/files/{fileId}", drive_api.get_file, "drive.files.get"),
    route("PATCH", "/drive/v3/files/{fileId}", drive_api.update_file, "drive.files.update"),
    route("GET", "/drive/v3/files/{fileId}/permissions", drive_api.list_permissions, "drive.permissions.list"),
    route("POST", "/drive/v3/files/{fileId}/permissions", drive_api.create_permission, "drive.permissions.create"),
    # What a citizen's phone opens
    route("GET", "/forms/d/e/{publishedId}/viewform", respondent.view, public=True),
    route("POST", "/forms/d/e/{publishedId}/formResponse", respondent.submit, public=True),
    # OAuth 2.0 token endpoint, for google-auth's refresh and service-account flows
    route("POST", "/token", oauth.token, public=True),
    # formkit's own; faults and call counts only on a backend started for tests
    route("POST", "/formkit/v1/forms/{formId}:linkSheet", admin.link_sheet, admin=True),
    route("POST", "/formkit/v1/forms/{formId}:unlinkSheet", admin.unlink_sheet, admin=True),
    route("GET", "/formkit/v1/faults", admin.list_faults, testing=True),
    route("POST", "/formkit/v1/faults", admin.add_fault, testing=True),
    route("DELETE", "/formkit/v1/faults", admin.clear_faults, testing=True),
    route("GET", "/formkit/v1/calls", admin.calls, testing=True),
    route("GET", "/formkit/v1/calls/faulted", admin.faulted_calls, testing=True),
    route("DELETE", "/formkit/v1/calls", admin.reset_calls, testing=True),
    route("PUT", "/formkit/v1/limits", admin.set_limits, testing=True),
]


def find(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in ROUTES:
        if candidate.method == method:
            match = candidate.pattern.fullmatch(path)
            if match:
                return candidate, match.groupdict()
    return None
