# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many practices' checks in one controller process, at once but within bounds.

The probes are the mail_verify module's own (module_utils.probe._verify.verify); this only
schedules them. Providers throttle many logins from one address, so every connection
holds a slot of its server (host:port) and one of the whole batch while it lasts. A check
waits for a slot no longer than its own deadline: a dead server delays nobody else.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
from typing import Any, Dict, Iterator, Mapping, Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils._control_characters import ControlCharacterError
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import (
    CAPathError,
    Deadline,
    tls_context,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import summary, verify

DEFAULT_PER_SERVER = 4
DEFAULT_MAX_CONNECTIONS = 32
# The options of mail_verify that a practice of a batch may set for itself.
OPTIONS = ("ca_path", "validate_certs", "timeout", "deadline", "send_test_to", "plaintext_allowed_hosts")
_DEADLINE_HINT = ("every connection slot of this server stayed busy until the check's deadline: the server (or the "
                  "checks of other practices queued on it) is slow or does not answer; see the other practices on it")


class Gates:
    """At most ``per_server`` connections to one host:port, and ``overall`` in all.

    A connection takes its server's slot first, then a batch slot: one waiting for a
    busy server does not hold a batch slot that a check of another server could use.
    A check waits for either only until its own deadline, then fails ``timeout``.
    """

    def __init__(self, overall: int, per_server: int) -> None:
        self._overall = threading.BoundedSemaphore(overall)
        self._per_server = per_server
        self._servers = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def __call__(self, host: str, port: int, deadline: Optional[Deadline] = None) -> Iterator[None]:
        key = ("%s" % host).lower(), int(port)
        with self._lock:
            server = self._servers.setdefault(key, threading.BoundedSemaphore(self._per_server))
        with _held(server, deadline, "%s:%s" % key), _held(self._overall, deadline, "%s:%s" % key):
            yield


@contextlib.contextmanager
def _held(slot: threading.BoundedSemaphore, deadline: Optional[Deadline], where: str) -> Iterator[None]:
    if not slot.acquire(timeout=max(deadline.left(), 0) if deadline else None):
        raise Failure("timeout", "%s: the check's deadline passed while it waited for a connection slot" % where,
                      hint=_DEADLINE_HINT)
    try:
        yield
    finally:
        slot.release()


def verify_many(declarations: Mapping[str, Dict[str, Any]], own: Optional[Mapping[str, Mapping[str, Any]]] = None,
                check_mode: bool = False, max_connections: int = DEFAULT_MAX_CONNECTIONS,
                per_server: int = DEFAULT_PER_SERVER, **options: Any) -> Dict[str, Dict[str, Any]]:
    """Check every normalised declaration of ``declarations`` (name -> declaration).

    ``options`` (the OPTIONS of mail_verify) apply to every practice, except where
    ``own`` (name -> options) gives a practice's own. Returns name -> the result
    mail_verify would return for it (``msg`` and ``warnings`` included); a practice
    whose ca_path is unusable fails alone, before connecting, as the module does.
    """
    gates = Gates(max_connections, per_server)
    contexts = {}
    lock = threading.Lock()

    def context_for(ca_path, validate_certs):
        with lock:  # one TLS context per CA and verification choice, as loading a CA bundle is not free
            if (ca_path, validate_certs) not in contexts:
                contexts[ca_path, validate_certs] = tls_context(ca_path, validate_certs)
            return contexts[ca_path, validate_certs]

    def one(name, declaration):
        settings = dict(options, **(own or {}).get(name, {}))
        try:
            context = context_for(settings.get("ca_path"), settings.get("validate_certs", True))
            result, warnings = verify(declaration, check_mode=check_mode, gate=gates, context=context, **settings)
        except (CAPathError, ControlCharacterError) as exc:  # refused before any connection, as the module refuses it
            return {"ok": False, "msg": str(exc), "findings": []}
        result["msg"] = summary(result)
        result["warnings"] = warnings
        return result

    with concurrent.futures.ThreadPoolExecutor(max_workers=max_connections, thread_name_prefix="mail-verify") as pool:
        futures = {name: pool.submit(one, name, declaration) for name, declaration in declarations.items()}
        return {name: future.result() for name, future in futures.items()}
