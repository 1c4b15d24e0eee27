"""Provider detection and the DNS facade against a real authoritative DNS server (Knot DNS).

The resolver is pointed at the servers by configuration only: ``Resolver(servers=...)``
or the ``MAILCONFIG_DNS_SERVER`` environment variable.
"""

import os
import subprocess
import sys
import time

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _detect, _dns

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "dns"))
# pylint: disable-next=unused-import,wrong-import-position
from dns_server import counting_dns, knot, silent_dns  # noqa: E402,F401

COLLECTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, ".venv", "collections")


@pytest.fixture
def resolver(knot):
    return _dns.Resolver(environ={"MAILCONFIG_DNS_SERVER": knot.address, "MAILCONFIG_DNS_TIMEOUT": "3"})


@pytest.mark.parametrize(
    "address, provider, rule, seen",
    [
        (
            "reception@m365.test",
            "office365",
            "mx",
            "MX 0 m365-test.mail.protection.outlook.com matches office365's MX patterns",
        ),
        ("reception@workspace.test", "gmail", "mx", "MX 1 smtp.google.com matches gmail's MX patterns"),
        ("reception@GoDaddy.Test", "godaddy", "mx", "MX 0 smtp.secureserver.net matches godaddy's MX patterns"),
        ("reception@srv365.test", "office365", "srv", "smtp.office365.com is office365's published server"),
        ("reception@srvonly.test", "other", "srv", "the SRV hosts are not in the provider catalogue"),
        ("reception@godaddy365.test", "godaddy_m365", "mx", "SPF include:secureserver.net is godaddy_m365's"),
        ("reception@ionosuk.test", "ionos_uk", "mx", "MX 10 mx00.ionos.co.uk matches ionos_uk's MX patterns"),
        ("reception@ionosde.test", "ionos_de", "mx", "MX 10 mx00.ionos.de matches ionos_de's MX patterns"),
        ("reception@aolmx.test", "aol", "mx", "MX 1 mx-aol.mail.gm0.yahoodns.net matches aol's MX patterns"),
        ("reception@yahoomx.test", "yahoo", "mx", "MX 1 mta5.am0.yahoodns.net matches yahoo's MX patterns"),
    ],
)
def test_detected_from_dns(resolver, address, provider, rule, seen):
    detection = _detect.detect_provider(address, resolver)
    assert (detection.provider, detection.rule) == (provider, rule)
    assert seen in detection.evidence


def test_srv_records_give_the_servers(resolver):
    detection = _detect.detect_provider("reception@srvonly.test", resolver)
    assert detection.servers == {
        "outgoing": {"host": "mail.srvonly.test", "port": 465, "security": "tls"},
        "incoming": {"host": "mail.srvonly.test", "port": 993, "security": "tls", "protocol": "imap"},
    }
    assert "SRV _pop3s._tcp.srvonly.test: target '.' (service not offered)" in detection.evidence
    assert detection.as_dict()["evidence"][0] == "srvonly.test has no MX record"
    srv365 = _detect.detect_provider("reception@srv365.test", resolver)
    assert srv365.servers["outgoing"] == {"host": "smtp.office365.com", "port": 587, "security": "starttls"}


def test_catalogue_domains_need_no_dns():
    offline = _dns.Resolver(offline=True)
    detection = _detect.detect_provider("smiles.dental@GMAIL.com", offline)
    assert (detection.provider, detection.rule) == ("gmail", "catalogue-domain")
    assert _detect.detect_provider("practice@nhs.net", offline).provider == "nhsmail"
    assert (
        _detect.detect_provider("frontdesk@aol.co.uk", offline).provider == "aol"
    )  # not Yahoo, whose MX hosts AOL shares
    assert _detect.detect_provider("surgery@btinternet.com", offline).provider == "btinternet"
    assert _detect.detect_provider("clinic@hotmail.fr", offline).provider == "outlook"


