"""ISPDB (clientConfig XML) import and export, on the real ISPDB files and hand-written bad inputs."""

import dataclasses
import glob
import os
import subprocess
import sys
import re
import time
import xml.etree.ElementTree as ET

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.mailops.mailconfig.plugins.module_utils._declaration_spec import secret_values
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue, _ispdb
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _declaration
from tests.paths import REPO_ROOT

ROOT = REPO_ROOT
DATA = os.path.join(ROOT, "tests", "data", "ispdb")
DECLARATIONS = os.path.join(ROOT, "tests", "data", "declarations")
COMMAND = os.path.join(ROOT, "bin", "mailconfig-ispdb")
REAL = sorted(f for f in glob.glob(os.path.join(DATA, "*.xml")) if not os.path.basename(f).startswith(("bad-", "ok-")))
ISPDB_COMMIT_URL = "https://github.com/thunderbird/autoconfig/blob/c6ad79659b5fc321d1593ec4c277815b83e5dec5/ispdb/"
HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")

# file: (catalogue key it maps to, first SMTP (host, port, security), first IMAP (host, port, security))
EXPECTED = {
    "1und1.de.xml": ("ionos_de", ("smtp.1und1.de", 465, "tls"), ("imap.1und1.de", 993, "tls")),
    "btinternet.com.xml": ("btinternet", ("mail.btinternet.com", 465, "tls"), ("mail.btinternet.com", 993, "tls")),
    "googlemail.com.xml": ("gmail", ("smtp.gmail.com", 465, "tls"), ("imap.gmail.com", 993, "tls")),
    "hotmail.com.xml": ("outlook", ("smtp-mail.outlook.com", 587, "starttls"), ("outlook.office365.com", 993, "tls")),
    "office365.com.xml": ("office365", ("smtp.office365.com", 587, "starttls"), ("outlook.office365.com", 993, "tls")),
    "wildwestdomains.com.xml": (
        "godaddy",
        ("smtpout.secureserver.net", 465, "tls"),
        ("imap.secureserver.net", 993, "tls"),
    ),
    "yahoo.com.xml": ("yahoo", ("smtp.mail.yahoo.com", 465, "tls"), ("imap.mail.yahoo.com", 993, "tls")),
    "aol.com.xml": ("aol", ("smtp.aol.com", 465, "tls"), ("imap.aol.com", 993, "tls")),
    "me.com.xml": ("icloud", ("smtp.mail.me.com", 587, "starttls"), ("imap.mail.me.com", 993, "tls")),
    "zoho.eu.xml": ("zoho_eu", ("smtp.zoho.eu", 465, "tls"), ("imap.zoho.eu", 993, "tls")),
    "zoho.com.xml": ("zoho_us", ("smtp.zoho.com", 465, "tls"), ("imap.zoho.com", 993, "tls")),
    "zoho.in.xml": ("zoho_in", ("smtp.zoho.in", 465, "tls"), ("imap.zoho.in", 993, "tls")),
    "umich.edu.xml": ("umich_edu", ("smtp.gmail.com", 465, "tls"), ("imap.gmail.com", 993, "tls")),
    "messagingengine.com.xml": ("fastmail", ("smtp.fastmail.com", 465, "tls"), ("imap.fastmail.com", 993, "tls")),
}

# ISPDB files whose host names are templates of the address's domain: no catalogue entry, a declaration with --address.
TEMPLATE_HOSTS = {"inbox.lv.xml", "mail.ee.xml", "mx1.tiki.ne.jp.xml", "pop.shibata.ne.jp.xml"}

# file: (line, words the message must contain)
BAD = {
    "bad-malformed.xml": (8, "malformed XML: mismatched tag"),
    "bad-socket-type.xml": (5, "unknown socketType 'TLS1.3'"),
    "bad-missing-hostname.xml": (5, "has no <hostname>"),
    "bad-port.xml": (5, "port 'submission', not a number"),
    "bad-no-smtp.xml": (3, "no <outgoingServer type=\"smtp\">"),
    "bad-xml-bomb.xml": (2, "refused: the file declares a DTD"),
    "bad-external-entity.xml": (2, "refused: the file declares a DTD"),
    "bad-undefined-entity.xml": (5, "undefined entity"),
    "bad-wrong-root.xml": (2, "root element is <html>"),
    "bad-empty.xml": (1, "no element found"),
    "bad-binary.xml": (1, "malformed XML"),
}


