"""Which backend a run talks to: Google itself, or the embedded local backend behind
FORMKIT_GOOGLE_ENDPOINT. Chosen once (`current()`); everything that differs between the two —
what the state file records, a form's edit link, how forms get linked to a spreadsheet — is
asked of the Backend instead of comparing strings.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from .transport import endpoint_override, require_answering

GOOGLE_KEY = "google"  # what the state file records for forms made on Google


class Backend(ABC):
    """What create, link, status and pull need to know about where the forms live."""

    key: str  # recorded with every form (FormRecord.endpoint)
    endpoint: str | None  # the base URL the API clients are pointed at; None: Google's own hosts
    links_directly: bool  # True: `formkit link` links forms itself; False: the Apps Script does

    @abstractmethod
    def edit_url(self, form_id: str) -> str:
        """Where the form's owner edits the form."""

    def made_here(self, recorded_key: str) -> bool:
        """Whether a form recorded with `recorded_key` lives on this backend. A local backend may
        come back on another port with the same data, so any local address counts as local."""
        return (recorded_key == GOOGLE_KEY) == (self.key == GOOGLE_KEY)

    @abstractmethod
    def require_answering(self) -> None:
        """Fail at once when a backend on this machine is not running."""

    def __str__(self) -> str:
        return self.key


class GoogleBackend(Backend):
    key = GOOGLE_KEY
    endpoint = None
    links_directly = False  # the Forms API cannot link a form to a sheet (linkedSheetId is output-only)

    def edit_url(self, form_id: str) -> str:
        return f"https://docs.google.com/forms/d/{form_id}/edit"

    def require_answering(self) -> None:
        """Google's hosts: a dropped connection there is for the retries to cure."""


class LocalBackend(Backend):
    endpoint: str
    links_directly = True  # its formkit/v1 link endpoint does what the Apps Script does on Google

    def __init__(self, endpoint: str) -> None:
        self.key = self.endpoint = endpoint

    def edit_url(self, form_id: str) -> str:
        return f"{self.endpoint}/v1/forms/{form_id}"

    def link_url(self, form_id: str) -> str:
        return f"{self.endpoint}/formkit/v1/forms/{form_id}:linkSheet"

    def require_answering(self) -> None:
        require_answering(self.endpoint)


def backend_for(endpoint: str | None) -> Backend:
    return LocalBackend(endpoint) if endpoint else GoogleBackend()


def current() -> Backend:
    """The backend of this run: FORMKIT_GOOGLE_ENDPOINT's local backend if set, else Google."""
    return backend_for(endpoint_override())
