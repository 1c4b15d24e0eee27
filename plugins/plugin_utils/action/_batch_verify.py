# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many practices' checks in one controller process, at once but within bounds.

The probes are the mail_verify module's own (module_utils.probe._verify.verify); this only
schedules them. Providers throttle many logins from one address, so every connection
holds a slot of its server (host:port) and one of the whole batch while it lasts.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
from typing import Any, Dict, Iterator, Mapping, Optional, Sequence

from ansible_collections.mailops.mailconfig.plugins.module_utils._control_characters import ControlCharacterError
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import tls_context
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import summary, verify

DEFAULT_PER_SERVER = 4
DEFAULT_MAX_CONNECTIONS = 32


class Gates:
    """At most ``per_server`` connections to one host:port, and ``overall`` in all.

    A connection takes its server's slot first, then a batch slot: one waiting for a
    busy server does not hold a batch slot that a check of another server could use.
    """

    def __init__(self, overall: int, per_server: int) -> None:
        self._overall = threading.BoundedSemaphore(overall)
        self._per_server = per_server
        self._servers = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def __call__(self, host: str, port: int) -> Iterator[None]:
        key = ("%s" % host).lower(), int(port)
        with self._lock:
            server = self._servers.setdefault(key, threading.BoundedSemaphore(self._per_server))
        with server, self._overall:
            yield


def verify_many(declarations: Mapping[str, Dict[str, Any]], ca_path: Optional[str] = None, validate_certs: bool = True,
                timeout: float = 15, send_test_to: Optional[str] = None, plaintext_allowed_hosts: Sequence[str] = (),
                check_mode: bool = False, max_connections: int = DEFAULT_MAX_CONNECTIONS,
                per_server: int = DEFAULT_PER_SERVER) -> Dict[str, Dict[str, Any]]:
    """Check every normalised declaration of ``declarations`` (name -> declaration).

    Returns name -> the result mail_verify would return for it (``msg`` and
    ``warnings`` included). Raises _transport.CAPathError before any connection
    when ``ca_path`` is unusable.
    """
    context = tls_context(ca_path, validate_certs)
    gates = Gates(max_connections, per_server)

    def one(declaration):
        try:
            result, warnings = verify(declaration, ca_path=ca_path, validate_certs=validate_certs, timeout=timeout,
                                      send_test_to=send_test_to, plaintext_allowed_hosts=plaintext_allowed_hosts,
                                      check_mode=check_mode, gate=gates, context=context)
        except ControlCharacterError as exc:  # refused before any connection, as the module refuses it
            return {"ok": False, "msg": str(exc), "findings": []}
        result["msg"] = summary(result)
        result["warnings"] = warnings
        return result

    with concurrent.futures.ThreadPoolExecutor(max_workers=max_connections, thread_name_prefix="mail-verify") as pool:
        futures = {name: pool.submit(one, declaration) for name, declaration in declarations.items()}
        return {name: future.result() for name, future in futures.items()}