def servers(config):
    return [dataclasses.replace(s, line=0) for s in config.incoming + config.outgoing]


def test_the_whole_ispdb_is_here():
    assert len(REAL) == 163
    assert set(EXPECTED) <= {os.path.basename(f) for f in REAL}
    assert os.path.exists(os.path.join(DATA, "LICENSE"))


def test_every_ispdb_file_imports_or_is_refused_with_a_reason():
    """All 163 files: usable hosts and ports, unique keys, a stable export/import round trip; refusals name why."""
    keys, refused = {}, {}
    for path in REAL:
        name = os.path.basename(path)
        config = _ispdb.load(path)
        for server in config.incoming + config.outgoing:
            assert HOST.fullmatch(server.host.replace("%EMAILDOMAIN%", "example.org")), (name, server.host)
            assert 0 < server.port < 65536 and server.security in ("tls", "starttls", "none")
            assert not re.search(r"\s", server.username), (name, server.username)
        key = _ispdb.catalogue_key(config)
        assert re.fullmatch(r"[a-z0-9_]+", key) and key not in keys, (name, key, keys.get(key))
        keys[key] = name
        try:
            entry = _ispdb.to_catalogue_entry(config)
        except _ispdb.ISPDBError as exc:
            refused[name] = str(exc)
            assert "template" in str(exc) and exc.hint
            continue
        assert "leave_copy_available" not in str(entry)
        text = _ispdb.to_xml(config)
        ET.fromstring(text.encode("utf-8"))  # well-formed for any XML reader
        again = _ispdb.parse(text, "exported")
        assert servers(again) == servers(config), name
        assert _ispdb.to_xml(again) == text, name
        assert _ispdb.catalogue_key(again) in (key, _ispdb.catalogue_key(dataclasses.replace(config, name=""))), name
    assert set(refused) == TEMPLATE_HOSTS


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_known_file_imports(name):
    key, smtp, imap = EXPECTED[name]
    config = _ispdb.load(os.path.join(DATA, name))
    assert _ispdb.catalogue_key(config) == key
    assert (config.outgoing[0].host, config.outgoing[0].port, config.outgoing[0].security) == smtp
    first_imap = next(s for s in config.incoming if s.protocol == "imap")
    assert (first_imap.host, first_imap.port, first_imap.security) == imap
    entry = _ispdb.to_catalogue_entry(config)
    assert entry["outgoing"] == dict(zip(("host", "port", "security"), smtp))
    assert entry["sources"][0]["title"].startswith("Thunderbird ISPDB %s" % name) and entry["checked"]
    assert not _catalogue.unsourced(entry)


def _read_from_ispdb(key, field):
    """The ISPDB file our catalogue read ``field`` of ``key`` from, if it did."""
    for source in _catalogue.providers()[key]["sources"]:
        if source["url"].startswith(ISPDB_COMMIT_URL) and field in source["values"]:
            return source["url"][len(ISPDB_COMMIT_URL):]
    return None


READ_FROM_ISPDB = sorted((key, field, _read_from_ispdb(key, field)) for key in _catalogue.live_keys()
                         for field in ("outgoing", "incoming.imap", "incoming.pop3") if _read_from_ispdb(key, field))


@pytest.mark.parametrize("key, field, name", READ_FROM_ISPDB, ids=["%s-%s" % case[:2] for case in READ_FROM_ISPDB])
def test_catalogue_agrees_with_the_ispdb_file_it_cites(key, field, name):
    """Every server our catalogue says it read from an ISPDB file is that file's first server of the kind."""
    imported = _ispdb.to_catalogue_entry(_ispdb.load(os.path.join(DATA, name)))
    ours = _catalogue.provider(key)
    if field == "outgoing":
        assert imported["outgoing"] == ours["outgoing"]
    else:
        protocol = field.split(".")[1]
        assert imported["incoming"][protocol] == {
            k: v for k, v in ours["incoming"][protocol].items() if k != "leave_copy_available"
        }


def test_template_host_names_need_the_address():
    config = _ispdb.load(os.path.join(DATA, "inbox.lv.xml"))
    assert {s.host for s in config.incoming + config.outgoing} == {"mail.%EMAILDOMAIN%"}
    with pytest.raises(_ispdb.ISPDBError, match="template") as caught:
        _ispdb.to_server_settings(config)
    assert "--address" in caught.value.hint
    settings = _ispdb.to_server_settings(config, address="reception@Smiles-Dental.example")
    assert settings["outgoing"]["host"] == "mail.smiles-dental.example"
    assert settings["incoming"]["host"] == "mail.smiles-dental.example"
    with pytest.raises(_ispdb.ISPDBError, match="not a bare email address"):
        _ispdb.to_server_settings(config, address="Smiles <reception@smiles.example>")


