# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of the ``declaration`` option shared by mail_account and mail_verify.

The controller-side action plugins validate and normalise the declaration before
the module runs; this spec is the target's own type check of that result, and it
marks the secret fields ``no_log`` so Ansible masks their values in every output.
The documentation half lives in plugins/doc_fragments/declaration.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

SECURITY_CHOICES = ["tls", "starttls", "none"]

SECRET_FIELDS = (("auth", "password"), ("auth", "oauth2", "client_secret"), ("auth", "oauth2", "refresh_token"))

DECLARATION_OPTIONS = dict(
    schema_version=dict(type="int", required=True),
    address=dict(type="str", required=True),
    display_name=dict(type="str"),
    provider=dict(type="str", required=True),
    username=dict(type="str"),
    auth=dict(type="dict", required=True, options=dict(
        method=dict(type="str", required=True, choices=["password", "oauth2"]),
        password=dict(type="str", no_log=True),
        oauth2=dict(type="dict", options=dict(
            tenant=dict(type="str"),
            token_endpoint=dict(type="str", no_log=False),
            client_id=dict(type="str"),
            client_secret=dict(type="str", no_log=True),
            refresh_token=dict(type="str", no_log=True),
            scopes=dict(type="list", elements="str"),
        )),
    )),
    outgoing=dict(type="dict", options=dict(
        host=dict(type="str"),
        port=dict(type="int"),
        security=dict(type="str", choices=SECURITY_CHOICES),
        authenticate=dict(type="bool"),
        allow_plaintext_login=dict(type="bool"),
    )),
    incoming=dict(type="dict", options=dict(
        enabled=dict(type="bool"),
        protocol=dict(type="str", choices=["imap", "pop3"]),
        host=dict(type="str"),
        port=dict(type="int"),
        security=dict(type="str", choices=SECURITY_CHOICES),
        leave_copy_on_server=dict(type="bool"),
        acknowledge_mail_removal=dict(type="bool"),
        allow_plaintext_login=dict(type="bool"),
    )),
    sending=dict(type="dict", options=dict(rate_per_minute=dict(type="int"))),
    practice=dict(type="dict", options=dict(update_contact_email=dict(type="bool"))),
    lint=dict(type="dict", options=dict(ignore=dict(type="list", elements="str"))),
)

DECLARATION_ARGUMENT = dict(type="dict", required=True, options=DECLARATION_OPTIONS)


def secret_values(declaration):
    """The non-empty secret strings of a normalised declaration, for scrubbing free text."""
    values = []
    for path in SECRET_FIELDS:
        node = declaration
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if node:
            values.append(node)
    return values
