"""No database password to an impostor: without a verified certificate, only challenge-response methods.

An impostor on the Open Dental database's address asks for the password every way
a MySQL driver would give it: a switch to mysql_clear_password, to dialog, to
mysql_old_password, sha256_password and caching_sha2_password full authentication (in
clear over TLS, or encrypted with the impostor's own key), and sha256_password named
in the greeting (a driver's first answer over TLS already carries it). Over no TLS and
over unverified TLS the store's own connection (store/_mysql_connection.py) refuses
before sending anything, and says why and what to set; the impostor holds nothing it
could turn back into the password. The same impostor gets the password from PyMySQL
(a driver that follows the server), so each check can fail.
"""

import ssl

import pymysql
import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_socket import tcp
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._mysql_connection import (
    Connection,
    DatabaseError,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_auth import (
    LOCAL, NO_TLS, UNVERIFIED_TLS, VERIFIED, PasswordRefused, refuse_unless_safe)
from tests.adversarial.impostor_mysql import SALT, Impostor, Script, switch, tls_context
from tests.servers import certs

PASSWORD = "Od-Db-Pw-71c3e9a2"
USER = "od_user"
SCRIPTS = {
    "mysql_clear_password": Script("mysql_native_password", [switch("mysql_clear_password", b"")], False),
    "dialog": Script("mysql_native_password", [switch("dialog", b"\x04Password: ")], False),
    "mysql_old_password": Script("mysql_native_password", [switch("mysql_old_password", SALT[:8] + b"\0")], False),
    "sha256_password": Script("mysql_native_password", [switch("sha256_password")], False),
    "caching_sha2_password full authentication": Script("caching_sha2_password", [b"\x01\x04"], False),
    "caching_sha2_password switch, full authentication": Script(
        "mysql_native_password", [switch("caching_sha2_password"), b"\x01\x04"], False),
    "sha256_password greeting": Script("sha256_password", [], False),
}
CHANNELS = [NO_TLS, UNVERIFIED_TLS]
# what PyMySQL on its own gives away (mysql_old_password: this PyMySQL lacks the scramble and fails before sending)
GIVEN_AWAY = [(name, over) for name in SCRIPTS for over in CHANNELS
              if name != "mysql_old_password" and not (name == "sha256_password greeting" and over == NO_TLS)]


@pytest.fixture(scope="module")
def made_certificates(tmp_path_factory):
    return certs.make(str(tmp_path_factory.mktemp("impostor")))


@pytest.fixture(scope="module")
def impostor_tls(made_certificates):
    return tls_context(made_certificates["selfsigned"]["cert"], made_certificates["selfsigned"]["key"])


def _connect(port, over):
    """The store's own connection to the impostor over ``over``."""
    return Connection(tcp("127.0.0.1", port, 3), "127.0.0.1:%d" % port, USER, PASSWORD, "opendental", over,
                      _unverified() if over != NO_TLS else None, host="127.0.0.1")


def _pymysql(port, over):
    """PyMySQL, left to follow the server: the control."""
    options = dict(host="127.0.0.1", port=port, user=USER, password=PASSWORD, database="opendental", connect_timeout=3,
                   read_timeout=3, write_timeout=3, charset="utf8mb4", autocommit=False, ssl_disabled=over == NO_TLS)
    if over != NO_TLS:
        options["ssl"] = _unverified()
    return pymysql.connect(**options)


def _unverified():
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


@pytest.mark.parametrize("over", CHANNELS)
@pytest.mark.parametrize("name", list(SCRIPTS))
def test_the_store_s_connection_sends_the_impostor_nothing(name, over, impostor_tls):
    with Impostor(SCRIPTS[name], impostor_tls if over != NO_TLS else None) as impostor:
        where = "127.0.0.1:%d" % impostor.port
        with pytest.raises(PasswordRefused) as refused:
            _connect(impostor.port, over)
    message = str(refused.value)
    assert message.startswith("the server at %s asked for the password " % where), message
    assert "refused, nothing was sent" in message and "store.tls_verify true" in message and "store.ca_path" in message
    assert ("store.tls false" if over == NO_TLS else "store.tls_verify false") in message
    assert PASSWORD not in message
    assert not impostor.holds(PASSWORD)


@pytest.mark.parametrize("name, over", GIVEN_AWAY)
def test_plain_pymysql_gives_the_same_impostor_the_password(name, over, impostor_tls):
    """The control: PyMySQL left alone hands the password over, so the test above can fail."""
    with Impostor(SCRIPTS[name], impostor_tls if over != NO_TLS else None) as impostor:
        with pytest.raises(pymysql.MySQLError):
            _pymysql(impostor.port, over)
    assert impostor.holds(PASSWORD)


@pytest.mark.parametrize("over", CHANNELS)
@pytest.mark.parametrize("greeting", ["mysql_native_password", "caching_sha2_password"])
def test_challenge_response_still_logs_in(greeting, over, impostor_tls):
    """mysql_native_password and the caching_sha2_password fast path send a scramble, never the password."""
    script = Script(greeting, [], True)
    if greeting == "caching_sha2_password":
        script = Script(greeting, [b"\x01\x03"], True)  # fast path succeeded, then OK
    with Impostor(script, impostor_tls if over != NO_TLS else None) as impostor:
        _connect(impostor.port, over).close()
    assert not impostor.holds(PASSWORD)


@pytest.mark.parametrize("name", ["mysql_clear_password", "sha256_password", "sha256_password greeting",
                                  "caching_sha2_password full authentication"])
def test_over_verified_tls_a_method_that_wants_the_password_gets_it_inside_that_tls(name, made_certificates):
    """The server proved who it is: the password goes to it in clear over the TLS, never encrypted with a key the
    server supplies (no RSA exchange is ever asked for)."""
    valid = made_certificates["valid"]
    with Impostor(SCRIPTS[name], tls_context(valid["cert"], valid["key"])) as impostor:
        with pytest.raises(DatabaseError):  # the impostor denies the login once it has the answer
            Connection(tcp("127.0.0.1", impostor.port, 3), "here", USER, PASSWORD, "opendental", VERIFIED,
                       ssl.create_default_context(cafile=made_certificates["ca"]), host="127.0.0.1")
    assert any(PASSWORD.encode() + b"\0" in data for data in impostor.received)
    assert not any(data in (b"\x01", b"\x02") for data in impostor.received)  # no public key asked for


def test_a_channel_called_verified_with_a_context_that_does_not_verify_is_treated_as_unverified(impostor_tls):
    """What the TLS context checks decides, not the channel the caller names."""
    with Impostor(SCRIPTS["mysql_clear_password"], impostor_tls) as impostor:
        with pytest.raises(PasswordRefused, match="over TLS whose certificate was not verified"):
            Connection(tcp("127.0.0.1", impostor.port, 3), "here", USER, PASSWORD, "opendental", VERIFIED,
                       _unverified(), host="127.0.0.1")
    assert not impostor.holds(PASSWORD)


def test_over_the_local_socket_the_refusal_names_the_socket_and_no_tls_setting():
    with pytest.raises(PasswordRefused) as refused:
        refuse_unless_safe("mysql_clear_password", LOCAL, "/run/mysqld/mysqld.sock")
    message = str(refused.value)
    assert "over the server's local socket (store.unix_socket)" in message and "tls_verify" not in message
    assert "Give the database user a challenge-response method (mysql_native_password" in message


def test_a_verified_channel_allows_every_method_and_unknown_names_are_not_quoted():
    refuse_unless_safe("mysql_clear_password", VERIFIED, "db:3306")
    refuse_unless_safe("password", VERIFIED, "db:5432")
    refuse_unless_safe("scram-sha-256", NO_TLS, "db:5432")
    with pytest.raises(PasswordRefused) as refused:
        refuse_unless_safe("password", NO_TLS, "db:5432")  # PostgreSQL's cleartext
    assert "in clear text (password) over a connection without TLS" in str(refused.value)
    with pytest.raises(PasswordRefused) as refused:
        refuse_unless_safe("x" * 5000, UNVERIFIED_TLS, "db:3306")
    assert "not challenge-response" in str(refused.value) and "xxxx" not in str(refused.value)


def test_the_store_names_the_refusal(impostor_tls):
    """Through the mysql store: a StoreError naming the method, the channel and the fix."""
    from tests.unit.plugins.module_utils.store.test_store_mysql import apply
    with Impostor(SCRIPTS["mysql_clear_password"], impostor_tls) as impostor:
        target = {"server": {"port": impostor.port, "ca": None}, "name": "opendental", "user": USER}
        with pytest.raises(StoreError) as failed:
            apply(target, password=PASSWORD, tls_verify=False)
    message = str(failed.value)
    assert (
        "asked for the password in clear text (mysql_clear_password) over TLS whose certificate was not verified"
        in message
    )
    assert "127.0.0.1:%d" % impostor.port in message and PASSWORD not in message
    assert not impostor.holds(PASSWORD)