def test_cram_md5_servers_are_explained():
    config = _ispdb.load(os.path.join(DATA, "naver.com.xml"))
    assert any("password-encrypted" in w and "PLAIN or LOGIN inside TLS" in w and "auth_mechanism_unavailable" in w
               for w in config.warnings)


def test_exported_providers_import_under_their_own_key():
    """nhsmail shares Exchange Online's servers and godaddy_m365 its MX hosts: both come back as themselves."""
    for key in _catalogue.live_keys():
        config = _ispdb.parse(_ispdb.to_xml(_ispdb.from_catalogue(key, _catalogue.provider(key))), "exported")
        assert _ispdb.catalogue_key(config) == key


HOSTILE = {
    "utf7.xml": ('<?xml version="1.0" encoding="UTF-7"?><clientConfig/>', 1, "encoding"),
    "superscript-port.xml": (None, 5, "port '\u00b2', not a number"),
    "huge-port.xml": (None, 5, "not a number from 1 to 65535"),
    "space-host.xml": (None, 6, "host name 'smtp.example.com evil', which is not a usable host name"),
    "newline-host.xml": (None, 6, "host name 'smtp.example.com\\nX-Injected: 1'"),
    "newline-username.xml": (None, 9, "user name template '%EMAILADDRESS%\\nDELE 1' has spaces, control characters"),
    "http-token-url.xml": (None, 12, "not a usable https:// URL"),
}
SERVER = ('<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1">\n <emailProvider id="example.com">\n'
          '  <domain>example.com</domain>\n  <outgoingServer type="smtp">\n   <hostname>{host}</hostname>\n'
          '   <port>{port}</port>\n   <socketType>SSL</socketType>\n   <username>{user}</username>\n'
          '  </outgoingServer>\n </emailProvider>\n <oAuth2><tokenURL>{token}</tokenURL></oAuth2>\n</clientConfig>\n')


def _hostile(name):
    fields = {"host": "smtp.example.com", "port": "465", "user": "%EMAILADDRESS%", "token": "https://login.example.com/token"}
    fields.update(
        {
            "superscript-port.xml": {"port": "\u00b2"},
            "huge-port.xml": {"port": "9" * 100000},
            "space-host.xml": {"host": "smtp.example.com evil"},
            "newline-host.xml": {"host": "smtp.example.com\nX-Injected: 1"},
            "newline-username.xml": {"user": "%EMAILADDRESS%\nDELE 1"},
            "http-token-url.xml": {"token": "http://login.example.com/token"},
        }.get(name, {})
    )
    return SERVER.format(**fields)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_one_clear_error(name):
    text, line, words = HOSTILE[name]
    with pytest.raises(_ispdb.ISPDBError) as caught:
        _ispdb.parse((text or _hostile(name)).encode("utf-8"), name)
    assert words in str(caught.value) and caught.value.line == line and caught.value.hint
    assert len(str(caught.value)) < 400


def test_malformed_placeholder_survives_with_a_warning():
    config = _ispdb.load(os.path.join(DATA, "office365.com.xml"))
    placeholder_warnings = [w for w in config.warnings if "without its closing '%'" in w]
    assert [w.split(":")[1] for w in placeholder_warnings] == ["29", "34"]
    assert all("read as %EMAILADDRESS%" in w for w in placeholder_warnings)
    assert config.skipped == ["ews", "owa", "graph", "exchange"]
    assert [s.auth for s in config.incoming + config.outgoing] == [("oauth2",)] * 3
    assert config.oauth2["token_endpoint"].endswith("/oauth2/v2.0/token")


def test_pop3_leave_messages_on_server_is_a_client_setting():
    config = _ispdb.load(os.path.join(DATA, "googlemail.com.xml"))
    assert _ispdb.to_catalogue_entry(config)["incoming"]["pop3"] == {
        "host": "pop.gmail.com",
        "port": 995,
        "security": "tls",
    }
    settings = _ispdb.to_server_settings(config, protocol="pop3")
    assert settings["incoming"] == {"host": "pop.gmail.com", "port": 995, "security": "tls", "enabled": True,
                                    "protocol": "pop3", "leave_copy_on_server": True}
    assert _ispdb.to_catalogue_entry(config)["auth_methods"] == ["oauth2", "password"]