@pytest.mark.parametrize("address, words", [
    ("reception@nomx.test", "nomx.test has no MX record; and no RFC 6186 SRV records"),
    ("reception@nullmx.test", "null MX"),
    ("reception@unknownmx.test", "MX 10 mx.unknownmx.test (no catalogue MX pattern)"),
    ("reception@gone.test", "the domain does not exist (NXDOMAIN)"),
])
def test_undecidable_domains_ask_for_an_explicit_provider(resolver, address, words):
    with pytest.raises(_detect.DetectionError) as caught:
        _detect.detect_provider(address, resolver)
    assert words in caught.value.message
    assert "Set provider explicitly (one of office365" in caught.value.hint
    assert "btconnect" not in caught.value.hint
    finding = caught.value.finding()
    assert (finding.code, finding.severity, finding.path) == ("MC650", "error", "provider")


@pytest.mark.parametrize("address", ["no-at-sign", "@m365.test", "someone@localhost"])
def test_not_an_address(resolver, address):
    with pytest.raises(_detect.DetectionError, match="is not an email address"):
        _detect.detect_provider(address, resolver)


def test_timeout_is_a_clear_error_within_the_limit(silent_dns):
    resolver = _dns.Resolver(servers=silent_dns.address, timeout=0.5)
    start = time.monotonic()
    with pytest.raises(_detect.DetectionError) as caught:
        _detect.detect_provider("reception@m365.test", resolver)
    assert time.monotonic() - start < 2
    assert "no answer for m365.test MX from 127.0.0.1 port %d within 0.5 s" % silent_dns.port in caught.value.message
    assert "MAILCONFIG_DNS_SERVER" in caught.value.hint and "Set provider explicitly" in caught.value.hint


def test_offline_mode_makes_auto_an_error_with_that_hint(knot):
    resolver = _dns.Resolver(environ={"MAILCONFIG_DNS_SERVER": knot.address, "MAILCONFIG_OFFLINE": "1"})
    with pytest.raises(_detect.DetectionError) as caught:
        _detect.detect_provider("reception@m365.test", resolver)
    assert "DNS lookups are turned off (MAILCONFIG_OFFLINE=1)" in caught.value.message
    assert "Unset MAILCONFIG_OFFLINE" in caught.value.hint


def test_each_question_is_asked_once(counting_dns):
    resolver = _dns.Resolver(servers=counting_dns.address, timeout=3)
    for name in ("reception", "accounts", "dr.smith"):
        assert _detect.detect_provider(name + "@srvonly.test", resolver).provider == "other"
    assert counting_dns.counts[("srvonly.test", "MX")] == 1
    assert counting_dns.counts[("_submissions._tcp.srvonly.test", "SRV")] == 1
    assert set(counting_dns.counts.values()) == {1}


def test_negative_answers_and_timeouts_are_cached_too(silent_dns, counting_dns):
    resolver = _dns.Resolver(servers=counting_dns.address, timeout=3)
    for attempt in range(3):  # pylint: disable=unused-variable
        with pytest.raises(_detect.DetectionError):
            _detect.detect_provider("reception@gone.test", resolver)
    assert counting_dns.counts[("gone.test", "MX")] == 1
    silent = _dns.Resolver(servers=silent_dns.address, timeout=0.3)
    with pytest.raises(_dns.DNSLookupError):
        silent.mx("m365.test")
    start = time.monotonic()
    with pytest.raises(_dns.DNSLookupError) as caught:
        silent.mx("m365.test")
    assert caught.value.kind == "timeout" and time.monotonic() - start < 0.05


def test_the_cache_spans_processes_through_a_cache_dir(counting_dns, tmp_path):
    """Forked Ansible workers share answers the same way: a file per question, under a lock."""
    script = ("from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _detect; "
              "print(_detect.detect_provider('reception@m365.test').provider)")
    env = dict(
        os.environ,
        PYTHONPATH=COLLECTIONS,
        MAILCONFIG_DNS_SERVER=counting_dns.address,
        MAILCONFIG_DNS_CACHE_DIR=str(tmp_path),
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True) for run in range(3)
    ]
    assert [run.communicate(timeout=60)[0].strip() for run in runs] == ["office365"] * 3
    # the SPF record tells Microsoft 365 from Microsoft 365 from GoDaddy, which share MX hosts
    assert counting_dns.counts == {("m365.test", "MX"): 1, ("m365.test", "TXT"): 1}


