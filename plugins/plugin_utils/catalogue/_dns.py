# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small DNS resolver facade over dnspython, for the controller.

Provider detection and the sender checks ask a handful of questions per domain.
This facade makes the resolver configurable (server and port, timeout, offline
mode: by argument or environment), asks each question once per run, and turns
dnspython's many exceptions into one error type whose ``kind`` says what happened.

Under Ansible every task of every host runs in a forked worker, so an in-memory
cache alone would ask again for each host. Answers are therefore also kept as
small JSON files in a run directory (Ansible's per-run local temp dir, removed
when the run ends), with a lock per question so parallel workers wait for the
first one instead of asking too.
"""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import json
import os
import sys
import tempfile
from typing import Any, List, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.plugin_utils._install_hint import install_hint

try:
    import dns.exception
    import dns.name
    import dns.resolver
except ImportError as exc:  # reported as a failed lookup, with the fix
    dns = None
    DNSPYTHON_IMPORT_ERROR = exc
else:
    DNSPYTHON_IMPORT_ERROR = None

ENV_SERVER = "MAILCONFIG_DNS_SERVER"
ENV_TIMEOUT = "MAILCONFIG_DNS_TIMEOUT"
ENV_OFFLINE = "MAILCONFIG_OFFLINE"
ENV_CACHE_DIR = "MAILCONFIG_DNS_CACHE_DIR"
DEFAULT_TIMEOUT = 5.0
_TRUE = ("1", "true", "yes", "on")


class DNSConfigError(ValueError):
    """The resolver settings (option or environment variable) are not usable."""


class DNSLookupError(Exception):
    """A DNS question without a usable answer.

    ``kind`` is one of ``nxdomain`` (the name does not exist), ``no_answer`` (it
    exists but has no record of that type), ``timeout``, ``failure`` (SERVFAIL,
    REFUSED, a malformed name, no resolver configured) or ``offline``.
    """

    def __init__(self, kind, name, rdtype, message, hint=""):
        super().__init__(message)
        self.kind = kind
        self.name = name
        self.rdtype = rdtype
        self.message = message
        self.hint = hint

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "rdtype": self.rdtype, "message": self.message, "hint": self.hint}


def parse_servers(text: str) -> List[Tuple[str, int]]:
    """``[(address, port)]`` from ``"127.0.0.1:5353"``, ``"[::1]:53"``, ``"::1"`` or a comma-separated list."""
    servers = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        host, port = item, 53
        if item.startswith("["):
            host, rest = item[1:].partition("]")[::2]
            if rest:
                port = rest[1:] if rest.startswith(":") else None
        elif item.count(":") == 1:
            host, port = item.split(":")
        try:
            address = str(ipaddress.ip_address(host))
            port = int(port)
            if not 0 < port < 65536:
                raise ValueError(port)
        except (TypeError, ValueError):
            raise DNSConfigError(
                "DNS server %r is not an IP address with an optional port (like 127.0.0.1:5353 or [::1]:53)" % item
            ) from None
        servers.append((address, port))
    if not servers:
        raise DNSConfigError("no DNS server given in %r" % text)
    return servers


def parse_timeout(value: Any) -> float:
    try:
        timeout = float(value)
    except (TypeError, ValueError):
        timeout = 0.0
    if not timeout > 0:
        raise DNSConfigError("DNS timeout %r is not a positive number of seconds" % (value,))
    return timeout


def ansible_run_dir() -> Optional[str]:
    """Ansible's per-run local temp dir when we run inside Ansible, else None.

    Only looks at an already imported ``ansible.constants``, so the command-line
    tools never pay for importing Ansible.
    """
    constants = sys.modules.get("ansible.constants")
    return getattr(constants, "DEFAULT_LOCAL_TMP", None)


def _convert(rdtype, rdata):
    """A JSON-friendly value for one record."""
    if rdtype == "MX":
        return [int(rdata.preference), _host(rdata.exchange)]
    if rdtype == "TXT":
        return b"".join(rdata.strings).decode("utf-8", "replace")
    if rdtype == "SRV":
        return [int(rdata.priority), int(rdata.weight), int(rdata.port), _host(rdata.target)]
    return rdata.to_text()


def _host(name):
    """Lower-case host name without the final dot; the root (a null MX or SRV target) is "."."""
    text = name.to_text(omit_final_dot=True).lower()
    return "." if text in (".", "@", "") else text


class Resolver:
    """Ask DNS questions with the configured server, timeout and cache.

    Arguments win over the environment (``MAILCONFIG_DNS_SERVER``,
    ``MAILCONFIG_DNS_TIMEOUT``, ``MAILCONFIG_OFFLINE``, ``MAILCONFIG_DNS_CACHE_DIR``);
    without a server the system's resolver configuration is used.
    """

    def __init__(self, servers=None, timeout=None, offline=None, cache_dir=None, environ=None):
        env = os.environ if environ is None else environ
        servers = servers if servers is not None else env.get(ENV_SERVER) or None
        self.servers = parse_servers(servers) if isinstance(servers, str) else servers
        self.timeout = parse_timeout(timeout if timeout is not None else env.get(ENV_TIMEOUT, DEFAULT_TIMEOUT))
        self.offline = offline if offline is not None else env.get(ENV_OFFLINE, "").strip().lower() in _TRUE
        self.cache_dir = cache_dir or env.get(ENV_CACHE_DIR) or None
        self._memory = {}
        self._resolver = None

    def describe(self) -> str:
        """Where questions go, for messages."""
        if self.offline:
            return "nowhere (offline mode)"
        if not self.servers:
            return "the system resolver"
        return ", ".join("%s port %d" % server for server in self.servers)

    def mx(self, domain: str) -> List[list]:
        """``[[preference, host], ...]`` by preference; a null MX (RFC 7505) has host "."."""
        return sorted(self._answer(domain, "MX"))

    def txt(self, name: str) -> List[str]:
        """Every TXT record at ``name``, each with its strings joined."""
        return self._answer(name, "TXT")

    def srv(self, name: str) -> List[list]:
        """``[[priority, weight, port, target], ...]``, lowest priority, then highest weight first."""
        return sorted(self._answer(name, "SRV"), key=lambda r: (r[0], -r[1]))

    def _answer(self, name, rdtype):
        name = name.strip().rstrip(".").lower()
        if self.offline:
            raise DNSLookupError(
                "offline",
                name,
                rdtype,
                "DNS lookups are turned off (%s=1), so %s %s was not asked" % (ENV_OFFLINE, name, rdtype),
                "Unset %s (or the task's offline option) to allow DNS lookups." % ENV_OFFLINE,
            )
        key = "%s %s %s" % (name, rdtype, self.describe())
        if key not in self._memory:
            self._memory[key] = self._shared(key, lambda: self._ask(name, rdtype))
        outcome = self._memory[key]
        if "error" in outcome:
            raise DNSLookupError(**outcome["error"])
        return [list(r) if isinstance(r, list) else r for r in outcome["records"]]

    def _shared(self, key, ask):
        """Run ``ask`` once per run: under a lock, through a file other processes can read."""
        if not self.cache_dir:
            return ask()
        folder = os.path.join(self.cache_dir, "mailconfig-dns")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, hashlib.sha256(key.encode("utf-8")).hexdigest() + ".json")
        with open(path + ".lock", "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                with open(path, encoding="utf-8") as handle:
                    return json.load(handle)
            except (OSError, ValueError):
                pass
            outcome = ask()
            handle = tempfile.NamedTemporaryFile("w", dir=folder, delete=False, encoding="utf-8")
            with handle:
                json.dump(outcome, handle)
            os.replace(handle.name, path)
            return outcome

    def _dnspython(self):
        if self._resolver is None:
            if self.servers:
                resolver = dns.resolver.Resolver(configure=False)
                resolver.nameservers = [server[0] for server in self.servers]
                resolver.nameserver_ports = dict(self.servers)
            else:
                resolver = dns.resolver.Resolver()
            resolver.timeout = self.timeout
            resolver.lifetime = self.timeout
            self._resolver = resolver
        return self._resolver

    def _ask(self, name, rdtype):
        """``{"records": [...]}`` or ``{"error": {...}}`` for one question, never an exception."""
        def error(kind, message, hint=""):
            return {"error": {"kind": kind, "name": name, "rdtype": rdtype, "message": message, "hint": hint}}

        if dns is None:
            return error(
                "failure",
                "the Python library dnspython is not installed on the controller (%s)" % DNSPYTHON_IMPORT_ERROR,
                "Install dnspython into the Python that runs Ansible: %s." % install_hint(["dnspython"]),
            )
        try:
            answer = self._dnspython().resolve(dns.name.from_text(name), rdtype, search=False)
        except dns.resolver.NXDOMAIN:
            return error(
                "nxdomain",
                "%s does not exist (NXDOMAIN)" % name,
                "Check the spelling of the domain; it is not registered or not published.",
            )
        except dns.resolver.NoAnswer:
            return error("no_answer", "%s has no %s record" % (name, rdtype))
        except dns.exception.Timeout:
            return error(
                "timeout",
                "no answer for %s %s from %s within %g s" % (name, rdtype, self.describe(), self.timeout),
                "Check the network and the DNS server (%s), or raise %s." % (ENV_SERVER, ENV_TIMEOUT),
            )
        except dns.resolver.NoNameservers:
            return error(
                "failure",
                "%s could not answer for %s %s (SERVFAIL or REFUSED)" % (self.describe(), name, rdtype),
                "The domain's DNS is broken or the server refuses the question; check the domain's name servers or %s."
                % ENV_SERVER,
            )
        except dns.resolver.NoResolverConfiguration:
            return error(
                "failure",
                "no DNS resolver is configured on this machine",
                "Set %s (for example 9.9.9.9 or 127.0.0.1:5353)." % ENV_SERVER,
            )
        except dns.exception.DNSException as exc:
            return error("failure", "cannot ask for %s %s: %s" % (name, rdtype, exc), "Check the domain name.")
        return {"records": [_convert(rdtype, rdata) for rdata in answer]}


_SHARED = {}


def shared_resolver(servers: Optional[str] = None, timeout: Optional[float] = None, offline: Optional[bool] = None,
                    cache_dir: Optional[str] = None) -> Resolver:
    """The process's resolver for these settings, so repeated calls share its cache.

    Inside Ansible the cache also spans the run's forked workers (see the module
    docstring); elsewhere set ``MAILCONFIG_DNS_CACHE_DIR`` to get the same.
    """
    cache_dir = cache_dir or os.environ.get(ENV_CACHE_DIR) or ansible_run_dir()
    probe = Resolver(servers, timeout, offline, cache_dir)
    key = (tuple(probe.servers or ()), probe.timeout, probe.offline, probe.cache_dir)
    return _SHARED.setdefault(key, probe)