def test_username_templates_encodings_and_unsupported_auth():
    config = _ispdb.load(os.path.join(DATA, "ok-username-template.xml"))
    assert config.display_name == "Zahnarztpraxis Müller"
    assert config.incoming[0].host == "imap.praxis.example"
    assert config.incoming[1].username == "%EMAILLOCALPART%@%EMAILDOMAIN%"
    assert config.incoming[1].leave_copy is False
    assert config.outgoing[1].auth == ("none",) and config.outgoing[1].security == "none"
    text = "\n".join(config.warnings)
    for expected in ("'NTLM' is not supported", "'GSSAPI' is not supported", "assuming password",
                     "%EMAILDOMAIN without its closing '%'", "unknown placeholder %MAILBOXID%"):
        assert expected in text
    assert _ispdb.to_server_settings(config, address="anna@praxis.example")["username"] == "anna"
    before = len(config.warnings)
    assert "username" not in _ispdb.to_server_settings(config)
    assert "set username in the declaration" in config.warnings[before]


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_one_clear_error(name):
    line, words = BAD[name]
    path = os.path.join(DATA, name)
    with pytest.raises(_ispdb.ISPDBError) as caught:
        _ispdb.load(path)
    assert caught.value.line == line
    assert words in str(caught.value)
    assert str(caught.value).startswith("%s:%d: " % (path, line))
    assert caught.value.hint


def test_xml_bomb_is_refused_before_any_expansion():
    start = time.monotonic()
    with pytest.raises(_ispdb.ISPDBError, match="DTD"):
        _ispdb.load(os.path.join(DATA, "bad-xml-bomb.xml"))
    assert time.monotonic() - start < 0.5


def test_oversized_and_unreadable_inputs(tmp_path):
    with pytest.raises(_ispdb.ISPDBError, match="larger than"):
        _ispdb.parse(b"<clientConfig>" + b" " * _ispdb.MAX_BYTES + b"</clientConfig>", "big.xml")
    with pytest.raises(_ispdb.ISPDBError, match="cannot read the file"):
        _ispdb.load(str(tmp_path / "missing.xml"))
    with pytest.raises(_ispdb.ISPDBError, match="cannot read the file"):
        _ispdb.load(str(tmp_path))


@pytest.mark.parametrize("key", sorted(k for k, v in _catalogue.providers().items() if v.get("outgoing")))
def test_catalogue_provider_exports_and_reimports(key):
    entry = _catalogue.provider(key)
    config = _ispdb.parse(_ispdb.to_xml(_ispdb.from_catalogue(key, entry)), key)
    imported = _ispdb.to_catalogue_entry(config)
    assert imported["outgoing"] == entry["outgoing"]
    assert imported["incoming"] == {
        p: {k: v for k, v in server.items() if k != "leave_copy_available"} for p, server in entry["incoming"].items()
    }
    assert set(imported["auth_methods"]) == {"password" if m == "app_password" else m for m in entry["auth_methods"]}
    assert config.domains and config.warnings == []


def test_unsupported_provider_does_not_export():
    with pytest.raises(_ispdb.ISPDBError, match="no longer usable from applications"):
        _ispdb.from_catalogue("btconnect", _catalogue.provider("btconnect"))


def ok_declarations():
    return sorted(glob.glob(os.path.join(DECLARATIONS, "ok-*.yml")))


