"""HAPI status codes (spec 3.3.1 section 4 and appendix 8.3) and the error they raise.

Messages never echo the user's input (spec 5.2): the detail added to a message is
written by the server (allowed ranges, limits), not copied from the query.
"""

from __future__ import annotations

HAPI_VERSION = "3.3"

#: code -> (HTTP status, HAPI message)
STATUS: dict[int, tuple[int, str]] = {
    1200: (200, "OK"),
    1201: (200, "OK - no data for time range"),
    1400: (400, "Bad request - user input error"),
    1401: (400, "Bad request - unknown API parameter name"),
    1402: (400, "Bad request - syntax error in start time"),
    1403: (400, "Bad request - syntax error in stop time"),
    1404: (400, "Bad request - start equal to or after stop"),
    1405: (400, "Bad request - start < startDate and/or stop > stopDate"),
    1406: (404, "Bad request - unknown dataset id"),
    1407: (404, "Bad request - unknown dataset parameter"),
    1408: (400, "Bad request - too much time or data requested"),
    1409: (400, "Bad request - unsupported output format"),
    1410: (400, "Bad request - unsupported include value"),
    1411: (400, "Bad request - out-of-order or duplicate parameters"),
    1412: (400, "Bad request - unsupported resolve_references value"),
    1413: (400, "Bad request - unsupported depth value"),
    1500: (500, "Internal server error"),
    1501: (500, "Internal server error - upstream request error"),
}

_REASON = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}


class HapiError(Exception):
    """A request the server answers with a HAPI error status.

    Parameters
    ----------
    code : int
        A HAPI status code of :data:`STATUS` (14xx or 15xx).
    detail : str, optional
        Server-written detail appended to the standard message.
    """

    def __init__(self, code: int, detail: str | None = None):
        if code not in STATUS:
            raise ValueError(f"not a HAPI status code: {code}")
        self.code = code
        self.detail = detail
        super().__init__(message(code, detail))

    @property
    def http_status(self) -> int:
        """The HTTP status that goes with the HAPI code."""
        return STATUS[self.code][0]


def message(code: int, detail: str | None = None) -> str:
    """The HAPI message of ``code``, with ``detail`` after a colon when given."""
    text = STATUS[code][1]
    if code >= 1400:  # the form the verifier looks for: "HAPI error 1406: Bad request - ..."
        text = f"HAPI error {code}: {text}"
    return f"{text}: {detail}" if detail else text


def status_object(code: int, detail: str | None = None) -> dict:
    """The ``status`` member of a HAPI response."""
    return {"code": code, "message": message(code, detail)}


def status_body(code: int, detail: str | None = None) -> dict:
    """The JSON body of an error (or status-only) response: ``{HAPI, status}``."""
    return {"HAPI": HAPI_VERSION, "status": status_object(code, detail)}


def status_line(code: int) -> str:
    """The HTTP status line with the HAPI code in the reason text.

    Example: ``"404 Not Found; HAPI 1406 Bad request - unknown dataset id"``.
    """
    http, text = STATUS[code]
    return f"{http} {_REASON[http]}; HAPI {code} {text}"
