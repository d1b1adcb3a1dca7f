"""``inbox import --imap`` against a real IMAP server: Debian's dovecot, started
by the test on a free local port with a Maildir of two messages."""

from __future__ import annotations

import mailbox
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import skip_or_fail
from tests.service.conftest import NOW, free_port, make_eml

from tradepilot.domain.errors import ExternalServiceError
from tradepilot.service.service import import_messages, list_messages

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
MAIL_USER = "dovecot"  # dovecot refuses to read mail as root
PASSWORD = "s3cret-test"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid}
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


def _dovecot_available() -> str | None:
    if not Path(DOVECOT).exists():
        return "dovecot is not installed (apt-get install dovecot-imapd)"
    if os.geteuid() != 0:
        return "dovecot needs root to start its own instance here"
    try:
        pwd.getpwnam(MAIL_USER)
    except KeyError:
        return f"no system user {MAIL_USER!r} to own the test mailbox"
    return None


@pytest.fixture
def imap_server() -> Iterator[int]:
    """A dovecot instance with user ``anna`` holding two messages; its port."""
    reason = _dovecot_available()
    if reason:
        skip_or_fail(reason)
    # not under pytest's tmp_path: its root is private to root, and dovecot reads
    # the mail and password files as its own user
    root = Path(tempfile.mkdtemp(prefix="tp-dovecot-"))
    try:
        yield from _serve(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _serve(root: Path) -> Iterator[int]:
    user = pwd.getpwnam(MAIL_USER)
    os.chmod(root, 0o755)
    for folder in ("run", "state", "mail"):
        (root / folder).mkdir(parents=True)
    port = free_port()
    (root / "passwd").write_text(f"anna:{{PLAIN}}{PASSWORD}\n")
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(root=root, uid=user.pw_uid, gid=user.pw_gid, port=port)
    )
    box = mailbox.Maildir(root / "mail" / "anna", create=True)
    box.add(make_eml(message_id="<i1@x>", body="Where is order K-2024-0001?"))
    box.add(make_eml(message_id="<i2@x>", subject="Invoice", body="Invoice please"))
    box.close()
    for path in [root / "mail", *(root / "mail").rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)
    errors = root / "stderr.txt"
    with errors.open("w") as stderr:
        # -F: in the foreground, so the test owns the process and stops it
        server = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        _wait_for(port, server, errors)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for(port: int, server: subprocess.Popen[bytes], errors: Path) -> None:
    import socket

    for _ in range(100):
        if server.poll() is not None:
            skip_or_fail(f"dovecot did not start: {errors.read_text()[:300]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    skip_or_fail(f"dovecot did not listen on port {port}")


def _settings(home: Path, port: int, password_env: str = "TP_TEST_IMAP") -> None:
    (home / "service.toml").write_text(
        "[imap]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        'user = "anna"\n'
        "ssl = false\n"
        f'password_env = "{password_env}"\n'
    )


def test_messages_are_read_from_the_imap_mailbox_once(
    shop, home, imap_server, monkeypatch
):
    _settings(home, imap_server)
    monkeypatch.setenv("TP_TEST_IMAP", PASSWORD)

    first = import_messages(shop, home=home, imap=True, now=NOW)
    again = import_messages(shop, home=home, imap=True, now=NOW)

    assert (first["read"], first["added"]) == (2, 2)
    assert (again["read"], again["added"], again["duplicates"]) == (2, 0, 2)
    orders = sorted(m["order"] or "" for m in list_messages(shop)["messages"])
    assert orders == ["K-2024-0001", "K-2024-0001"]  # by number, then by e-mail


def test_a_wrong_imap_password_is_a_clear_error(shop, home, imap_server, monkeypatch):
    _settings(home, imap_server)
    monkeypatch.setenv("TP_TEST_IMAP", "wrong")

    with pytest.raises(ExternalServiceError, match=f"imap 127.0.0.1:{imap_server}"):
        import_messages(shop, home=home, imap=True, now=NOW)
