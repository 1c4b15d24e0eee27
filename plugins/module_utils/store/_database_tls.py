# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TLS context a database store connects with, from its ``tls``, ``tls_verify`` and ``ca_path`` options.

Only a verified context (CA and host name) lets a database store send a password the server
could read or replay (docs/security.md); ``tls_verify: false`` encrypts without knowing who answers.
"""

import ssl
from typing import Optional


def context(options: dict) -> Optional[ssl.SSLContext]:
    """The SSL context for the connection, or None with ``tls: false``."""
    if not options["tls"]:
        return None
    result = ssl.create_default_context(cafile=options.get("ca_path") or None)
    if not options["tls_verify"]:
        result.check_hostname = False
        result.verify_mode = ssl.CERT_NONE
    return result
