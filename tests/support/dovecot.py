"""A real IMAP server for a test: Debian's Dovecot, started in the foreground with a
configuration of the test's own (loopback only, one user, mail in a temporary folder),
stopped at the end. It runs as root and drops privileges to the dovecot user, as the
packaged server does."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.smtp import free_port

USER = "bounces"
PASSWORD = "bounce-mailbox-password"
START_SECONDS = 15.0
_CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def dovecot_binary() -> str:
    found = shutil.which("dovecot") or ("/usr/sbin/dovecot" if
                                        os.access("/usr/sbin/dovecot", os.X_OK) else None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("dovecot is missing; .ci/run installs Debian's dovecot-imapd")
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    if os.geteuid() != 0:
        pytest.skip("the Dovecot test runs as root: Dovecot drops privileges to its user")
    return found


@contextmanager
def dovecot() -> Iterator[int]:
    """A running Dovecot; yields its IMAP port. Its folder is outside pytest's temporary
    folders, which only root may enter, so that the dovecot user can reach its mail."""
    binary = dovecot_binary()
    root = Path(tempfile.mkdtemp(prefix="reconnect-dovecot-"))
    try:
        with _running(binary, root) as port:
            yield port
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _running(binary: str, root: Path) -> Iterator[int]:
    port = free_port()
    for folder in ("run", "state", "mail", "home"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    shutil.chown(root / "mail", "dovecot", "dovecot")
    shutil.chown(root / "home", "dovecot", "dovecot")
    root.chmod(0o755)
    config = root / "dovecot.conf"
    config.write_text(_CONFIG.format(root=root, port=port, password=PASSWORD))
    with (root / "output.log").open("wb") as output:
        process = subprocess.Popen([binary, "-F", "-c", str(config)], stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                logs = [(root / name).read_text() for name in ("output.log", "dovecot.log")
                        if (root / name).exists()]
                raise AssertionError("Dovecot did not start:\n" + "\n".join(logs))
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            return sock.recv(64).startswith(b"* OK")
    except OSError:
        return False
