# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape of one check's result (outgoing, incoming, or the OAuth token request).

Every check reports the same fields, documented in mail_verify's RETURN and
docs/diagnoses.md, so the fleet summary and users read them one way.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time


def side(failure, protocol, host, port, security, stage, message, started, stages=(), address=None, tls=None,
         auth_mechanisms=(), auth_mechanism=None, server_response=None):
    """The result of one check; ``failure`` (a _diagnosis.Failure or None) decides status, code and hint."""
    return {
        "status": "failed" if failure else "ok",
        "protocol": protocol, "host": host, "port": port, "security": security,
        "address": address,
        "stage": stage,
        "code": failure.code if failure else None,
        "message": failure.message if failure else message,
        "hint": failure.hint if failure else None,
        "server_response": (failure.server_response if failure and failure.server_response else server_response),
        "tls": tls,
        "auth_mechanisms": list(auth_mechanisms),
        "auth_mechanism": auth_mechanism,
        "elapsed_ms": round((time.monotonic() - started) * 1000, 1) if started else 0.0,
        "stages": list(stages),
    }
