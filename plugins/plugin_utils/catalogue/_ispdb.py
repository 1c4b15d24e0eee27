# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Thunderbird ISPDB (``clientConfig`` XML) import and export.

The ISPDB format is the lingua franca of mail client autoconfiguration: import
turns a file from the ISPDB (or a provider's ``autoconfig`` URL saved to disk)
into a provider catalogue entry or a declaration's server settings; export writes
a catalogue entry or a normalised declaration as a ``clientConfig`` file any
autoconfig-reading client understands. Both go through ``ClientConfig``.

The files come from the internet, so parsing is defensive with the standard
library alone: any DOCTYPE is refused the moment expat reports it, before a
single entity is declared or expanded (no "billion laughs", no external
entities), the input size is bounded, and every problem is an ``ISPDBError``
naming the file and line, never a traceback. Every value the importer passes on
(host names, ports, user name templates, names, domains) is checked the way the
declaration schema checks it, so nothing unusable reaches a catalogue entry or a
declaration. Data bugs that a client can read past (a ``%EMAILADDRESS``
placeholder without its closing ``%``, an unknown authentication method) become
warnings; so does what a client does but our verifier does not (CRAM-MD5).

A host name may be a template (``mail.%EMAILDOMAIN%``: each customer's own
domain). It is kept as a template, expanded only with the practice's address, and
cannot become a catalogue entry.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import re
import xml.etree.ElementTree as ET
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union
from xml.parsers import expat

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _schema

MAX_BYTES = 1 << 20  # the largest real ISPDB entries are a few kilobytes

SOCKET_TYPES = {"ssl": "tls", "starttls": "starttls", "plain": "none"}
EXPORT_SOCKET_TYPES = {"tls": "SSL", "starttls": "STARTTLS", "none": "plain"}
# ISPDB authentication values we can use; "plain" and "secure" are the format's old aliases.
AUTH_METHODS = {"password-cleartext": "password", "plain": "password", "password-encrypted": "password",
                "secure": "password", "oauth2": "oauth2", "none": "none"}
# Challenge-response methods (CRAM-MD5 and the like): a client hashes the password; our verifier does not.
HASHED_PASSWORD = ("password-encrypted", "secure")
EXPORT_AUTH = {"password": "password-cleartext", "oauth2": "OAuth2", "none": "none"}
PLACEHOLDERS = ("EMAILADDRESS", "EMAILLOCALPART", "EMAILDOMAIN", "REALNAME")
_PLACEHOLDER = re.compile(r"%([A-Z]+)(%?)")
_HOST_PLACEHOLDER = re.compile(r"%(EMAILDOMAIN|EMAILLOCALPART|EMAILADDRESS)%", re.I)
_PORT = re.compile(r"[0-9]{1,5}")  # ASCII digits only: '²' is a digit to str.isdigit(), not to a socket
_UNPRINTABLE = re.compile(r"[\x00-\x20\x7f-\x9f\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DOMAIN = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")


class ISPDBError(Exception):
    """A clientConfig file that cannot be used; the text names the file and line."""

    def __init__(self, source: str, line: int, message: str, hint: str = "") -> None:
        self.source, self.line, self.message, self.hint = source, line, message, hint
        super().__init__("%s%s: %s" % (source, (":%d" % line) if line else "", message))


@dataclasses.dataclass
class Server:
    """One incoming or outgoing server, in our words (``tls``, ``password`` ...)."""

    protocol: str  # imap | pop3 | smtp
    host: str
    port: int
    security: str  # tls | starttls | none
    auth: Tuple[str, ...] = ("password",)  # password | oauth2 | none, in the file's order
    username: str = "%EMAILADDRESS%"
    leave_copy: Optional[bool] = (
        None  # POP3 leaveMessagesOnServer, when the file says: a client setting, not a capability
    )
    line: int = 0

    @property
    def host_is_template(self) -> bool:
        """Whether the host name depends on the address (``mail.%EMAILDOMAIN%``)."""
        return "%" in self.host


@dataclasses.dataclass
class ClientConfig:
    """What a clientConfig file says that a mail account needs."""

    provider_id: str
    domains: List[str]
    display_name: str
    incoming: List[Server]
    outgoing: List[Server]
    oauth2: Optional[Dict[str, Any]] = None  # {token_endpoint, scopes} from <oAuth2>
    warnings: List[str] = dataclasses.field(default_factory=list)
    skipped: List[str] = dataclasses.field(default_factory=list)  # server types we do not configure (ews, owa, ...)
    name: str = ""  # the ISPDB file name without .xml (zoho.eu), which is unique in the ISPDB; "" for other input


class _Refused(Exception):
    pass


def _refuse(*unused):
    raise _Refused()


def _tree(data, source):
    """Element tree and element -> line map of ``data``, refusing DTDs."""
    if len(data) > MAX_BYTES:
        raise ISPDBError(
            source,
            0,
            "the file is larger than %d bytes; a clientConfig file is a few kilobytes" % MAX_BYTES,
            "Check that this is a clientConfig XML file.",
        )
    builder = ET.TreeBuilder()
    lines = {}
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse

    def start(tag, attributes):
        lines[builder.start(tag, attributes)] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except _Refused:
        raise ISPDBError(
            source,
            parser.CurrentLineNumber,
            "refused: the file declares a DTD (<!DOCTYPE ...>), which can define entities "
            "that expand to gigabytes or read local files",
            "clientConfig files never need a DTD; remove the DOCTYPE declaration if you trust the file.",
        ) from None
    except expat.ExpatError as exc:
        raise ISPDBError(
            source,
            exc.lineno,
            "malformed XML: %s (column %d)" % (expat.ErrorString(exc.code), exc.offset + 1),
            "Check that the file is complete, well-formed clientConfig XML.",
        ) from None
    except (
        LookupError,
        ValueError,
    ) as exc:  # expat asks the codec registry for the declared encoding; multi-byte ones it refuses
        raise ISPDBError(
            source,
            parser.CurrentLineNumber,
            "the XML declaration names an encoding XML readers here cannot use (%s)" % exc,
            'Declare encoding="UTF-8" in the first line, and save the file as UTF-8.',
        ) from None
    return builder.close(), lines


def _text(element, tag):
    child = element.find(tag)
    return (child.text or "").strip() if child is not None else ""


def _schema_field(*path):
    """The declaration schema's definition of one field (its pattern and maxLength judge what we import)."""
    node = _schema.schema()
    for part in path:
        node = node["properties"][part]
    return node


def _usable(value, node, printable_only=True):
    """Whether ``value`` passes the schema field ``node`` (length, pattern) and has no spaces or control characters."""
    if printable_only and _UNPRINTABLE.search(value):
        return False
    if len(value) > node.get("maxLength", len(value)):
        return False
    return not node.get("pattern") or re.search(node["pattern"], value) is not None


def _shown(value, limit=80):
    """``value`` quoted for a message, control characters escaped and long values cut."""
    text = repr(value[:limit])
    return text + ("..." if len(value) > limit else "")


def _host(text, what, source, line):
    """The host name, lower case with its placeholders kept upper case; ISPDBError when unusable."""
    host = _HOST_PLACEHOLDER.sub(lambda m: "%" + m.group(1).upper() + "%", text.lower())
    sample = _HOST_PLACEHOLDER.sub("example", host)
    if "%" in sample or not _usable(sample, _schema_field("outgoing", "host")):
        raise ISPDBError(source, line, "%s has host name %s, which is not a usable host name" % (what, _shown(text)),
                         "A host name has letters, digits, dots and hyphens only (placeholders: %EMAILDOMAIN%).")
    return host


def _username(text, source, line, warnings):
    """The username template with malformed known placeholders repaired (and a warning each)."""
    def repair(match):
        name, closed = match.group(1), match.group(2)
        if name not in PLACEHOLDERS:
            warnings.append(
                "%s:%d: unknown placeholder %s in username %r; kept as written" % (source, line, match.group(0), text)
            )
            return match.group(0)
        if not closed:
            warnings.append(
                "%s:%d: username %r has placeholder %%%s without its closing '%%'; read as %%%s%%"
                % (source, line, text, name, name)
            )
        return "%" + name + "%"

    template = _PLACEHOLDER.sub(repair, text or "%EMAILADDRESS%")
    if not _usable(template, _schema_field("username")):
        raise ISPDBError(
            source,
            line,
            "user name template %s has spaces, control characters or is too long" % _shown(text),
            "A user name template is the address or a placeholder like %EMAILLOCALPART%, on one line.",
        )
    return template


def _server(element, protocol, lines, source, warnings):
    line = lines.get(element, 0)
    what = "<%s type=\"%s\">" % (element.tag, protocol)
    host = _text(element, "hostname")
    if not host:
        raise ISPDBError(
            source, line, "%s has no <hostname>" % what, "Every IMAP, POP3 and SMTP server needs its host name."
        )
    host = _host(host, what, source, lines.get(element.find("hostname"), line))
    port_text = _text(element, "port")
    if not _PORT.fullmatch(port_text) or not 0 < int(port_text) < 65536:
        shown = ("port %s, not a number from 1 to 65535" % _shown(port_text, 20)) if port_text else "no <port>"
        raise ISPDBError(
            source, line, "%s has %s" % (what, shown), "Give the server's port, like 993, 995, 465 or 587."
        )
    socket_type = _text(element, "socketType")
    if socket_type.lower() not in SOCKET_TYPES:
        raise ISPDBError(
            source,
            line,
            "%s has %s"
            % (what, ("unknown socketType %s" % _shown(socket_type, 40)) if socket_type else "no <socketType>"),
            "Use SSL (implicit TLS), STARTTLS or plain.",
        )
    methods = []
    for auth in (a.text.strip() if a.text else "" for a in element.findall("authentication")):
        ours = AUTH_METHODS.get(auth.lower())
        if ours is None:
            warnings.append(
                "%s:%d: %s authentication %s is not supported here; ignored" % (source, line, what, _shown(auth, 40))
            )
        elif auth.lower() in HASHED_PASSWORD:
            warnings.append(
                "%s:%d: %s asks for %s (CRAM-MD5-style, the password hashed); our verifier logs in with PLAIN or "
                "LOGIN inside TLS only (the password protected by TLS, not hashed): a server that offers nothing "
                "else fails with auth_mechanism_unavailable" % (source, line, what, auth)
            )
        if ours is not None and ours not in methods:
            methods.append(ours)
    if not methods:
        warnings.append(
            "%s:%d: %s names no authentication method supported here; assuming password" % (source, line, what)
        )
        methods = ["password"]
    leave = _text(element, "pop3/leaveMessagesOnServer").lower()
    return Server(protocol, host, int(port_text), SOCKET_TYPES[socket_type.lower()], tuple(methods),
                  _username(_text(element, "username"), source, lines.get(element.find("username"), line), warnings),
                  {"true": True, "false": False}.get(leave), line)


def parse(data: Union[bytes, str], source: str = "<clientConfig>") -> ClientConfig:
    """Read clientConfig XML ``data`` (bytes or str) into a ClientConfig; ISPDBError when unusable."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    root, lines = _tree(data, source)
    if root.tag != "clientConfig":
        raise ISPDBError(source, lines.get(root, 0), "the root element is <%s>, not <clientConfig>" % root.tag,
                         "Give a Thunderbird ISPDB / autoconfig file.")
    providers = root.findall("emailProvider")
    if not providers:
        raise ISPDBError(
            source, lines.get(root, 0), "<clientConfig> has no <emailProvider>", "Give a complete ISPDB entry."
        )
    provider = providers[0]
    warnings, skipped = [], []
    if len(providers) > 1:
        warnings.append(
            "%s:%d: only the first of %d <emailProvider> elements is read"
            % (source, lines.get(providers[1], 0), len(providers))
        )
    incoming, outgoing = [], []
    for element in provider:
        kind = element.get("type", "")
        if element.tag not in ("incomingServer", "outgoingServer"):
            continue
        if (element.tag, kind) in (("incomingServer", "imap"), ("incomingServer", "pop3"), ("outgoingServer", "smtp")):
            (incoming if element.tag == "incomingServer" else outgoing).append(
                _server(element, kind, lines, source, warnings)
            )
        else:
            skipped.append(kind or element.tag)
            _username(
                _text(element, "username"), source, lines.get(element.find("username"), lines.get(element, 0)), warnings
            )
    if not outgoing:
        raise ISPDBError(source, lines.get(provider, 0), "<emailProvider> has no <outgoingServer type=\"smtp\">",
                         "A practice needs an SMTP server to send; this file cannot configure one.")
    oauth2 = None
    block = root.find("oAuth2")
    if block is not None and _text(block, "tokenURL"):
        endpoint = _text(block, "tokenURL")
        if not endpoint.startswith("https://") or not _usable(
            endpoint, _schema_field("auth", "oauth2", "token_endpoint")
        ):
            raise ISPDBError(
                source,
                lines.get(block, 0),
                "<oAuth2> has token URL %s, not a usable https:// URL" % _shown(endpoint),
                "Give the provider's https:// token endpoint, or remove the <oAuth2> block.",
            )
        oauth2 = {"token_endpoint": endpoint, "scopes": _text(block, "scope").split()}
    domains = []
    for element in provider.findall("domain"):
        domain = (element.text or "").strip().lower()
        if domain and not _DOMAIN.fullmatch(domain):
            warnings.append(
                "%s:%d: <domain> %s is not a domain name; ignored" % (source, lines.get(element, 0), _shown(domain))
            )
        elif domain:
            domains.append(domain)
    provider_id = provider.get("id", "") or (domains[0] if domains else "")
    if not re.fullmatch(r"[A-Za-z0-9._-]{0,253}", provider_id):
        raise ISPDBError(
            source,
            lines.get(provider, 0),
            "<emailProvider id=...> %s is not a domain-like name" % _shown(provider_id),
            "The id is the provider's main domain, like example.com.",
        )
    display_name = " ".join((_text(provider, "displayName") or provider_id).split())
    if not _usable(display_name, _schema_field("display_name"), printable_only=False) or _CONTROL.search(display_name):
        warnings.append(
            "%s:%d: <displayName> is too long or has control characters; the id is used instead"
            % (source, lines.get(provider, 0))
        )
        display_name = provider_id
    name = os.path.basename(source)[:-len(".xml")] if source.endswith(".xml") else ""
    return ClientConfig(provider_id, domains, display_name, incoming, outgoing, oauth2, warnings, skipped, name)


def load(path: str) -> ClientConfig:
    """Read and parse one clientConfig file; an unreadable file is an ISPDBError too."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ISPDBError(
            path, 0, "cannot read the file: %s" % (exc.strerror or exc), "Check the path and its permissions."
        ) from None
    return parse(data, path)


