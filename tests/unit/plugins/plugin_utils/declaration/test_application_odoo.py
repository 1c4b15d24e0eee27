"""Odoo's lint rules (MC73x, data/applications/odoo.yml): the triggers that make each fire alone (run by
test_application_profiles.py)."""

BASE = {"schema_version": 1, "address": "reception@smiles-dental.co.uk", "provider": "gmail",
        "auth": {"method": "password", "password": "Pw-Alpha-7f3c9e"}, "incoming": {"protocol": "imap"}}

# One change to BASE per Odoo rule that makes it (and no other application rule) fire.
TRIGGERS = {
    "MC731": {"auth": {"method": "oauth2", "oauth2": {"client_id": "c1", "refresh_token": "Rt-Delta-08ab4f"}}},
    "MC732": {"incoming": {"protocol": "pop3", "leave_copy_on_server": True}},
    "MC733": {"incoming": {"protocol": "imap", "port": 143, "security": "starttls"}},
    "MC734": {"incoming": {"enabled": False}},
    "MC736": {"outgoing": {"authenticate": False}},
    "MC737": {"display_name": "Smiles Dental"},
    "MC738": {"sending": {"rate_per_minute": 3}},
    "MC739": {"provider": "office365", "incoming": {"enabled": False}, "lint": {"ignore": ["MC734"]}},
}
