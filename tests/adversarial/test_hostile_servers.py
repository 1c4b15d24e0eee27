"""Hostile SMTP, IMAP and POP3 servers: every reply bounded, every check on time, no secret echoed back.

Each test states its bounds: the verifier grows by less than MEMORY_BOUND_KB over its
baseline, finishes within its deadline plus one second, names the precise diagnosis
code, and no form of the secret appears anywhere in its output.
"""

import base64

import pytest

from tests.adversarial.hostile import (PASSWORD, USER, assert_bounded, declaration, drip, leaked, peer, read_line,
                                       send_forever, verify)

DEADLINE = 4


def smtp_endless_ehlo(conn, stop):
    conn.sendall(b"220 hostile.test ESMTP\r\n")
    read_line(conn)
    send_forever(conn, stop, b"250-PIPELINING-AND-MORE-AND-MORE-AND-MORE\r\n")


def smtp_endless_line(conn, stop):
    conn.sendall(b"220 hostile.test ESMTP\r\n")
    read_line(conn)
    send_forever(conn, stop, b"250-" + b"x" * 4096)


def smtp_drip(conn, stop):
    drip(conn, stop, b"220 hostile.test ESMTP ready and waiting\r\n")


def smtp_echo_auth_in_pieces(conn, stop):
    """Echoes the SASL message (and the password it holds) split over the lines of its refusal."""
    conn.sendall(b"220 hostile.test ESMTP\r\n")
    read_line(conn)
    conn.sendall(b"250-hostile.test\r\n250 AUTH PLAIN LOGIN\r\n")
    words = read_line(conn).split(" ")
    blob = words[2] if len(words) > 2 else ""
    secret = base64.b64decode(blob).split(b"\0")[-1].decode()
    cut, half = len(blob) // 3, len(secret) // 2
    lines = ["535-5.7.8 you sent %s" % blob[:cut], "535-5.7.8 %s" % blob[cut:], "535-5.7.8 password %s" % secret[:half],
             "535-5.7.8 %s is wrong" % secret[half:], "535 5.7.8 AUTH PLAIN %s rejected" % blob]
    conn.sendall("".join(line + "\r\n" for line in lines).encode())
    stop.wait(5)


def smtp_stripped_starttls(conn, stop):
    """A middlebox removed STARTTLS from the capabilities; the test checks no AUTH arrives."""
    conn.sendall(b"220 hostile.test ESMTP\r\n")
    read_line(conn)
    conn.sendall(b"250-hostile.test\r\n250 AUTH PLAIN LOGIN\r\n")
    while not stop.is_set():
        line = read_line(conn)
        assert not line.upper().startswith("AUTH"), "credentials sent after STARTTLS was stripped"
        conn.sendall(b"221 bye\r\n")


def smtp_garbage_after_starttls(conn, stop):
    """Agrees to STARTTLS, then answers the TLS handshake with plain text (a broken middlebox)."""
    conn.sendall(b"220 hostile.test ESMTP\r\n")
    read_line(conn)
    conn.sendall(b"250-hostile.test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n")
    read_line(conn)
    conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
    conn.recv(4096)  # the ClientHello
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    stop.wait(5)


def imap_huge_literal(conn, stop):
    conn.sendall(b"* OK hostile IMAP ready\r\n")
    tag = read_line(conn).split(" ")[0]
    conn.sendall(b"* CAPABILITY {2000000000}\r\n")
    send_forever(conn, stop, b"A" * 1024)
    del tag


def imap_endless_untagged(conn, stop):
    conn.sendall(b"* OK hostile IMAP ready\r\n")
    read_line(conn)
    send_forever(conn, stop, b"* 1 EXISTS\r\n")


def pop3_endless_capa(conn, stop):
    conn.sendall(b"+OK hostile POP3 ready\r\n")
    read_line(conn)
    conn.sendall(b"+OK capabilities follow\r\n")
    send_forever(conn, stop, b"X-ENDLESS-CAPABILITY\r\n")


def pop3_echo_pass(conn, stop):
    conn.sendall(b"+OK hostile POP3 ready\r\n")
    read_line(conn)
    conn.sendall(b"+OK\r\nUSER\r\n.\r\n")
    read_line(conn)
    conn.sendall(b"+OK send PASS\r\n")
    secret = read_line(conn)[len("PASS "):]
    conn.sendall(
        ("-ERR [AUTH] bad password %s (encoded %s)\r\n" % (secret, base64.b64encode(secret.encode()).decode())).encode()
    )
    stop.wait(5)


def smtp_ok(conn, stop):
    """A server that accepts the login; paired with an SMTP side that is fine for the incoming tests."""
    conn.sendall(b"220 ok.test ESMTP\r\n")
    while not stop.is_set():
        verb = read_line(conn).split(" ")[0].upper()
        answers = {
            "EHLO": b"250-ok.test\r\n250 AUTH PLAIN\r\n",
            "AUTH": b"235 2.7.0 ok\r\n",
            "NOOP": b"250 ok\r\n",
            "QUIT": b"221 bye\r\n",
        }
        conn.sendall(answers.get(verb, b"502 no\r\n"))
        if verb == "QUIT":
            return


