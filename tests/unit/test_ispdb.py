"""ISPDB (clientConfig XML) import and export, on the real ISPDB files and hand-written bad inputs."""

import dataclasses
import glob
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.mailops.mailconfig.plugins.module_utils._declaration_spec import secret_values
from ansible_collections.mailops.mailconfig.plugins.plugin_utils import _catalogue, _declaration, _ispdb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data", "ispdb")
DECLARATIONS = os.path.join(ROOT, "tests", "data", "declarations")
COMMAND = os.path.join(ROOT, "bin", "mailconfig-ispdb")
REAL = sorted(f for f in glob.glob(os.path.join(DATA, "*.xml")) if not os.path.basename(f).startswith(("bad-", "ok-")))

# file: (catalogue key it maps to, first SMTP (host, port, security), first IMAP (host, port, security))
EXPECTED = {
    "1und1.de.xml": ("1und1_de", ("smtp.1und1.de", 465, "tls"), ("imap.1und1.de", 993, "tls")),
    "btinternet.com.xml": ("btinternet_com", ("mail.btinternet.com", 465, "tls"), ("mail.btinternet.com", 993, "tls")),
    "googlemail.com.xml": ("gmail", ("smtp.gmail.com", 465, "tls"), ("imap.gmail.com", 993, "tls")),
    "hotmail.com.xml": ("outlook", ("smtp-mail.outlook.com", 587, "starttls"), ("outlook.office365.com", 993, "tls")),
    "office365.com.xml": ("office365", ("smtp.office365.com", 587, "starttls"), ("outlook.office365.com", 993, "tls")),
    "wildwestdomains.com.xml": ("godaddy", ("smtpout.secureserver.net", 465, "tls"), ("imap.secureserver.net", 993, "tls")),
    "yahoo.com.xml": ("yahoo", ("smtp.mail.yahoo.com", 465, "tls"), ("imap.mail.yahoo.com", 993, "tls")),
}

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


def test_the_real_files_are_all_here():
    assert sorted(EXPECTED) == [os.path.basename(f) for f in REAL]
    assert os.path.exists(os.path.join(DATA, "LICENSE"))


@pytest.mark.parametrize("path", REAL, ids=os.path.basename)
def test_real_file_imports(path):
    key, smtp, imap = EXPECTED[os.path.basename(path)]
    config = _ispdb.load(path)
    assert _ispdb.catalogue_key(config) == key
    assert (config.outgoing[0].host, config.outgoing[0].port, config.outgoing[0].security) == smtp
    first_imap = next(s for s in config.incoming if s.protocol == "imap")
    assert (first_imap.host, first_imap.port, first_imap.security) == imap
    assert all(s.username == "%EMAILADDRESS%" for s in config.incoming + config.outgoing)
    entry = _ispdb.to_catalogue_entry(config)
    assert entry["outgoing"] == dict(zip(("host", "port", "security"), smtp))
    assert entry["sources"] and entry["checked"]


@pytest.mark.parametrize("path", [p for p in REAL if EXPECTED[os.path.basename(p)][0] in _catalogue.providers()], ids=os.path.basename)
def test_real_file_agrees_with_our_catalogue(path):
    """Our catalogue's published servers match the ISPDB's, for every provider both describe."""
    config = _ispdb.load(path)
    key = _ispdb.catalogue_key(config)
    ours = _catalogue.provider(key)
    imported = _ispdb.to_catalogue_entry(config)
    assert imported["outgoing"] == ours["outgoing"]
    assert imported["incoming"]["imap"] == ours["incoming"]["imap"]
    assert {k: v for k, v in imported["incoming"]["pop3"].items() if k != "leave_copy_available"} == \
        {k: v for k, v in ours["incoming"]["pop3"].items() if k != "leave_copy_available"}


def test_malformed_placeholder_survives_with_a_warning():
    config = _ispdb.load(os.path.join(DATA, "office365.com.xml"))
    placeholder_warnings = [w for w in config.warnings if "without its closing '%'" in w]
    assert [w.split(":")[1] for w in placeholder_warnings] == ["29", "34"]
    assert all("read as %EMAILADDRESS%" in w for w in placeholder_warnings)
    assert config.skipped == ["ews", "owa", "graph", "exchange"]
    assert [s.auth for s in config.incoming + config.outgoing] == [("oauth2",)] * 3
    assert config.oauth2["token_endpoint"].endswith("/oauth2/v2.0/token")


def test_pop3_leave_messages_on_server():
    config = _ispdb.load(os.path.join(DATA, "googlemail.com.xml"))
    assert _ispdb.to_catalogue_entry(config)["incoming"]["pop3"]["leave_copy_available"] is True
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


@pytest.mark.parametrize("path", REAL, ids=os.path.basename)
def test_round_trip_through_export(path):
    config = _ispdb.load(path)
    text = _ispdb.to_xml(config)
    ET.fromstring(text.encode("utf-8"))  # well-formed for any XML reader
    again = _ispdb.parse(text, "exported")
    assert servers(again) == servers(config)
    assert again.domains == config.domains and again.provider_id == config.provider_id
    assert again.warnings == []
    assert _ispdb.to_xml(again) == text


@pytest.mark.parametrize("key", sorted(k for k, v in _catalogue.providers().items() if v.get("outgoing")))
def test_catalogue_provider_exports_and_reimports(key):
    entry = _catalogue.provider(key)
    config = _ispdb.parse(_ispdb.to_xml(_ispdb.from_catalogue(key, entry)), key)
    imported = _ispdb.to_catalogue_entry(config)
    assert imported["outgoing"] == entry["outgoing"]
    assert imported["incoming"] == entry["incoming"]
    assert set(imported["auth_methods"]) == {"password" if m == "app_password" else m for m in entry["auth_methods"]}
    assert config.domains and config.warnings == []


def test_unsupported_provider_does_not_export():
    with pytest.raises(_ispdb.ISPDBError, match="no longer supported since 2023-01-01"):
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
    settings = _ispdb.to_server_settings(config, protocol=normalised["incoming"]["protocol"], address=normalised["address"])
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
    return subprocess.run([sys.executable, COMMAND] + list(args), cwd=cwd or "/", env=env, capture_output=True, text=True, timeout=60, check=False)


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
    assert "'provider: gmail' fills these in" in done.stdout


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
    (("export", "btconnect"), "no longer supported"),
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
