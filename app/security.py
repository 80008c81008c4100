"""The headers that protect every response, set up in one place (``init_app``, called
from create_app): a Content-Security-Policy under which only our own script files and
scripts carrying the response's nonce run, HSTS behind HTTPS, no caching of what a
logged-in user is shown, and the proxy setting (``PROXY_FIX``) that lets the rate
limit see the client's address instead of the proxy's.

Flask-Admin's own templates still have inline handlers (``onclick``) and
``javascript:`` links, which such a policy refuses to run: they are rewritten as they
are loaded (``ADMIN_TEMPLATE_REWRITES``) into data attributes that
``static/kontakt/behaviours.js`` acts on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

import flask_admin
from flask import Flask, current_app, request
from flask_login import current_user
from flask_talisman import Talisman
from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

ONE_YEAR = 31536000

# Scripts: our origin, plus inline scripts with the response's nonce (added by
# Talisman); no 'unsafe-inline', no 'unsafe-eval'. Nothing of ours frames our pages,
# but the same origin stays allowed to frame them (as X-Frame-Options SAMEORIGIN did
# before) so a browser's own viewer for our PDFs and images is not refused.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # Bootstrap's stylesheet draws its icons as data: SVG
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
}

# (what Flask-Admin's template says, what it becomes); tests check each still matches.
ADMIN_TEMPLATE_REWRITES = (
    ('href="javascript:void(0)"', 'href="#"'),
    (' onclick="return false;"', ""),
    ("onclick=\"return faHelpers.safeConfirm('{{ _gettext('Are you sure you want to "
     "delete this record?') }}');\"",
     "data-confirm=\"{{ _gettext('Are you sure you want to delete this record?') }}\""),
    ("onclick=\"return modelActions.execute('{{ p[0] }}');\"",
     'data-model-action="{{ p[0] }}"'),
    ("onclick=\"faForm.addInlineField(this, '{{ field.id }}');\"",
     'data-add-inline-field="{{ field.id }}"'),
)

# An inline form's headings and button (the contact's employments) in the inline view's
# own words where it has them: Flask-Admin writes "New" and "Add" before the plural
# label ("Ny Ansættelser") and numbers its forms "Ansættelser #1".
_INLINE_VIEW = "field.inline_view is defined and field.inline_view.{0} is defined"
ADMIN_WORDING_REWRITES = (
    ("{{ field.label.text }} #{{ loop.index }}",
     "{{ field.inline_view.item_label % {'number': loop.index} if "
     + _INLINE_VIEW.format("item_label") + " else field.label.text ~ ' #' ~ loop.index }}"),
    ("<small>{{ _gettext('New') }} {{ field.label.text }}</small>",
     "<small>{{ field.inline_view.new_label if " + _INLINE_VIEW.format("new_label")
     + " else _gettext('New') ~ ' ' ~ field.label.text }}</small>"),
    ("{{ _gettext('Add') }} {{ field.label.text }}</a>",
     "{{ field.inline_view.add_label if " + _INLINE_VIEW.format("add_label")
     + " else _gettext('Add') ~ ' ' ~ field.label.text }}</a>"),
)



class _Talisman(Talisman):
    """Talisman, leaving alone a policy a view set itself (a downloaded file's
    "sandbox", stricter than any page's)."""

    def _set_content_security_policy_headers(self, headers, options) -> None:
        own = headers.get("Content-Security-Policy")
        super()._set_content_security_policy_headers(headers, options)
        if own:
            headers["Content-Security-Policy"] = own


talisman = _Talisman()


def init_app(app: Flask) -> None:
    _trust_proxy(app)
    secure = bool(app.config["SESSION_COOKIE_SECURE"])
    talisman.init_app(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        force_https=False,  # redirecting to HTTPS is the proxy's job, when there is one
        frame_options="SAMEORIGIN",
        # Sent over HTTPS only, as RFC 6797 asks (PROXY_FIX tells a proxied request).
        strict_transport_security=secure,
        strict_transport_security_max_age=ONE_YEAR,
        strict_transport_security_include_subdomains=True,
        referrer_policy="same-origin",
        session_cookie_secure=secure,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    app.after_request(_no_store_for_signed_in)
    app.jinja_loader = ChoiceLoader(
        [loader for loader in (app.jinja_loader, admin_templates_loader()) if loader])


def csp_nonce() -> str:
    """The nonce of this response's policy (one per request)."""
    nonce = cast(Callable[[], str], current_app.jinja_env.globals["csp_nonce"])
    return nonce()


def _trust_proxy(app: Flask) -> None:
    """Behind ``PROXY_FIX`` proxies, take the client's address, scheme and host from
    their X-Forwarded-* headers (only then: a client could send them itself)."""
    hops = int(app.config.get("PROXY_FIX") or 0)
    if hops > 0:
        # Flask's documented way to wrap the WSGI app; mypy sees a method being replaced
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _no_store_for_signed_in(response: Response) -> Response:
    """What a logged-in user is shown stays out of every cache (a shared computer's
    browser, a proxy). Static files stay cacheable, and so does what a view gave its
    own caching rule (a contact's photo, a downloaded file: private)."""
    endpoint = request.endpoint or ""
    if ("Cache-Control" not in response.headers and endpoint.rpartition(".")[2] != "static"
            and current_user.is_authenticated):
        response.headers["Cache-Control"] = "no-store"
    return response


class _RewritingLoader(BaseLoader):
    """A loader giving another loader's templates with ``rewrites`` applied."""

    def __init__(self, inner: BaseLoader, rewrites: tuple[tuple[str, str], ...]) -> None:
        self.inner = inner
        self.rewrites = rewrites

    def get_source(self, environment: Environment, template: str):
        source, filename, uptodate = self.inner.get_source(environment, template)
        for old, new in self.rewrites:
            source = source.replace(old, new)
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


def admin_templates_loader(theme_folder: str = "bootstrap4") -> BaseLoader:
    """Flask-Admin's templates, rewritten; asked before Flask-Admin's own loaders."""
    folder = Path(flask_admin.__file__).parent / "templates" / theme_folder
    return _RewritingLoader(FileSystemLoader(str(folder)),
                            ADMIN_TEMPLATE_REWRITES + ADMIN_WORDING_REWRITES)
