# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Move a practice's declaration from a password to its new grant, keeping the file's comments and layout.

Only a host_vars YAML file that holds the practice's ``mail_account.auth`` is edited, with
ruamel.yaml's round-trip mode (PyYAML drops comments): ``auth`` becomes ``method: oauth2``
with ``tenant``, ``client_id`` and a ``refresh_token`` that refers to the vault entry, and
the password reference goes. Where the inventory's registration overrides the token
endpoint or the scopes (a national cloud), the declaration names them too, or the module
would refresh at the catalogue's global endpoint. Anything else (group_vars, an inventory file, a templated
``auth``) is left alone, and the caller prints ``change_text`` for a person to apply.
"""

from __future__ import annotations

import io
import os
from typing import Any, Mapping, Optional

try:  # the campaign needs it; importing this module (ansible-test, the sign-in alone) must not
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString
except ImportError as missing:
    YAML = CommentedMap = DoubleQuotedScalarString = None
    RUAMEL_MISSING: ImportError | None = missing
else:
    RUAMEL_MISSING = None

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import Attributes
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._yaml_marks import MAX_BYTES

KEEP_ATTRIBUTES = Attributes(None, None, None)
EXTENSIONS = (".yml", ".yaml")


class EditError(Exception):
    """The file cannot be edited safely; the message names it."""


def _yaml():
    if RUAMEL_MISSING is not None:
        raise EditError(
            "editing host_vars files needs ruamel.yaml on the controller (pip install ruamel.yaml): %s" % RUAMEL_MISSING
        )
    editor = YAML()  # round-trip
    editor.preserve_quotes = True
    editor.width = 4096  # never re-wrap a long line
    editor.indent(mapping=2, sequence=4, offset=2)
    return editor


def _load(path):
    with open(path, "rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise EditError("%s: larger than %d bytes; not edited" % (path, MAX_BYTES))
    try:
        return _yaml().load(data.decode("utf-8")), data.lstrip().startswith(b"---")
    except Exception as error:  # ruamel raises many types; each means "not safe to edit"
        raise EditError("%s: cannot be read as YAML (%s); not edited" % (path, type(error).__name__))


def _auth(document):
    account = document.get("mail_account") if isinstance(document, dict) else None
    auth = account.get("auth") if isinstance(account, dict) else None
    return auth if isinstance(auth, dict) else None


def _host_vars_files(inventory_dir, host):
    folder = os.path.join(inventory_dir, "host_vars")
    candidates = [os.path.join(folder, host + extension) for extension in EXTENSIONS]
    if os.path.isdir(os.path.join(folder, host)):
        candidates += sorted(
            os.path.join(folder, host, name)
            for name in os.listdir(os.path.join(folder, host))
            if name.endswith(EXTENSIONS)
        )
    return [path for path in candidates if os.path.isfile(path)]


def new_auth(
    tenant: str, client_id: str, reference: str, overrides: Optional[Mapping[str, Any]] = None
) -> CommentedMap:
    """The oauth2 ``auth`` block; ``overrides``: token_endpoint and scopes the registration sets instead of the
    catalogue."""
    _yaml()  # says what is missing, when it is
    oauth2 = CommentedMap([("tenant", tenant), ("client_id", client_id)])
    for key in ("token_endpoint", "scopes"):
        if (overrides or {}).get(key):
            oauth2[key] = list(overrides[key]) if key == "scopes" else overrides[key]
    oauth2["refresh_token"] = DoubleQuotedScalarString(reference)
    return CommentedMap([("method", "oauth2"), ("oauth2", oauth2)])


def rewrite(inventory_dir: str, host: str, tenant: str, client_id: str, reference: str, apply: Optional[bool] = None,
            overrides: Optional[Mapping[str, Any]] = None) -> Optional[str]:
    """Edit the host_vars file of ``host`` that holds ``mail_account.auth`` (atomically); its path, or None if none
    does.

    A file that already declares oauth2 is left as it is. ``apply``: when not None, also set
    the host's ``mail_account_apply`` (False for an application that signs in by itself).
    """
    for path in _host_vars_files(inventory_dir, host):
        document, explicit_start = _load(path)
        auth = _auth(document)
        if auth is None:
            continue
        if auth.get("method") != "oauth2":
            for key in [key for key in auth if key != "method"]:
                del auth[key]
            auth["method"] = "oauth2"
            auth["oauth2"] = new_auth(tenant, client_id, reference, overrides)["oauth2"]
            if apply is not None:
                document["mail_account_apply"] = apply
            text = io.StringIO()
            editor = _yaml()
            editor.explicit_start = explicit_start
            editor.dump(document, text)
            _atomic_file.write(path, text.getvalue().encode("utf-8"), KEEP_ATTRIBUTES)
        return path
    return None


def change_text(tenant: str, client_id: str, reference: str, overrides: Optional[Mapping[str, Any]] = None) -> str:
    """The ``auth`` block to put in the practice's declaration by hand."""
    text = io.StringIO()
    _yaml().dump({"auth": new_auth(tenant, client_id, reference, overrides)}, text)
    return text.getvalue()
