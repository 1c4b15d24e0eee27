"""Declarations pointing at the test servers, in the two shapes the code under test takes.

``raw`` is what a user writes (the action plugin validates and normalises it);
``normalised`` is what the target-side module receives, for tests that call the
probes directly (including shapes the controller's lint would refuse, such as
``security: none`` with a login).
"""


def _server(state, endpoint):
    """``endpoint`` is (listener name, security) or (listener name, security, host)."""
    name, security = endpoint[0], endpoint[1]
    host = endpoint[2] if len(endpoint) > 2 else state["hosts"]["ipv4"]
    return {"host": host, "port": state["ports"][name], "security": security}


def virtual(state, number, password=None, **servers):
    """``raw`` for virtual practice ``number`` (tests/servers/dovecot.py VIRTUAL_USERS)."""
    users = state["virtual_users"]
    account = {"username": users["username"] % number, "password": users["password"] % number}
    return raw(dict(state, users={"virtual": account}), user="virtual", password=password, **servers)


def raw(state, user="alice", outgoing=("submission", "starttls"), incoming=("imaps", "tls"), protocol="imap",
        password=None, **extra):
    """A declaration as written in inventory; ``incoming=None`` leaves incoming mail out."""
    account = state["users"][user]
    declaration = {
        "schema_version": 1,
        "address": account["username"],
        "provider": "other",
        "auth": {"method": "password", "password": password if password is not None else account["password"]},
        "outgoing": _server(state, outgoing),
        "sending": {"rate_per_minute": 3},
    }
    if incoming:
        declaration["incoming"] = dict(_server(state, incoming), protocol=protocol)
        if protocol == "pop3":
            declaration["incoming"]["leave_copy_on_server"] = True
    declaration.update(extra)
    return declaration


def normalised(state, user="alice", outgoing=("submission", "starttls"), incoming=("imaps", "tls"), protocol="imap",
               password=None, username=None, method="password", authenticate=True):
    """The normalised declaration the module receives (every key present)."""
    account = state["users"].get(user) or {"username": user, "password": "unused-Pw-1"}
    incoming_block = {"enabled": False, "protocol": None, "host": None, "port": None, "security": None}
    if incoming:
        incoming_block = dict(_server(state, incoming), enabled=True, protocol=protocol)
    incoming_block.update(leave_copy_on_server=protocol == "pop3" and bool(incoming), acknowledge_mail_removal=False)
    oauth2 = None
    if method == "oauth2":
        oauth2 = {"tenant": None, "token_endpoint": "https://login.example.test/token", "client_id": "client-1",
                  "client_secret": None, "refresh_token": "Refresh-Token-Zq81", "scopes": []}
    return {
        "schema_version": 1,
        "address": account["username"],
        "display_name": None,
        "provider": "other",
        "username": username or account["username"],
        "auth": {
            "method": method,
            "password": (password if password is not None else account["password"]) if method == "password" else None,
            "oauth2": oauth2,
        },
        "outgoing": dict(_server(state, outgoing), authenticate=authenticate),
        "incoming": incoming_block,
        "sending": {"rate_per_minute": 3},
        "practice": {"update_contact_email": False},
    }
