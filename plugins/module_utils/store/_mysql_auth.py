# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PyMySQL made to ask _database_auth before it answers the server with the password.

PyMySQL follows whatever the server asks: a switch to ``mysql_clear_password`` or
``dialog`` gets the password in clear, ``sha256_password`` and the full authentication
of ``caching_sha2_password`` send it in clear over TLS (verified or not) or encrypted
with the key the server sends. Over an unverified channel its ``auth_plugin_map`` gets a
handler for each of those methods that checks before anything is written, the
``caching_sha2_password`` one after the fast path (a scramble: it proves the password
without sending it); and the method the greeting names is checked before the first answer, which
for ``sha256_password`` over TLS would already carry the password.
"""

import functools
from typing import Any, Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_auth import (
    VERIFIED,
    refuse_unless_safe,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._read_budget import file_attribute, set_budget

# PyMySQL's answers to these carry the password or a form of it the server can reverse.
_REFUSED = ("mysql_clear_password", "dialog", "mysql_old_password", "sha256_password")
_FULL_AUTHENTICATION = b"\x04"  # caching_sha2_password: the fast path failed, send the password itself


class _Refuse:
    """The handler for a method that gives the password away: it refuses before answering."""

    def __init__(self, method, over, where, _connection):
        self.method, self.over, self.where = method, over, where

    def authenticate(self, _packet):
        refuse_unless_safe(self.method, self.over, self.where)


class _FastPathOnly:
    """caching_sha2_password: the scramble is sent; full authentication is refused."""

    def __init__(self, over, where, connection):
        self.over, self.where, self.connection = over, where, connection

    def authenticate(self, packet):
        from pymysql import _auth  # pylint: disable=import-outside-toplevel
        connection = self.connection
        if packet.is_auth_switch_request():  # switched to this method: answer with the scramble, as PyMySQL does
            salt = packet.read_all()
            connection.salt = salt[:-1] if salt.endswith(b"\0") else salt
            connection.write_packet(_auth.scramble_caching_sha2(connection.password, connection.salt))
            packet = connection._read_packet()  # pylint: disable=protected-access
            packet.check_error()
        if packet.is_extra_auth_data() and packet.get_bytes(1) == _FULL_AUTHENTICATION:
            refuse_unless_safe("caching_sha2_password full authentication", self.over, self.where)
        return _auth.caching_sha2_password_auth(connection, packet)  # the fast path's outcome


def connect(pymysql: Any, over: str, where: str, read_seconds: Optional[float] = None, **options: Any) -> Any:
    """``pymysql.connect(**options)``, reading no more from the server, nor for longer than ``read_seconds`` in all,
    than a store run needs (``_read_budget``); over an unverified channel ``over``, no method that gives the
    password away."""

    class Bounded(pymysql.connections.Connection):
        """PyMySQL's connection, reading no more from the server, nor for longer, than a store run needs."""

        _rfile = file_attribute("PyMySQL's buffered socket file, its reads bounded: PyMySQL reads what a packet "
                                "length says", "_sock")

        def __init__(self, **given):
            set_budget(self, read_seconds)
            super(Bounded, self).__init__(**given)

    if over == VERIFIED:
        return Bounded(**options)

    class Guarded(Bounded):
        """Checks the method the server's greeting names before answering it."""

        def _get_server_information(self):
            super(Guarded, self)._get_server_information()
            refuse_unless_safe(self._auth_plugin_name or "mysql_native_password", over, where)

    handlers = dict((method, functools.partial(_Refuse, method, over, where)) for method in _REFUSED)
    handlers["caching_sha2_password"] = functools.partial(_FastPathOnly, over, where)
    return Guarded(auth_plugin_map=handlers, **options)
