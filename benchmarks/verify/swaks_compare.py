"""Run Debian's swaks and our SMTP check on the same cases against the local servers; print a table.

    .venv/bin/python benchmarks/verify/swaks_compare.py

For each case: swaks's exit code as it runs by default (no certificate verification)
and with --tls-verify (and our CA where the case uses it), how many AUTH commands it
sent, whether its default output reveals the password (AUTH LOGIN/PLAIN lines are
base64 of it), and our diagnosis code. The table goes into docs/diagnoses.md.
"""

import base64
import subprocess

import _local

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import verify  # noqa: E402
from tests.servers import declarations  # noqa: E402

TIMEOUT = 5

# name, outgoing endpoint, login name (None: alice), password override, our extra options, uses our CA
CASES = [
    ("success, implicit TLS (465 style)", ("submissions", "tls"), None, None, {}, True),
    ("success, STARTTLS (587 style)", ("submission", "starttls"), None, None, {}, True),
    ("wrong password", ("submission", "starttls"), None, "Wrong-Password-Bench-1", {}, True),
    ("unknown CA (no CA given)", ("submissions", "tls"), None, None, {"ca_path": None}, False),
    ("self-signed certificate", ("smtp_selfsigned", "tls", "localhost"), None, None, {}, True),
    ("hostname mismatch", ("submissions", "tls", "127.0.0.2"), None, None, {}, True),
    ("expired certificate", ("smtp_expired", "tls", "localhost"), None, None, {}, True),
    ("implicit TLS on a STARTTLS port", ("submission", "tls"), None, None, {}, True),
    ("STARTTLS on an implicit-TLS port", ("submissions", "starttls"), None, None, {}, True),
    ("server offers no STARTTLS", ("smtp_no_starttls", "starttls"), None, None, {}, True),
    (
        "no AUTH before TLS (plain session)",
        ("submission", "none", "127.0.0.2"),
        None,
        None,
        {"plaintext_allowed_hosts": ["127.0.0.2"]},
        True,
    ),
    ("credentials would go in clear", ("submission", "none"), None, None, {}, True),
    ("no usable AUTH mechanism", ("smtp_exotic_auth", "starttls"), None, None, {}, True),
    ("connection refused", ("closed", "tls"), None, None, {}, True),
    ("listener never speaks", ("silent", "starttls"), None, None, {}, True),
    ("name under .invalid", ("submission", "starttls", "smtp.no-such-practice.invalid"), None, None, {}, True),
    (
        "Gmail: app password required (534 5.7.9)",
        ("smtp_provider", "tls", "localhost"),
        "app-password@gmail.test",
        None,
        {},
        True,
    ),
    (
        "Microsoft 365: SMTP AUTH disabled (535 5.7.139)",
        ("smtp_provider", "tls", "localhost"),
        "tenant@m365.test",
        None,
        {},
        True,
    ),
    (
        "Microsoft 365: basic auth off (550 5.7.30)",
        ("smtp_provider", "tls", "localhost"),
        "basic@m365.test",
        None,
        {},
        True,
    ),
    (
        "Yahoo: too many bad attempts (#AUTH005)",
        ("smtp_provider", "tls", "localhost"),
        "locked@yahoo.test",
        None,
        {},
        True,
    ),
    ("Gmail: too many logins (454 4.7.0)", ("smtp_provider", "tls", "localhost"), "busy@gmail.test", None, {}, True),
]

_TLS_FLAG = {"tls": ["--tls-on-connect"], "starttls": ["--tls"], "none": []}


def swaks(state, endpoint, username, password, verify_certs, use_ca):
    host = endpoint[2] if len(endpoint) > 2 else "127.0.0.1"
    command = [
        "swaks",
        "--server",
        "%s:%d" % (host, state["ports"][endpoint[0]]),
        "--auth-user",
        username,
        "--auth-password",
        password,
        "--quit-after",
        "AUTH",
        "--timeout",
        str(TIMEOUT),
        "--to",
        "nobody@example.test",
    ] + _TLS_FLAG[endpoint[1]]
    if verify_certs:
        command.append("--tls-verify")
        if use_ca:
            command += ["--tls-ca-path", state["ca"]]
    result = subprocess.run(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, timeout=60
    )
    return result.returncode, result.stdout.decode("utf-8", "replace")


def ours(state, endpoint, username, password, options):
    declaration = declarations.normalised(state, outgoing=endpoint, incoming=None, username=username, password=password)
    kwargs = dict({"ca_path": state["ca"], "timeout": TIMEOUT}, **options)
    check = verify(declaration, **kwargs)[0]["outgoing"]
    return check["code"] or "ok"


def main():
    rows = []
    with _local.servers() as state:
        alice = state["users"]["alice"]
        for name, endpoint, login, password, options, use_ca in CASES:
            username, secret = login or alice["username"], password or alice["password"]
            default_rc, default_out = swaks(state, endpoint, username, secret, False, use_ca)
            verified_rc = swaks(state, endpoint, username, secret, True, use_ca)[0]
            rows.append((name, default_rc, verified_rc, _attempts(default_out), _leaks(default_out, username, secret),
                         ours(state, endpoint, login, password, options)))
        token_rc = subprocess.run(
            [
                "swaks",
                "--server",
                "127.0.0.1:%d" % state["ports"]["smtp_provider"],
                "--tls-on-connect",
                "--auth",
                "XOAUTH2",
                "--auth-user",
                "a@m365.test",
                "--auth-password",
                "token",
                "--quit-after",
                "AUTH",
                "--to",
                "nobody@example.test",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=60,
        ).returncode
        endpoint = ("smtp_provider", "tls", "localhost")
        declaration = declarations.normalised(
            state, outgoing=endpoint, incoming=None, username="a@m365.test", method="oauth2"
        )
        check = verify(declaration, ca_path=state["ca"], timeout=TIMEOUT, access_token="token")[0]["outgoing"]
        rows.append(("OAuth 2.0 access token (XOAUTH2)", token_rc, "n/a", "n/a", "n/a",
                     "%s (%s)" % (check["code"] or "ok", check["auth_mechanism"])))
    print(
        "| case | swaks exit (default) | swaks exit (--tls-verify) | swaks AUTH attempts | swaks output reveals the password "
        "| mail_verify code |"
    )
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| %s | %s | %s | %s | %s | `%s` |" % row)


def _attempts(output):
    """How many AUTH commands swaks sent (it moves on to the next mechanism after a failure)."""
    return sum(1 for line in output.splitlines() if line.lstrip(" ~->").startswith("AUTH "))


def _leaks(output, username, secret):
    """Whether the output holds the password, plainly or base64-encoded (AUTH LOGIN / AUTH PLAIN lines)."""
    forms = (secret, base64.b64encode(secret.encode()).decode(),
             base64.b64encode(b"\0" + username.encode() + b"\0" + secret.encode()).decode())
    return "yes" if any(form in output for form in forms) else "no"


if __name__ == "__main__":
    main()