def test_dns_errors_have_kinds(resolver):
    with pytest.raises(_dns.DNSLookupError) as caught:
        resolver.mx("gone.test")
    assert caught.value.kind == "nxdomain" and "NXDOMAIN" in caught.value.message
    with pytest.raises(_dns.DNSLookupError) as caught:
        resolver.mx("ns.test")
    assert caught.value.kind == "no_answer" and caught.value.message == "ns.test has no MX record"
    with pytest.raises(_dns.DNSLookupError) as caught:
        resolver.mx("example.org")  # outside the server's zone: REFUSED
    assert caught.value.kind == "failure" and "SERVFAIL or REFUSED" in caught.value.message
    with pytest.raises(_dns.DNSLookupError) as caught:
        resolver.mx("a" * 64 + ".test")
    assert caught.value.kind == "failure"
    assert resolver.mx("godaddy.test") == [[0, "smtp.secureserver.net"], [10, "mailstore1.secureserver.net"]]
    assert resolver.mx("nullmx.test") == [[0, "."]]
    assert resolver.txt("nested.test") == ["v=spf1 include:_spf.nested.test -all"]  # two strings, joined
    assert resolver.srv("_pop3s._tcp.srvonly.test") == [[0, 0, 0, "."]]


@pytest.mark.parametrize("text, servers", [
    ("127.0.0.1:5353", [("127.0.0.1", 5353)]),
    ("[::1]:53", [("::1", 53)]),
    ("::1", [("::1", 53)]),
    ("[::1]", [("::1", 53)]),
    (" 192.0.2.1 , 192.0.2.2:5300 ", [("192.0.2.1", 53), ("192.0.2.2", 5300)]),
])
def test_server_setting(text, servers):
    assert _dns.parse_servers(text) == servers


@pytest.mark.parametrize("environ, words", [
    ({"MAILCONFIG_DNS_SERVER": "dns.example:53"}, "is not an IP address"),
    ({"MAILCONFIG_DNS_SERVER": "127.0.0.1:99999"}, "is not an IP address"),
    ({"MAILCONFIG_DNS_SERVER": ","}, "no DNS server given"),
    ({"MAILCONFIG_DNS_TIMEOUT": "soon"}, "not a positive number"),
    ({"MAILCONFIG_DNS_TIMEOUT": "0"}, "not a positive number"),
])
def test_bad_settings_are_clear(environ, words):
    with pytest.raises(_dns.DNSConfigError, match=words):
        _dns.Resolver(environ=environ)


def test_shared_resolver_is_one_per_setting(knot, monkeypatch):
    monkeypatch.setenv("MAILCONFIG_DNS_SERVER", knot.address)
    assert _dns.shared_resolver() is _dns.shared_resolver()
    assert _dns.shared_resolver(timeout=1) is not _dns.shared_resolver()
    assert _dns.shared_resolver().describe() == "127.0.0.1 port %d" % knot.port


def test_missing_dnspython_is_a_clear_lookup_failure():
    script = ("import sys; sys.modules['dns'] = None\n"  # as if dnspython were not installed
              "from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _detect, _dns\n"
              "try:\n    _detect.detect_provider('reception@m365.test', _dns.Resolver(servers='127.0.0.1:9'))\n"
              "except _detect.DetectionError as exc:\n    print(exc.message); print(exc.hint)\n")
    done = subprocess.run([sys.executable, "-c", script], env=dict(os.environ, PYTHONPATH=COLLECTIONS),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "dnspython is not installed" in done.stdout and "pip install dnspython" in done.stdout


def test_bad_resolver_setting_is_a_detection_error(monkeypatch):
    monkeypatch.setenv("MAILCONFIG_DNS_SERVER", "dns.example.net")
    with pytest.raises(_detect.DetectionError) as caught:
        _detect.detect_provider("reception@m365.test")
    assert "is not an IP address" in caught.value.message and "Fix MAILCONFIG_DNS_SERVER" in caught.value.hint
    assert _detect.detect_provider("reception@gmail.com").provider == "gmail"  # no DNS needed, no error
