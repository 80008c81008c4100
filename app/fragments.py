"""Forms opened inside another page (the contact profile's action bar): asked for with
``?fragment=1`` they render without the page around them, and posted by script, the
redirect that follows a save reaches the script as a header instead — fetch would
follow it itself and use up the flashed messages meant for the page it goes to."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

FRAGMENT_ARG = "fragment"
LOCATION_HEADER = "X-Kontakt-Location"
SCRIPT_HEADER = ("X-Requested-With", "XMLHttpRequest")


def requested() -> bool:
    return bool(request.args.get(FRAGMENT_ARG))


def from_script() -> bool:
    """Sent by the page's script (fetch), which wants a fragment, not a page."""
    name, value = SCRIPT_HEADER
    return request.headers.get(name) == value


def hand_redirect_to_script(response: Response) -> Response:
    if response.status_code in (301, 302, 303) and requested() and from_script():
        response.headers[LOCATION_HEADER] = response.headers.pop("Location")
        response.status_code = 204
        response.set_data(b"")
    return response
