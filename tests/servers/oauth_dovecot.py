"""A throwaway Dovecot that accepts only OAuth 2.0 access tokens, checked offline.

The smallest set-up that proves what ``passdb { driver = oauth2 }`` with
``introspection_mode = local`` needs from a token endpoint's JWTs (Dovecot 2.3):
plaintext IMAP, POP3 and submission on 127.0.0.1 high ports (loopback counts as
secure, so XOAUTH2 and OAUTHBEARER are offered without TLS), no password passdb,
the validation key laid out by ``TokenEndpoint.write_validation_keys``. The full
test suite's Dovecot (tests/servers/dovecot.py) serves the TLS cases.
"""

import os

from tests.servers import dovecot, process, sink

PROTOCOLS = ("imap", "pop3", "submission")

# dovecot-oauth2.conf.ext. ``username_attribute = email`` is Dovecot's default, written out
# to name the claim; ``issuers`` is optional, but without it a token from any issuer signed
# with the key passes. ``auth_verbose = yes`` in dovecot.conf logs each refusal's reason.
OAUTH2_SETTINGS = """\
introspection_mode = local
local_validation_key_dict = fs:posix:prefix={keys}/
username_attribute = email
issuers = {issuer}
"""


def config(folder, ports, relay_port):
    """dovecot.conf for an OAuth-only server under ``folder``."""
    internal, login = dovecot._identity()  # pylint: disable=protected-access
    services = "".join("service %s-login {\n  chroot =\n  inet_listener %s {\n    port = %d\n  }\n}\n" % (name, name, ports[name])
                       for name in PROTOCOLS)
    return """# Written by tests/servers/oauth_dovecot.py for one test; not for production.
base_dir = {folder}/run
state_dir = {folder}/state
instance_name = mailconfig-oauth-test
log_path = {folder}/dovecot.log
listen = 127.0.0.1
protocols = imap pop3 submission
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {uid}
first_valid_gid = {gid}
hostname = oauth.example.test
ssl = no
disable_plaintext_auth = no
auth_mechanisms = xoauth2 oauthbearer
auth_failure_delay = 0
auth_verbose = yes
mail_location = maildir:{folder}/mail/%u
submission_relay_host = 127.0.0.1
submission_relay_port = {relay_port}
submission_relay_trusted = yes
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {folder}/dovecot-oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={folder}/mail/%u
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{services}""".format(folder=folder, internal=internal.pw_name, login=login.pw_name, uid=internal.pw_uid,
                     gid=internal.pw_gid, relay_port=relay_port, services=services)


def _readable(folder):
    """Dovecot's auth process runs as its own user: let it reach the folder and read the key."""
    for root, dirs, files in os.walk(folder):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)


def start(folder, endpoint):
    """Start Dovecot (and the relay sink) under ``folder`` trusting ``endpoint``'s tokens.

    ``folder`` must be traversable by Dovecot's users (a folder under /tmp).
    Returns a state dict with the ports, PIDs and the log path.
    """
    folder = os.path.abspath(folder)
    os.makedirs(os.path.join(folder, "state"), exist_ok=True)
    ports = dict(zip(PROTOCOLS + ("sink",), process.free_ports(len(PROTOCOLS) + 1)))
    state = {"dir": folder, "ports": ports, "log": os.path.join(folder, "dovecot.log"), "servers": {}}
    keys = os.path.join(folder, "keys")
    endpoint.write_validation_keys(keys)
    with open(os.path.join(folder, "dovecot-oauth2.conf.ext"), "w", encoding="ascii") as handle:
        handle.write(OAUTH2_SETTINGS.format(keys=keys, issuer=endpoint.issuer))
    conf = os.path.join(folder, "dovecot.conf")
    with open(conf, "w", encoding="ascii") as handle:
        handle.write(config(folder, ports, ports["sink"]))
    _readable(folder)
    try:
        state["servers"]["sink"] = sink.start(folder, ports["sink"])
        child = process.spawn([dovecot.EXECUTABLE, "-F", "-c", conf], os.path.join(folder, "stdout.log"))
        state["servers"]["dovecot"] = {"pid": child.pid, "marker": conf}
        process.wait_for_greetings([("127.0.0.1", ports[name], None, dovecot.GREETINGS[name]) for name in PROTOCOLS], child)
    except BaseException:
        stop(state)
        raise
    return state


def stop(state):
    """Stop exactly the servers ``start`` recorded."""
    for name in ("dovecot", "sink"):
        server = state["servers"].get(name)
        if server:
            process.stop(server["pid"], server["marker"])