# --- import: to our catalogue and declaration shapes ---------------------------

def _settings(server):
    return {"host": server.host, "port": server.port, "security": server.security}


def _first(servers, protocol):
    return next((s for s in servers if s.protocol == protocol), None)


def _key(text):
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def catalogue_key(config: ClientConfig) -> str:
    """The key the file's entry goes under: the catalogue provider it describes, else one of its own.

    The file describes a catalogue provider when they share an address domain (or, for
    files that list MX hosts as domains, an MX pattern). Sharing servers is not enough:
    umich.edu uses Gmail's servers but is not Gmail. Otherwise the key is the ISPDB
    file name (unique there: zoho.eu.xml is zoho_eu, zoho.in.xml zoho_in), or the
    provider id; a made-up key never takes a catalogue key that means something else.
    """
    domains = set(config.domains)
    own = _catalogue.providers().get(config.provider_id) or {}
    if config.provider_id in _catalogue.live_keys() and domains <= set(own.get("domains") or ()) | set(
        own.get("mx_patterns") or ()
    ):
        return config.provider_id  # exported from our catalogue (a provider without address domains of its own)
    for field in ("domains", "mx_patterns"):
        for key in _catalogue.live_keys():
            if domains & set(_catalogue.providers()[key].get(field) or ()):
                return key
    key = _key(config.name or config.provider_id) or "imported"
    return key + "_imported" if key in _catalogue.providers() else key


