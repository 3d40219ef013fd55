"""The Google calls formkit makes, each retried and counted, through the real client libraries:
google-api-python-client for Forms and Drive, gspread for Sheets.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

import gspread
from google.auth.transport.requests import AuthorizedSession

from ..errors import UsageError
from ..i18n import _
from . import retry
from .backend import Backend, LocalBackend, backend_for
from .transport import TIMEOUT, SessionHttp, rebase

if TYPE_CHECKING:  # not a name every supported gspread release has
    from gspread.http_client import ParamsType

FORM_MIME = "application/vnd.google-apps.form"
RESPONSES_PAGE = 5000  # the most forms.responses.list returns per page


class _GspreadHTTP(gspread.http_client.HTTPClient):
    """gspread's URLs are constants; rewrite them when an endpoint override is set."""

    endpoint: str | None = None

    def request(self, method, endpoint, *args, **kwargs):
        return super().request(method, rebase(endpoint, self.endpoint), *args, **kwargs)


class Google:
    def __init__(self, credentials, endpoint: str | None = None, policy: retry.RetryPolicy | None = None,
                 on_retry: Callable[[str], None] | None = None) -> None:
        self.backend: Backend = backend_for(endpoint)  # what the state file records, the edit links, linking
        self.endpoint = endpoint
        self.policy = policy or retry.RetryPolicy.from_env()
        self.on_retry = on_retry
        self.session = AuthorizedSession(credentials)
        self.calls: Counter[str] = Counter()  # API method -> requests sent, retries included
        self._services: dict[str, Any] = {}
        self._gspread: gspread.Client | None = None

    def _service(self, api: str, version: str, path: str = ""):
        if api not in self._services:
            from googleapiclient.discovery import build

            options = {"api_endpoint": f"{self.endpoint}/{path}"} if self.endpoint else None
            self._services[api] = build(api, version, http=SessionHttp(self.session), static_discovery=True,
                                        client_options=options, cache_discovery=False)
        return self._services[api]

    def _call(self, name: str, fn: Callable[[], Any], recover: Callable[[], Any] | None = None) -> Any:
        def counted():
            self.calls[name] += 1
            return fn()

        return retry.call(counted, name, self.policy, recover=recover, on_retry=self.on_retry)

    # Forms -------------------------------------------------------------------------------------
    @cached_property  # forms() builds its methods from the discovery document: ~1 ms, not once per call
    def _forms(self):
        return self._service("forms", "v1").forms()

    def create_form(self, body: dict, recover: Callable[[], Any] | None = None) -> dict:
        # Unpublished until every item is in place: a half-built form never takes answers.
        return self._call("forms.create", lambda: self._forms.create(body=body, unpublished=True).execute(), recover)

    def batch_update(self, form_id: str, body: dict, recover: Callable[[], Any] | None = None) -> dict:
        return self._call("forms.batchUpdate",
                          lambda: self._forms.batchUpdate(formId=form_id, body=body).execute(), recover)

    def publish(self, form_id: str, body: dict) -> dict:
        return self._call("forms.setPublishSettings",
                          lambda: self._forms.setPublishSettings(formId=form_id, body=body).execute())

    def get_form(self, form_id: str, fields: str | None = None) -> dict:
        """The form; only the fields named (Google's partial-response syntax) when given."""
        kwargs = {"fields": fields} if fields else {}
        return self._call("forms.get", lambda: self._forms.get(formId=form_id, **kwargs).execute())

    def responses(self, form_id: str, since: str | None = None, fields: str | None = None) -> Iterator[dict]:
        """Every response (all pages), or those at or after `since` (RFC 3339 UTC); only the
        response fields named, when given."""
        token = None
        while True:
            kwargs: dict[str, Any] = {"formId": form_id, "pageSize": RESPONSES_PAGE}
            if fields:
                kwargs["fields"] = f"nextPageToken,responses({fields})"
            if since:
                kwargs["filter"] = f"timestamp >= {since}"
            if token:
                kwargs["pageToken"] = token
            page = self._call("forms.responses.list", functools.partial(self._responses_page, kwargs))
            yield from page.get("responses", [])
            token = page.get("nextPageToken")
            if not token:
                return

    def _responses_page(self, kwargs: dict[str, Any]) -> dict:
        return self._forms.responses().list(**kwargs).execute()

    # Drive -------------------------------------------------------------------------------------
    def find_forms_named(self, name: str) -> list[dict]:
        return self._find_forms("=", name, 10)

    def find_forms_starting(self, prefix: str) -> list[dict]:
        """Forms whose Drive name starts with `prefix`: Drive's `name contains` matches the start
        of a name (the only match its documentation promises); the start is checked here too."""
        return [f for f in self._find_forms("contains", prefix, 100) if f.get("name", "").startswith(prefix)]

    def _find_forms(self, operator: str, name: str, page_size: int) -> list[dict]:
        drive = self._service("drive", "v3", "drive/v3/")
        quoted = name.replace("\\", "\\\\").replace("'", "\\'")
        query = f"name {operator} '{quoted}' and mimeType = '{FORM_MIME}' and trashed = false"
        result = self._call("drive.files.list", lambda: drive.files().list(
            q=query, fields="files(id,name)", pageSize=page_size, supportsAllDrives=True,
            includeItemsFromAllDrives=True).execute())
        return result.get("files", [])

    def responder_permissions(self, form_id: str) -> list[dict]:
        """The form's Drive permissions, responders (view "published") included — Google lists
        those only when asked with includePermissionsForView=published."""
        drive = self._service("drive", "v3", "drive/v3/")
        result = self._call("drive.permissions.list", lambda: drive.permissions().list(
            fileId=form_id, fields="permissions(id,type,role,view,domain)", includePermissionsForView="published",
            supportsAllDrives=True).execute())
        return result.get("permissions", [])

    def add_permission(self, form_id: str, body: dict) -> dict:
        drive = self._service("drive", "v3", "drive/v3/")
        return self._call("drive.permissions.create", lambda: drive.permissions().create(
            fileId=form_id, body=body, fields="id,type,role,view", supportsAllDrives=True).execute())

    # Linking (the local backend only: on Google the Apps Script links) -------------------------
    def link_sheet(self, form_id: str, body: dict) -> dict:
        """The local backend's formkit/v1 link endpoint, retried like every call (linking again
        changes nothing there, so a repeat after a lost answer is safe)."""
        backend = self.backend
        if not isinstance(backend, LocalBackend):
            raise UsageError(_("Google cannot link a form to a spreadsheet through an API: run the Apps Script"))

        def post() -> dict:
            response = self.session.post(backend.link_url(form_id), json=body, timeout=TIMEOUT)
            response.raise_for_status()
            return response.json()

        return self._call("formkit.linkSheet", post)

    # Sheets ------------------------------------------------------------------------------------
    @property
    def _sheets(self) -> gspread.http_client.HTTPClient:
        if self._gspread is None:
            self._gspread = gspread.Client(self.session.credentials, session=self.session, http_client=_GspreadHTTP)
        http = self._gspread.http_client
        assert isinstance(http, _GspreadHTTP)
        http.endpoint = self.endpoint
        return http

    def sheet_metadata(self, spreadsheet_id: str) -> dict:
        """The spreadsheet's time zone and its tabs (sheetId, title, grid size), nothing else: one
        spreadsheets.get."""
        params: ParamsType = {"fields": "properties.timeZone,"
                                        "sheets.properties(sheetId,title,index,gridProperties(rowCount,columnCount))"}
        return self._call("sheets.get", lambda: self._sheets.fetch_sheet_metadata(spreadsheet_id, params))

    def file_trashed(self, file_id: str) -> bool:
        """Whether the file is in Drive's trash: a trashed spreadsheet still answers the Sheets API."""
        drive = self._service("drive", "v3", "drive/v3/")
        return bool(self._call("drive.files.get", lambda: drive.files().get(
            fileId=file_id, fields="trashed", supportsAllDrives=True).execute()).get("trashed", False))

    def read_tabs(self, spreadsheet_id: str, tabs: list[str], cells: list[str] | None = None,
                  grids: list[tuple[int, int]] | None = None) -> list[dict]:
        """Whole tabs (or, where `cells` gives them per tab, only those cells, e.g. "A:A"),
        unformatted with serial-number dates (locale-proof), one value range per tab, in as few
        values:batchGet calls as keep each URL under URL_LIMIT (the ranges travel in the URL) and,
        where `grids` gives each tab's (rowCount, columnCount), each answer under RESPONSE_BUDGET
        (Google advises under 2 MB): a whole tab bigger than that is read in pieces of rows."""
        params = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
                  "majorDimension": "ROWS"}
        cells = cells or [""] * len(tabs)
        pieces: list[tuple[int, str, int]] = []  # (tab's position, range, rows it spans or 0: to the end)
        for i, (tab, cell) in enumerate(zip(tabs, cells, strict=True)):
            rows, cols = grids[i] if grids else (0, 0)
            step = max(1, RESPONSE_BUDGET // (max(cols, 1) * CELL_BYTES))
            if cell or not grids or rows <= step:
                pieces.append((i, quote_tab(tab) + (f"!{cell}" if cell else ""), 0))
            else:
                pieces += [(i, f"{quote_tab(tab)}!{start + 1}:{min(start + step, rows)}", min(step, rows - start))
                           for start in range(0, rows, step)]
        sizes = [_estimate(grids[i] if grids else None, cells[i], span) for i, _text, span in pieces]
        got: list[dict] = []
        for chunk in url_chunks(spreadsheet_id, [text for _i, text, _span in pieces], params, URL_LIMIT, sizes,
                                RESPONSE_BUDGET):
            result = self._call("sheets.values.batchGet",
                                functools.partial(self._sheets.values_batch_get, spreadsheet_id, chunk, dict(params)))
            got.extend(result.get("valueRanges", []))
        merged: list[list] = [[] for _ in tabs]
        for (i, _text, span), value_range in zip(pieces, got, strict=True):
            values = value_range.get("values", [])
            merged[i].extend(values)
            if span:  # rows read in pieces: a piece's empty trailing rows (left out) still take their place
                merged[i].extend([] for _ in range(span - len(values)))
        for values in merged:  # and empty trailing rows of a whole tab are left out, as Google does
            while values and not values[-1]:
                values.pop()
        return [{"values": values} if values else {} for values in merged]


# Google publishes no URL length limit for the Sheets API; its front ends refuse very long request
# lines (a batchGet of hundreds of tabs, ~20,000 characters, failed: dust-tt/dust#4042), and 8 KB is
# the request-line size common HTTP servers and proxies accept. We design for 8,000 bytes: 3,321
# Vietnamese tab names take about 20 calls. See docs/google-behaviour.md.
URL_LIMIT = 8000
_BATCH_GET = "https://sheets.googleapis.com/v4/spreadsheets/{}/values:batchGet?"


def tab_grids(meta: dict) -> dict[str, tuple[int, int]]:
    """Tab title -> (rowCount, columnCount) from a spreadsheets.get answer; a tab without a grid (a
    chart sheet, sheetType OBJECT) counts (0, 0)."""
    grids = {}
    for sheet in meta.get("sheets") or []:
        props = sheet.get("properties") or {}
        grid = props.get("gridProperties") or {}
        grids[props.get("title", "")] = (int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0)))
    return grids