@pytest.mark.parametrize("path", ok_declarations(), ids=os.path.basename)
def test_declaration_exports_its_servers_and_no_secret(path):
    normalised = _declaration.check_file(path).normalised
    assert normalised is not None
    text = _ispdb.to_xml(_ispdb.from_declaration(normalised))
    for secret in secret_values(normalised):
        assert secret not in text
    config = _ispdb.parse(text, "exported")
    settings = _ispdb.to_server_settings(
        config, protocol=normalised["incoming"]["protocol"], address=normalised["address"]
    )
    assert settings["outgoing"] == {k: normalised["outgoing"][k] for k in ("host", "port", "security")}
    if normalised["incoming"]["enabled"]:
        expected = {k: normalised["incoming"][k] for k in ("host", "port", "security", "enabled", "protocol")}
        if normalised["incoming"]["leave_copy_on_server"]:
            expected["leave_copy_on_server"] = True
        assert settings["incoming"] == expected
    else:
        assert "incoming" not in settings
    assert settings.get("username", normalised["address"]) == normalised["username"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_real_files_give_an_error_or_a_config_never_a_traceback(data):
    original = open(data.draw(st.sampled_from(REAL)), "rb").read()
    start = data.draw(st.integers(0, len(original)))
    end = data.draw(st.integers(start, min(len(original), start + 200)))
    junk = data.draw(st.binary(max_size=20))
    try:
        config = _ispdb.parse(original[:start] + junk + original[end:], "damaged.xml")
    except _ispdb.ISPDBError as exc:
        assert str(exc).startswith("damaged.xml")
    else:
        assert config.outgoing


def run_command(*args, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, COMMAND] + list(args),
        cwd=cwd or "/",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_command_import_prints_a_catalogue_entry_and_warnings():
    done = run_command("import", os.path.join(DATA, "office365.com.xml"))
    assert done.returncode == 0, done.stderr
    document = yaml.safe_load(done.stdout)
    assert document["providers"]["office365"]["outgoing"] == _catalogue.provider("office365")["outgoing"]
    assert done.stderr.count("warning:") == 2 and "without its closing '%'" in done.stderr


def test_command_import_as_declaration_settings():
    done = run_command("import", os.path.join(DATA, "1und1.de.xml"), "--as", "declaration", "--protocol", "pop3")
    assert done.returncode == 0, done.stderr
    document = yaml.safe_load(done.stdout)
    assert document["provider"] == "other"
    assert document["incoming"]["protocol"] == "pop3" and document["incoming"]["host"] == "pop.1und1.de"
    done = run_command("import", os.path.join(DATA, "googlemail.com.xml"), "--as", "declaration")
    assert "'provider: gmail' fills them in" in done.stdout
    done = run_command("import", os.path.join(DATA, "umich.edu.xml"), "--as", "declaration")
    assert "catalogue provider gmail's servers" in done.stdout


def test_command_import_quotes_the_file_name_and_needs_the_address_for_templates(tmp_path):
    odd = tmp_path / "evil\nproviders:\n  x: 1 #.xml"
    odd.write_bytes(open(os.path.join(DATA, "yahoo.com.xml"), "rb").read())
    done = run_command("import", str(odd))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith('# Imported from "evil\\nproviders')
    assert list(yaml.safe_load(done.stdout)["providers"]) == ["yahoo"]
    done = run_command("import", os.path.join(DATA, "mail.ee.xml"), "--as", "declaration")
    assert done.returncode == 1 and "template" in done.stderr and "--address" in done.stderr and done.stdout == ""
    done = run_command(
        "import", os.path.join(DATA, "mail.ee.xml"), "--as", "declaration", "--address", "kliinik@hambaarst.ee"
    )
    assert done.returncode == 0 and yaml.safe_load(done.stdout)["outgoing"]["host"] == "hambaarst.ee"


def test_command_export_provider_and_declaration(tmp_path):
    out = tmp_path / "gmail.xml"
    done = run_command("export", "gmail", "--output", str(out))
    assert done.returncode == 0 and done.stdout == ""
    assert _ispdb.load(str(out)).outgoing[0].host == "smtp.gmail.com"
    path = os.path.join(DECLARATIONS, "ok-vault-password.yml")
    done = run_command("export", path)
    assert done.returncode == 0, done.stderr
    normalised = _declaration.check_file(path).normalised
    assert _ispdb.parse(done.stdout).outgoing[0].host == normalised["outgoing"]["host"]
    for secret in secret_values(normalised):
        assert secret not in done.stdout + done.stderr


@pytest.mark.parametrize("args, words", [
    (("import", os.path.join(DATA, "bad-xml-bomb.xml")), "refused: the file declares a DTD"),
    (("import", os.path.join(DATA, "bad-socket-type.xml")), "unknown socketType"),
    (("import", "/nonexistent/file.xml"), "cannot read the file"),
    (("export", "btconnect"), "no longer usable"),
    (("export", "no-such-provider"), "neither a provider key nor a declaration file"),
    (("export", os.path.join(DECLARATIONS, "bad-btconnect.yml")), "MC301"),
])
def test_command_errors_are_clear(args, words):
    done = run_command(*args)
    assert done.returncode == 1
    assert words in done.stderr and "hint:" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_command_usage_error():
    done = run_command("frobnicate")
    assert done.returncode == 2 and "usage:" in done.stderr