def servers_of(config: ClientConfig) -> Optional[str]:
    """The catalogue provider whose published servers these are (SMTP host first), or None."""
    for key in _catalogue.live_keys():
        if config.outgoing[0].host in _catalogue.published_hosts(key):
            return key
    return None


def _refuse_templates(config, why):
    for server in config.incoming + config.outgoing:
        if server.host_is_template:
            raise ISPDBError(
                config.name or config.provider_id,
                server.line,
                "the %s host name is %s, a template that depends on the "
                "address; %s" % (server.protocol.upper(), server.host, why),
                "Import it for one practice: --as declaration --address ADDRESS.",
            )


def to_catalogue_entry(config: ClientConfig, today: Optional[datetime.date] = None) -> Dict[str, Any]:
    """A data/providers.yml entry (without its key) for ``config``.

    ``leaveMessagesOnServer`` is a client setting in the file, not a statement that the
    provider keeps a copy, so it never becomes ``leave_copy_available``.
    """
    _refuse_templates(config, "a catalogue entry needs the same host for every customer")
    entry = {"name": config.display_name, "outgoing": _settings(config.outgoing[0])}
    incoming = {}
    for protocol in ("imap", "pop3"):
        server = _first(config.incoming, protocol)
        if server:
            incoming[protocol] = _settings(server)
    if incoming:
        entry["incoming"] = incoming
    methods = []
    for server in config.outgoing[:1] + config.incoming:
        methods.extend(m for m in server.auth if m != "none" and m not in methods)
    entry["auth_methods"] = methods or ["password"]
    entry["domains"] = list(config.domains)
    if config.oauth2:
        entry["oauth2"] = dict(config.oauth2)
    title = "Thunderbird ISPDB %s" % ((config.name + ".xml") if config.name else (config.provider_id or "clientConfig"))
    entry["sources"] = [
        {
            "url": "",
            "title": title + " (imported; add the page's address)",
            "values": sorted(_catalogue.fact_paths(entry)),
        }
    ]
    entry["checked"] = (today or datetime.date.today()).isoformat()
    return entry


