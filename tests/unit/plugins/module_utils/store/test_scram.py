"""store/_scram: our SCRAM-SHA-256 client against two independent servers, scramp's and PostgreSQL's own.

scramp (pg8000's SCRAM library, a test dependency here) plays the server in-process: our proof must
satisfy it and its signature must satisfy us. The certificates' binding hash is checked against
asn1crypto's reading of the same certificates (made by openssl with each signature algorithm), and
the real PostgreSQL 15 checks the binding, the SASLprep of a non-ASCII password and the rest.
"""

import base64
import ssl
import subprocess
import time

import pytest
from asn1crypto.x509 import Certificate
from scramp import ScramMechanism
from scramp.utils import saslprep as scramp_saslprep

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import (
    _database_socket,
    _postgresql_connection,
    _scram,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._scram import (
    BOUND,
    PLAIN,
    Exchange,
    ScramFailed,
    end_point_hash,
    saslprep,
)
from tests.servers import postgresql

PASSWORD = "Scram-Pass-6b1f"
# Mapped to a space (no-break space), mapped to nothing (soft hyphen), changed by NFKC (the "fi" ligature),
# and a password SASLprep refuses (a control character), which is then used as it is.
REFUSED = "bad\u0007-\u00e9"  # scramp refuses it outright; PostgreSQL hashes it as it is
# PostgreSQL checks the mapped password before normalising it (src/common/saslprep.c), where RFC 4013 and scramp
# check after: these fail PostgreSQL's checks, so it hashes them as they are, where NFKC would change them.
CHECKED_BEFORE_NFKC = ["x\u1d2c-\u00e9", "x\u0340y", "ab\u03f9"]
NON_ASCII = ["Pa\u00a0ss\u00adwo\ufb01rd-\u00e9", "caf\u00e9-\u2163", REFUSED, "\u0627\u0644\u0633"]
AS_SCRAMP = [text for text in NON_ASCII if text != REFUSED]


def scramp_server(password, channel_binding=None):
    mechanism = ScramMechanism(BOUND if channel_binding else PLAIN)
    info = mechanism.make_auth_info(password, iteration_count=4096)
    return mechanism.make_server(lambda _user: info, channel_binding=channel_binding)


def initial(exchange):
    """The client-first message inside our SASLInitialResponse body."""
    return exchange.first().split(b"\0", 1)[1][4:].decode()


@pytest.mark.parametrize("password", [PASSWORD] + AS_SCRAMP)
def test_our_proof_satisfies_scramp_and_its_signature_satisfies_us(password):
    server = scramp_server(password)
    ours = Exchange("user", password, [PLAIN], None, False)
    server.set_client_first(initial(ours))
    final = ours.final(server.get_server_first().encode())
    server.set_client_final(final.decode())  # raises on a wrong proof
    ours.check(server.get_server_final().encode())
    assert ours.verified


@pytest.mark.parametrize("password", NON_ASCII + CHECKED_BEFORE_NFKC)
def test_saslprep_matches_scramp_s_and_refused_profiles_leave_the_password_as_it_is(password):
    expected = password if password in [REFUSED] + CHECKED_BEFORE_NFKC else scramp_saslprep(password)
    assert saslprep(password) == expected
    assert saslprep("Pa\u00a0ss\u00ad") == "Pa ss" and saslprep("\ufb01") == "fi"


def test_a_wrong_server_signature_or_a_nonce_not_ours_is_refused():
    server = scramp_server("another password")  # a server that does not know ours
    ours = Exchange("user", PASSWORD, [PLAIN], None, False)
    server.set_client_first(initial(ours))
    challenge = server.get_server_first().encode()
    ours.final(challenge)
    with pytest.raises(ScramFailed, match="signature is wrong"):
        ours.check(b"v=" + base64.b64encode(b"\0" * 32))
    assert not ours.verified
    with pytest.raises(ScramFailed, match="out of order"):
        ours.final(challenge)  # a second challenge
    stranger = Exchange("user", PASSWORD, [PLAIN], None, False, nonce="n0nce")
    with pytest.raises(ScramFailed, match="does not continue our nonce"):
        stranger.final(b"r=someone-elses-nonce,s=QUJD,i=4096")
    with pytest.raises(ScramFailed, match="does not continue our nonce"):
        Exchange("user", PASSWORD, [PLAIN], None, False, nonce="n0nce").final(b"r=n0nce,s=QUJD,i=4096")


@pytest.mark.parametrize("challenge, said", [
    (b"r=%s+x,s=QUJD,i=100000000", "asks for 100000000 SCRAM iterations"),
    (b"r=%s+x,s=QUJD,i=" + b"9" * 5000, "malformed"),  # a number too long to read, let alone run
    (b"r=%s+x,s=QUJD,i=4095", "asks for only 4095 SCRAM iterations"),
    (b"m=ext,r=%s+x,s=QUJD,i=4096", "malformed"),  # an extension we do not know
    (b"r=%s+x,s=not base64!,i=4096", "malformed"),
    (b"\xff\xfe", "malformed"),
    (b"r=%s+x,s=QUJD", "malformed"),
])
def test_a_hostile_challenge_is_refused_at_once(challenge, said):
    ours = Exchange("user", PASSWORD, [PLAIN], None, False, nonce="n0nce")
    started = time.monotonic()
    with pytest.raises(ScramFailed, match=said):
        ours.final(challenge.replace(b"%s", b"n0nce"))
    assert time.monotonic() - started < 0.5  # no billion rounds of PBKDF2


def test_few_iterations_are_taken_from_a_server_proven_by_verified_tls_only():
    proven = Exchange("user", PASSWORD, [PLAIN], certificate("ec", "sha256"), True, nonce="n0nce")
    assert proven.final(b"r=n0nce+x,s=QUJD,i=1").startswith(b"c=eSws,r=n0nce+x,p=")


def test_the_mechanism_and_flag_follow_what_the_server_offers():
    der = certificate("ec", "sha256")
    for verified in (False, True):
        assert Exchange("user", PASSWORD, [BOUND, PLAIN], der, verified).first().startswith(b"SCRAM-SHA-256-PLUS\0")
        assert b"p=tls-server-end-point,," in Exchange("user", PASSWORD, [BOUND, PLAIN], der, verified).first()
    assert b"y,," in Exchange("user", PASSWORD, [PLAIN], der, True).first()  # verified TLS; no binding offered
    assert b"n,," in Exchange("user", PASSWORD, [PLAIN], None, False).first()
    with pytest.raises(ScramFailed, match="offers MD5-ONLY"):
        Exchange("user", PASSWORD, ["MD5-ONLY"], None, False)
    with pytest.raises(ScramFailed, match=r"does not offer SCRAM-SHA-256-PLUS\) over TLS that is not verified"):
        Exchange("user", PASSWORD, [PLAIN], der, False)  # what a relay to the real server in clear looks like
    unknown = certificate("ed25519", None)
    with pytest.raises(ScramFailed, match="its signature algorithm is not one RFC 5929 names"):
        Exchange("user", PASSWORD, [BOUND, PLAIN], unknown, False)
    assert b"n,," in Exchange("user", PASSWORD, [BOUND, PLAIN], unknown, True).first()  # verified TLS needs no binding


def certificate(kind, digest, folder=None):
    """A self-signed certificate's DER, made by openssl with key ``kind`` signed with ``digest``."""
    key = {"rsa": ["-newkey", "rsa:2048"], "ec": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
           "ed25519": ["-newkey", "ed25519"], "rsa-pss": ["-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048"]}
    argv = ["openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=test", "-keyout", "/dev/null",
            "-outform", "DER"] + key[kind] + (["-" + digest] if digest else [])
    return subprocess.run(argv, check=True, capture_output=True).stdout


@pytest.mark.parametrize("kind, digest", [
    ("rsa", "sha1"), ("rsa", "sha256"), ("rsa", "sha384"), ("rsa", "sha512"),
    ("ec", "sha1"), ("ec", "sha256"), ("ec", "sha384"), ("ec", "sha512"),
])
def test_the_binding_hash_is_the_certificate_s_signature_hash_as_asn1crypto_reads_it(kind, digest):
    der = certificate(kind, digest)
    expected = Certificate.load(der).hash_algo
    assert end_point_hash(der) == ("sha256" if expected in ("md5", "sha1") else expected)


@pytest.mark.parametrize("kind", ["ed25519", "rsa-pss"])
def test_a_signature_rfc_5929_does_not_name_gives_no_binding_hash(kind):
    assert end_point_hash(certificate(kind, None)) is None
    assert end_point_hash(b"\x30\x82\xff\xff") is None  # truncated


def connect(server, user, password, context):
    sock = _database_socket.tcp("localhost", server["port"], 5)
    return _postgresql_connection.Connection(sock, user, "postgres", password=password, host="localhost",
                                             ssl_context=context)


def unverified():
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


@pytest.fixture
def recorded(monkeypatch):
    """The SCRAM mechanisms the connections chose."""
    chosen = []

    class Recording(Exchange):
        def first(self):
            chosen.append(self.mechanism)
            return super().first()

    monkeypatch.setattr(_postgresql_connection, "Exchange", Recording)
    return chosen


@pytest.mark.parametrize("password", [PASSWORD] + NON_ASCII + CHECKED_BEFORE_NFKC)
def test_the_real_server_accepts_our_login_bound_to_its_certificate_over_unverified_tls(
        postgresql_server, password, recorded):
    role = "scram_%d" % ([PASSWORD] + NON_ASCII + CHECKED_BEFORE_NFKC).index(password)
    postgresql.sql(postgresql_server, "DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN PASSWORD %s;"
                   % (role, role, postgresql.quote_literal(password)))
    for context in (unverified(), ssl.create_default_context(cafile=postgresql_server["ca"])):
        connection = connect(postgresql_server, role, password, context)
        try:
            assert connection.run("SELECT current_user, :n::int + 1, (:t::text[])[2], :t::text[] = ARRAY['1', 'a\"b']",
                                  n=41, t=[1, 'a"b']) == [[role, 42, 'a"b', True]]
        finally:
            connection.close()
    assert recorded == [BOUND, BOUND]


def test_the_real_server_refuses_a_binding_to_another_certificate_and_a_wrong_password(
        postgresql_server, monkeypatch):
    postgresql.sql(postgresql_server, "DROP ROLE IF EXISTS scram_b; CREATE ROLE scram_b LOGIN PASSWORD '%s';"
                   % PASSWORD)
    with pytest.raises(_postgresql_connection.DatabaseError) as raised:
        connect(postgresql_server, "scram_b", PASSWORD + "x", unverified())
    assert raised.value.args[0]["C"] == "28P01"
    monkeypatch.setattr(_scram, "end_point_hash", lambda _der: "sha512")  # not the hash the server binds with
    with pytest.raises(_postgresql_connection.DatabaseError) as raised:
        connect(postgresql_server, "scram_b", PASSWORD, unverified())
    assert raised.value.args[0]["C"] == "28P01" or "channel binding" in raised.value.args[0]["M"]
