"""A server that echoes the password in an answer the probe cannot parse, its write split in two at every byte.

The probes keep such an answer as the failure's server_response; the result masks it
and only then cuts it. The echo puts one copy of the password across the old cut
(200 characters) and one across the result's cut (CUT), and the server sends its
write as two TCP segments, split at each position in turn. Nothing of the password
(4 characters of any spelling, hostile.fragments) may reach the
result, the warnings or anything printed. The verifier runs in this process: a few
hundred checks take seconds, not minutes.
"""

import json
import socket
import ssl
import time

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import CUT, MASK
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _verify
from tests.adversarial.hostile import declaration, fragments, leaked, peer, read_line
from tests.adversarial.test_hostile_servers import smtp_ok

PASSWORD = "Qz7Wk9Xv2Jm5Tp8Rb4"
OLD_CUT = 200


def echo(prefix):
    """The unparseable answer: ``prefix``, then the password across OLD_CUT and again across CUT."""
    half = len(PASSWORD) // 2
    first = prefix + "x" * (OLD_CUT - half - len(prefix)) + PASSWORD
    return (first + "y" * (CUT - half - len(first)) + PASSWORD + " " + "z" * 40 + "\r\n").encode()


def send_split(conn, data, splits):
    """Send ``data`` as two segments, split at the next position ``splits`` gives."""
    at = next(splits)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.sendall(data[:at])
    time.sleep(0.001)
    conn.sendall(data[at:])


def smtp_echo(splits):
    def handler(conn, _stop):
        conn.sendall(b"220 echo.test ESMTP\r\n")
        read_line(conn)
        conn.sendall(b"250-echo.test\r\n250 AUTH PLAIN\r\n")
        read_line(conn)  # AUTH PLAIN with the password in its initial response
        send_split(conn, echo("ECHO "), splits)
    return handler


def imap_echo(splits):
    def handler(conn, _stop):
        conn.sendall(b"* OK echo IMAP ready\r\n")
        tag = read_line(conn).split(" ")[0]
        conn.sendall(b"* CAPABILITY IMAP4rev1\r\n%s OK done\r\n" % tag.encode())  # no AUTH=: the LOGIN command
        read_line(conn)
        conn.sendall(b"+ user\r\n")
        read_line(conn)
        conn.sendall(b"+ password\r\n")
        read_line(conn)  # the password literal
        send_split(conn, echo("+ "), splits)  # asks for more than LOGIN has
    return handler


def pop3_echo(splits):
    def handler(conn, _stop):
        conn.sendall(b"+OK echo POP3 ready\r\n")
        read_line(conn)
        conn.sendall(b"+OK\r\nUSER\r\n.\r\n")
        read_line(conn)
        conn.sendall(b"+OK send PASS\r\n")
        read_line(conn)
        send_split(conn, echo("ECHO "), splits)
    return handler


@pytest.mark.parametrize("protocol, server", [("smtp", smtp_echo), ("imap", imap_echo), ("pop3", pop3_echo)])
def test_an_echoed_password_split_anywhere_leaves_no_fragment(protocol, server, capfd):
    positions = range(1, len(echo("ECHO ")) - 1)
    splits = iter(positions)
    pieces = fragments(PASSWORD)
    failures = []
    with peer(smtp_ok) as smtp_port, peer(server(splits)) as port:
        hostile = declaration(port, password=PASSWORD) if protocol == "smtp" else \
            declaration(smtp_port, incoming=(protocol, port), password=PASSWORD)
        side = "outgoing" if protocol == "smtp" else "incoming"
        context = ssl.create_default_context()  # built once: loading the trust store dominates a check here
        for at in positions:
            result, warnings = _verify.verify(
                hostile, timeout=2, deadline=4, plaintext_allowed_hosts=["127.0.0.1"], context=context
            )
            checked = result[side]
            printed = capfd.readouterr()
            output = json.dumps([result, warnings], ensure_ascii=False) + printed.out + printed.err
            found = sorted(piece for piece in pieces if piece in output) + leaked(output, PASSWORD)
            if (checked["code"], checked["stage"]) != ("server_error", "authenticate") or found:
                failures.append((at, checked["code"], checked["stage"], found))
            elif checked["server_response"].count(MASK) < 1 or not checked["server_response"].endswith("..."):
                failures.append((at, "echo not masked, or not cut", checked["server_response"]))
    assert next(splits, None) is None, "a split position was never served"
    assert not failures, failures[:5]
