from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import sessions
from app.auth.forms import LoginForm
from app.auth.safe_urls import safe_redirect_target
from app.extensions import limiter
from app.forms import TranslatedFlaskForm
from app.i18n import SESSION_KEY, available_languages
from app.services import accounts
from app.transactions import commit_or_refuse

bp = Blueprint("auth", __name__)

LOGIN_FAILED_STATUS = 401


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_limit,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == LOGIN_FAILED_STATUS,
)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    default_target = url_for("admin.index")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_redirect_target(form.next.data, default=default_target))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            sessions.begin(user)
            return redirect(safe_redirect_target(form.next.data, default=default_target))
        flash(_("Wrong e-mail or password."), "error")
        return render_template("auth/login.html", form=form), LOGIN_FAILED_STATUS
    status = LOGIN_FAILED_STATUS if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout():
    """POST (with the CSRF token) logs out, on every device; a GET only asks, so a
    link or an image on another site cannot log anyone out."""
    form = TranslatedFlaskForm()
    if request.method == "GET":
        return render_template("auth/logout.html", form=form)
    sessions.end(current_user._get_current_object())
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["GET", "POST"])
def set_language(code: str):
    """A GET switches this session's language; only a POST (CSRF-checked) also saves
    it to the user's account."""
    if code not in available_languages():
        abort(404)
    session[SESSION_KEY] = code
    if request.method == "POST" and current_user.is_authenticated:
        commit_or_refuse(lambda: accounts.set_language(current_user, code))
    target = safe_redirect_target(
        request.values.get("next"), _same_site_referrer(), default=url_for("admin.index")
    )
    return redirect(target)


def _same_site_referrer() -> str | None:
    """The path of the Referer when it points at this very host."""
    referrer = request.referrer
    if not referrer or not referrer.startswith(request.host_url):
        return None
    return "/" + referrer[len(request.host_url):]