def grid_cells(meta: dict) -> int:
    """The cells Google's 10,000,000-cell limit counts: every tab's grid, blank cells included."""
    return sum(rows * cols for rows, cols in tab_grids(meta).values())


# Google advises keeping a Sheets answer under 2 MB ("Usage limits"; larger reads are slow and end
# in 503s). A read's size is estimated from the grid, which counts blank rows and spare columns
# too (an over-estimate); a cell of a response row is taken as 24 bytes of JSON (Vietnamese text
# is 2-3 bytes a letter), a time in column A alone as 24 with its brackets.
RESPONSE_BUDGET = 2_000_000
CELL_BYTES = 24


def _estimate(grid: tuple[int, int] | None, cells: str, span: int) -> int:
    if grid is None:
        return 0
    rows, cols = grid
    return (span or rows) * (CELL_BYTES if cells else cols * CELL_BYTES)


def url_chunks(spreadsheet_id: str, ranges: list[str], params: dict, limit: int = URL_LIMIT,
               sizes: list[int] | None = None, budget: int = RESPONSE_BUDGET) -> list[list[str]]:
    """The ranges in order, split so that each batchGet URL (percent-encoded) stays under `limit`
    and, where `sizes` estimates each range's answer, each answer under `budget`."""
    from urllib.parse import quote_plus, urlencode

    base = len(_BATCH_GET.format(spreadsheet_id)) + len(urlencode(params)) + len("&alt=json")
    chunks: list[list[str]] = [[]]
    length, size = base, 0
    for i, text in enumerate(ranges):
        cost = len("&ranges=") + len(quote_plus(text, safe=""))  # as requests encodes it: a space is "+"
        weight = sizes[i] if sizes else 0
        if chunks[-1] and (length + cost > limit or size + weight > budget):
            chunks.append([])
            length, size = base, 0
        chunks[-1].append(text)
        length += cost
        size += weight
    return chunks if ranges else []


def quote_tab(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def connect(workspace_credentials=None, cli_credentials=None, on_retry: Callable[[str], None] | None = None,
            token_dir=None, backend: Backend | None = None) -> Google:
    """A Google client for this run's backend (given, or chosen from FORMKIT_GOOGLE_ENDPOINT): on
    the local one with its token (looked up in token_dir, the workspace's local-google/), else
    with the chosen credential."""
    from .auth import credentials_file, load_credentials
    from .backend import current

    backend = backend or current()
    backend.require_answering()
    credentials = load_credentials(credentials_file(cli_credentials, workspace_credentials), backend.endpoint,
                                   token_dir=token_dir)
    return Google(credentials, backend.endpoint, on_retry=on_retry)