def _expand(template, address):
    local, domain = address.rpartition("@")[::2]
    return (
        template.replace("%EMAILADDRESS%", address).replace("%EMAILLOCALPART%", local).replace("%EMAILDOMAIN%", domain)
    )


def to_server_settings(
    config: ClientConfig, protocol: Optional[str] = None, address: Optional[str] = None
) -> Dict[str, Any]:
    """The ``outgoing``/``incoming`` (and, when the file asks for another, ``username``) of a declaration.

    ``protocol`` picks the incoming server (default: IMAP when offered, else POP3);
    ``address`` expands host name templates (an ISPDBError without it) and a username
    template other than the address itself (without it, a warning in ``config.warnings``).
    """
    if address is not None and not re.fullmatch(_schema_field("address")["pattern"], address):
        raise ISPDBError(
            "--address",
            0,
            "%s is not a bare email address" % _shown(address),
            "Give the practice's address, like reception@example.co.uk.",
        )
    if not address:
        _refuse_templates(config, "give the practice's address to expand it")
    outgoing = config.outgoing[0]
    settings = {"outgoing": dict(_settings(outgoing), host=_expand(outgoing.host, address or "").lower())}
    server = _first(config.incoming, protocol or "imap") or (None if protocol else _first(config.incoming, "pop3"))
    if server:
        settings["incoming"] = dict(
            _settings(server), host=_expand(server.host, address or "").lower(), enabled=True, protocol=server.protocol
        )
        if server.protocol == "pop3" and server.leave_copy:
            settings["incoming"]["leave_copy_on_server"] = True
    template = outgoing.username
    if template != "%EMAILADDRESS%":
        if address and "%REALNAME%" not in template:
            settings["username"] = _expand(template, address)
        else:
            config.warnings.append(
                "the provider's username is %s, not the address; set username in the declaration" % _shown(template)
            )
    return settings


