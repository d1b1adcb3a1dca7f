"""Sending an approved reply (or the daily brief) by SMTP, as ``service.toml`` says."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from tradepilot.domain.errors import ExternalServiceError
from tradepilot.service.config import ServiceConfig


def build_mail(
    config: ServiceConfig,
    *,
    to: str,
    subject: str,
    body: str,
    in_reply_to: str | None = None,
    html: str | None = None,
) -> EmailMessage:
    """The reply as an e-mail, threaded under the customer's message; with
    ``html``, an HTML alternative to the text ``body``."""
    mail = EmailMessage()
    sender = config.sender_address()
    mail["From"] = f"{config.seller_name} <{sender}>"
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = in_reply_to
    mail.set_content(body)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    return mail


def send_mail(
    config: ServiceConfig,
    *,
    to: str,
    subject: str,
    body: str,
    in_reply_to: str | None = None,
    html: str | None = None,
) -> str:
    """Send one reply (or any message: ``html`` adds an HTML part); its Message-ID.

    Raises
    ------
    ExternalServiceError
        If the server cannot be reached, refuses the login or the recipient.
    """
    mail = build_mail(
        config, to=to, subject=subject, body=body, in_reply_to=in_reply_to, html=html
    )
    smtp = config.smtp
    where = f"smtp {smtp.host}:{smtp.port}"
    try:
        client = (
            smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_s,
                             context=ssl.create_default_context())
            if smtp.ssl
            else smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
        )  # fmt: skip
        with client:
            if smtp.starttls and not smtp.ssl:
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password() or "")
            client.send_message(mail)
    except (OSError, smtplib.SMTPException) as exc:
        raise ExternalServiceError(
            f"{where}: the e-mail was not sent ({exc})"
        ) from None
    return str(mail["Message-ID"])