OUTGOING = [
    ("endless EHLO reply", smtp_endless_ehlo, "none", "protocol_violation", "capabilities"),
    ("endless line", smtp_endless_line, "none", "protocol_violation", "capabilities"),
    ("slow drip", smtp_drip, "none", "timeout", "greeting"),
    ("AUTH echoed in pieces", smtp_echo_auth_in_pieces, "none", "auth_failed", "authenticate"),
    ("stripped STARTTLS", smtp_stripped_starttls, "starttls", "starttls_unavailable", "starttls"),
    ("garbage after STARTTLS", smtp_garbage_after_starttls, "starttls", "starttls_unavailable", "starttls"),
]


@pytest.mark.parametrize(
    "handler, security, code, stage", [case[1:] for case in OUTGOING], ids=[case[0] for case in OUTGOING]
)
def test_hostile_smtp_server(handler, security, code, stage):
    with peer(handler) as port:
        report, output = verify(declaration(port, security=security), timeout=2, deadline=DEADLINE)
    outgoing = report["result"]["outgoing"]
    assert (outgoing["status"], outgoing["code"], outgoing["stage"]) == ("failed", code, stage), outgoing
    assert outgoing["port"] == port and outgoing["host"] == "127.0.0.1"
    assert_bounded(report, DEADLINE)
    assert not leaked(output, PASSWORD)
    if handler is smtp_garbage_after_starttls:
        assert "agreed to STARTTLS" in outgoing["message"] and "implicit TLS on a STARTTLS port" not in outgoing["hint"]
    if handler is smtp_echo_auth_in_pieces:
        assert outgoing["server_response"].count("********") >= 3


INCOMING = [
    ("IMAP huge literal", "imap", imap_huge_literal, "protocol_violation"),
    ("IMAP endless untagged lines", "imap", imap_endless_untagged, "protocol_violation"),
    ("POP3 endless CAPA", "pop3", pop3_endless_capa, "protocol_violation"),
    ("POP3 password echoed", "pop3", pop3_echo_pass, "auth_failed"),
]


@pytest.mark.parametrize("protocol, handler, code", [case[1:] for case in INCOMING], ids=[case[0] for case in INCOMING])
def test_hostile_incoming_server(protocol, handler, code):
    with peer(smtp_ok) as smtp_port, peer(handler) as port:
        report, output = verify(declaration(smtp_port, incoming=(protocol, port)), timeout=2, deadline=DEADLINE)
    incoming = report["result"]["incoming"]
    assert (incoming["status"], incoming["code"]) == ("failed", code), incoming
    assert report["result"]["outgoing"]["status"] == "ok"
    assert_bounded(report, DEADLINE)
    assert not leaked(output, PASSWORD)


def test_the_deadline_bounds_both_sides_dripping_together():
    """Two servers dripping in parallel with a generous stage timeout: the check's deadline ends both."""
    with peer(smtp_drip) as smtp_port, peer(smtp_drip) as imap_port:
        report, _output = verify(declaration(smtp_port, incoming=("imap", imap_port)), timeout=30, deadline=2)
    for side in ("outgoing", "incoming"):
        assert report["result"][side]["code"] == "timeout" and "deadline" in report["result"][side]["message"]
    assert_bounded(report, 2)


def test_a_username_carrying_a_command_never_reaches_the_wire():
    """The POP3 USER/PASS injection from the review: refused before any connection."""
    received = []

    def recorder(conn, stop):
        conn.sendall(b"+OK\r\n")
        while not stop.is_set():
            received.append(read_line(conn))

    with peer(smtp_ok) as smtp_port, peer(recorder) as port:
        hostile = declaration(smtp_port, incoming=("pop3", port))
        hostile["username"] = USER + "\r\nDELE 1"
        report, output = verify(hostile, timeout=2, deadline=DEADLINE, send_test_to="a@b.test\r\nRCPT TO:<c@d.test>")
    assert report["error"].startswith(
        "ControlCharacterError: declaration.username contains the control character U+000D"
    )
    assert not any("DELE" in line for line in received)
    assert not leaked(output, PASSWORD)


@pytest.mark.parametrize("secret", ["ok", "465", "smtp", "failed"])
def test_a_secret_that_is_an_ordinary_word_leaves_our_own_fields_readable(secret):
    """The server echoes the (short) password; the fields we generate stay exact, its answer is masked."""
    def echo(conn, stop):
        conn.sendall(b"220 hostile.test ESMTP\r\n")
        read_line(conn)
        conn.sendall(b"250-hostile.test\r\n250 AUTH PLAIN\r\n")
        read_line(conn)
        conn.sendall(("535 5.7.8 the password %s failed\r\n" % secret).encode())
        stop.wait(5)

    with peer(echo) as port:
        report, _output = verify(declaration(port, password=secret), timeout=2, deadline=DEADLINE)
    outgoing = report["result"]["outgoing"]
    assert (outgoing["status"], outgoing["code"], outgoing["stage"], outgoing["protocol"]) == (
        "failed",
        "auth_failed",
        "authenticate",
        "smtp",
    )
    assert (outgoing["host"], outgoing["port"], outgoing["security"]) == ("127.0.0.1", port, "none")
    assert [stage["name"] for stage in outgoing["stages"]][-1] == "authenticate"
    assert all(stage["status"] in ("ok", "failed") for stage in outgoing["stages"])
    assert "127.0.0.1:%d" % port in outgoing["message"]
    assert " %s " % secret not in outgoing["server_response"] and "the password ********" in outgoing["server_response"]