# --- export: catalogue entries and declarations as clientConfig ---------------

def from_catalogue(key: str, entry: Mapping[str, Any]) -> ClientConfig:
    """The ClientConfig of catalogue provider ``key``."""
    if not entry.get("outgoing"):
        why = " (no longer usable from applications)" if entry.get("unsupported") else ""
        raise ISPDBError("data/providers.yml", 0, "provider %s has no servers to export%s" % (key, why),
                         entry.get("unsupported_hint", "Pick a provider with published servers."))
    methods = []
    for method in entry.get("auth_methods") or ["password"]:
        ours = "password" if method == "app_password" else method
        if ours not in methods:
            methods.append(ours)
    incoming = []
    for protocol in ("imap", "pop3"):
        published = (entry.get("incoming") or {}).get(protocol)
        if published:
            incoming.append(
                Server(
                    protocol,
                    published["host"],
                    published["port"],
                    published["security"],
                    tuple(methods),
                    leave_copy=True if published.get("leave_copy_available") else None,
                )
            )
    outgoing = [
        Server(
            "smtp", entry["outgoing"]["host"], entry["outgoing"]["port"], entry["outgoing"]["security"], tuple(methods)
        )
    ]
    # Thunderbird looks files up by address domain and by MX host: a provider of customers' own
    # domains is found by its MX patterns, and its id is then the catalogue key, so the file
    # imports back under the same key even where another product shares the MX hosts.
    domains = list(entry.get("domains") or [])
    provider_id = domains[0] if domains else key
    return ClientConfig(
        provider_id, domains or list(entry.get("mx_patterns") or []), entry.get("name", key), incoming, outgoing
    )


