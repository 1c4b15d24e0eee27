# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the person who signs in for a practice gets: the page to open, the code to type, the time left.

One Markdown file per practice (to mail or print) and one HTML page for the batch. They
carry the user code, which is useless without the device code that never leaves this
program, and no secret: no device code, no token, no password.
"""

from __future__ import annotations

import html
import os
import time
from typing import Any, Iterable, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import Attributes

READABLE = Attributes(None, None, 0o644)


def _when(epoch):
    return time.strftime("%H:%M %Z on %d %b %Y", time.localtime(epoch))


def markdown(sign_in: Any, address: str) -> str:
    """The hand-out of one started DeviceSignIn."""
    return ("# Sign in for %s\n\n"
            "Microsoft needs the practice mailbox's own sign-in once, so that the practice application can keep "
            "sending after password login is switched off.\n\n"
            "1. On any computer or phone, open **%s**\n"
            "2. Type the code **%s**\n"
            "3. Sign in as **%s** and accept.\n\n"
            "The code works until %s. If it has expired, ask your IT provider for a new one.\n"
            % (sign_in.practice, sign_in.verification_uri, sign_in.user_code, address, _when(sign_in.expires_at)))


def write_markdown(folder: str, sign_in: Any, address: str) -> str:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "%s.md" % sign_in.practice)
    _atomic_file.write(path, markdown(sign_in, address).encode("utf-8"), READABLE)
    return path


def write_html(folder: str, rows: Iterable[Tuple[Any, str]]) -> str:
    """The batch page: ``rows`` are (sign_in, address) of the started sign-ins."""
    items = "\n".join(
        "<tr id=\"%s\"><td>%s</td><td>%s</td><td><a href=\"%s\">%s</a></td><td><code>%s</code></td><td>%s</td></tr>" % (
            html.escape(s.practice, True), html.escape(s.practice), html.escape(address), html.escape(s.verification_uri, True),
            html.escape(s.verification_uri), html.escape(s.user_code), html.escape(_when(s.expires_at)))
        for s, address in rows)
    page = ("<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>Microsoft sign-in codes</title>\n"
            "<h1>Microsoft sign-in codes</h1>\n<p>For each practice: open the page, type the code, sign in as the mailbox "
            "shown and accept.</p>\n<table>\n<tr><th>Practice</th><th>Sign in as</th><th>Page</th><th>Code</th>"
            "<th>Valid until</th></tr>\n%s\n</table>\n</html>\n" % items)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "index.html")
    _atomic_file.write(path, page.encode("utf-8"), READABLE)
    return path
