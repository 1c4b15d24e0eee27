# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options every database store takes, and the TLS context it connects with (``tls``, ``tls_verify``, ``ca_path``).

Only a verified context (CA and host name) lets a database store send a password the server
could read or replay (docs/security.md); ``tls_verify: false`` encrypts without knowing who answers.
"""

import ssl
from typing import Dict, Optional


def store_options(**own: dict) -> Dict[str, dict]:
    """A database store's ``OPTIONS``: the connection options every one takes, with the store's ``own`` among them."""
    return dict(
        application=dict(type="str"),
        host=dict(type="str"),
        port=dict(type="int"),
        user=dict(type="str"),
        password=dict(type="str", no_log=True),
        database=dict(type="str"),
        **own,
        tls=dict(type="bool", default=True),
        tls_verify=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        connect_timeout=dict(type="float", default=10),
        backup_dir=dict(type="path"),
        profile=dict(type="dict"),
    )


def verified(context: object) -> bool:
    """Whether ``context`` checks the server's certificate and host name."""
    return isinstance(context, ssl.SSLContext) and context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def context(options: dict) -> Optional[ssl.SSLContext]:
    """The SSL context for the connection, or None with ``tls: false``."""
    if not options["tls"]:
        return None
    result = ssl.create_default_context(cafile=options.get("ca_path") or None)
    if not options["tls_verify"]:
        result.check_hostname = False
        result.verify_mode = ssl.CERT_NONE
    return result