def from_declaration(decl: Mapping[str, Any]) -> ClientConfig:
    """The ClientConfig of a normalised declaration: its servers, never its secrets."""
    local, domain = decl["address"].rpartition("@")[::2]
    username = {decl["address"]: "%EMAILADDRESS%", local: "%EMAILLOCALPART%"}.get(decl["username"], decl["username"])
    method = decl["auth"]["method"]
    outgoing = decl["outgoing"]
    servers = [Server("smtp", outgoing["host"], outgoing["port"], outgoing["security"],
                      (method if outgoing["authenticate"] else "none",), username)]
    incoming = decl["incoming"]
    inbound = []
    if incoming["enabled"]:
        leave = incoming["leave_copy_on_server"] if incoming["protocol"] == "pop3" else None
        inbound.append(
            Server(
                incoming["protocol"],
                incoming["host"],
                incoming["port"],
                incoming["security"],
                (method,),
                username,
                leave,
            )
        )
    return ClientConfig(domain, [domain], decl.get("display_name") or domain, inbound, servers)


def _server_element(parent, tag, server):
    element = ET.SubElement(parent, tag, type=server.protocol)
    ET.SubElement(element, "hostname").text = server.host
    ET.SubElement(element, "port").text = str(server.port)
    ET.SubElement(element, "socketType").text = EXPORT_SOCKET_TYPES[server.security]
    ET.SubElement(element, "username").text = server.username
    for method in server.auth:
        ET.SubElement(element, "authentication").text = EXPORT_AUTH[method]
    if server.protocol == "pop3" and server.leave_copy is not None:
        pop3 = ET.SubElement(element, "pop3")
        ET.SubElement(pop3, "leaveMessagesOnServer").text = "true" if server.leave_copy else "false"


def to_xml(config: ClientConfig) -> str:
    """``config`` as clientConfig 1.1 XML text (UTF-8 declaration, two-space indent).

    No ``<oAuth2>`` block: Thunderbird needs its authorisation URL, which the
    catalogue does not hold, and knows the big providers' endpoints itself.
    """
    root = ET.Element("clientConfig", version="1.1")
    provider = ET.SubElement(root, "emailProvider", id=config.provider_id)
    for domain in config.domains:
        ET.SubElement(provider, "domain").text = domain
    ET.SubElement(provider, "displayName").text = config.display_name
    ET.SubElement(provider, "displayShortName").text = config.display_name
    for server in config.incoming:
        _server_element(provider, "incomingServer", server)
    for server in config.outgoing:
        _server_element(provider, "outgoingServer", server)
    ET.indent(root, "  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
