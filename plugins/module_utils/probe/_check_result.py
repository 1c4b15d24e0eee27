# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape of one check's result (outgoing, incoming, or the OAuth token request).

Every check reports the same fields, documented in mail_verify's RETURN and
docs/diagnoses.md, so the fleet summary and users read them one way.
"""

import time
from typing import Optional, Sequence

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure


def side(
    failure: Optional[Failure],
    protocol: Optional[str],
    host: Optional[str],
    port: Optional[int],
    security: Optional[str],
    stage: Optional[str],
    message: Optional[str],
    started: Optional[float],
    stages: Sequence[dict] = (),
    address: Optional[str] = None,
    tls: Optional[dict] = None,
    auth_mechanisms: Sequence[str] = (),
    auth_mechanism: Optional[str] = None,
    server_response: Optional[str] = None,
) -> dict:
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
