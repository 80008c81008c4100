"""The application's log: set up once by create_app, at the configured level, and
what the services write to it."""

from __future__ import annotations

import logging
import smtplib

import pytest
from flask import Flask

from app.logs import HANDLER_NAME, LOG_FORMAT, init_logging
from app.models import Activity
from app.models.activity import EMAIL
from app.services.activities import mail
from tests.conftest import make_app


def app_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger("app").handlers if h.name == HANDLER_NAME]


@pytest.fixture
def restore_level(app):
    yield
    init_logging(app)  # the session's app: its level again


def test_one_handler_however_often_the_app_is_created(app, database_url, restore_level):
    make_app(database_url)
    make_app(database_url, LOG_LEVEL="warning")
    [handler] = app_handlers()
    assert handler.formatter._fmt == LOG_FORMAT
    logger = logging.getLogger("app")
    assert logger.level == logging.WARNING
    assert app.logger is logger  # Flask's own logger writes through the same handler
    assert logging.getLogger("app.services.activities.mail").getEffectiveLevel() == (
        logging.WARNING)


def test_level_comes_from_the_configuration(restore_level):
    bare = Flask("app")
    bare.config["LOG_LEVEL"] = "DEBUG"
    init_logging(bare)
    assert logging.getLogger("app").level == logging.DEBUG
    bare.config["LOG_LEVEL"] = "LOUD"
    with pytest.raises(ValueError, match="LOG_LEVEL 'LOUD'"):
        init_logging(bare)


@pytest.mark.parametrize(("failure", "logged"), [
    (ConnectionRefusedError(111, "Connection refused"),
     "ConnectionRefusedError: [Errno 111] Connection refused"),
    (smtplib.SMTPRecipientsRefused({"jens@nordlys.example": (550, b"5.1.1 no such user")}),
     "SMTPRecipientsRefused"),
    (smtplib.SMTPDataError(554, b"5.7.1 <jens@nordlys.example> rejected"), "SMTPDataError 554"),
])
def test_failed_send_is_logged_without_addresses(app, monkeypatch, caplog, failure, logged):
    def refuse(message):
        raise failure

    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setattr(mail, "_send", refuse)
    activity = Activity(kind=EMAIL, subject="Tilbud", body="Hej", tenant_id=7, id=42,
                        mail_from="admin@alpha.example", mail_to="jens@nordlys.example")
    with app.test_request_context(), caplog.at_level(logging.WARNING, logger="app"):
        mail.deliver(activity, [])
    assert activity.mail_status == "not_sent"
    [record] = [r for r in caplog.records if r.name == "app.services.activities.mail"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == f"E-mail not sent (tenant 7, activity 42): {logged}"
    assert "jens@" not in caplog.text
