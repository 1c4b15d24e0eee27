# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a probe may connect: the TLS context, time limits, the plaintext policy and the gate.

Kept apart from ``_verify`` (which runs the probes) so that the probes can name it without
importing the module that imports them.
"""

import contextlib
import ssl
from typing import Any, Callable, ContextManager, Iterable, Mapping, Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import Channel, Deadline

Gate = Callable[[str, int, Optional[Deadline]], ContextManager[Any]]  # see Settings.gate


class Settings:
    """The module options as the probes need them."""

    def __init__(
        self,
        context: ssl.SSLContext,
        timeout: float,
        plaintext_allowed_hosts: Iterable[str] = (),
        send_test_to: Optional[str] = None,
        sender: Optional[str] = None,
        display_name: Optional[str] = None,
        check_mode: bool = False,
        deadline: Optional[Deadline] = None,
        gate: Optional[Gate] = None,
    ) -> None:
        self.context = context
        # gate(host, port, deadline): a context manager held around every connection to that server (a batch bounds
        # them); it raises a Failure when no connection may start before the deadline.
        self.gate = gate or _ungated
        self.timeout = timeout
        self.deadline = deadline
        self.plaintext_allowed_hosts = {host.lower() for host in plaintext_allowed_hosts}
        self.send_test_to = send_test_to
        self.sender = sender
        self.display_name = display_name
        self.check_mode = check_mode

    def refuse_plaintext(self, channel: Channel, server: Mapping[str, Any], where: str) -> None:
        """Raise plaintext_refused unless the channel is encrypted or plaintext is explicitly allowed."""
        if channel.tls is not None:
            return
        if server["security"] == "none" and server["host"].lower() in self.plaintext_allowed_hosts:
            return
        why = (
            " (security: none, and the host is not in plaintext_allowed_hosts)" if server["security"] == "none" else ""
        )
        raise Failure("plaintext_refused", "logging in to %s would send the credentials unencrypted%s" % (where, why))


def _ungated(host: str, port: int, deadline: Optional[Deadline] = None) -> ContextManager[None]:
    del host, port, deadline
    return contextlib.nullcontext()
