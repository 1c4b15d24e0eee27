# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every store type the module knows, and the ``store`` argument spec derived from them.

Adding a store means writing its ``Store`` subclass and listing it in ``STORES``. The
module's argument spec follows from here at run time; docs/generate.py writes ``store.type``
in the module's documentation and the type list of the role's ``mail_account_store`` from
here; tests/unit/test_store_registry.py names whatever else a new store still lacks
(CONTRIBUTING.md, "Add a store").
"""

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import Store
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._ini import IniStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._json import JsonStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._mysql import MysqlStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._sqlite import SqliteStore

STORES = dict((cls.NAME, cls) for cls in (SqliteStore, JsonStore, IniStore, MysqlStore))
DEFAULT = SqliteStore.NAME

# Options every store type takes.
_COMMON = dict(
    path=dict(type="path"),
    create=dict(type="bool", default=False),
    lock_timeout=dict(type="float", default=30),
    follow=dict(type="bool", default=False),
)


def store_argument() -> dict:
    """The module's ``store`` option: the common options plus each store type's own."""
    options = dict(type=dict(type="str", choices=list(STORES), default=DEFAULT))
    options.update(_COMMON)
    for cls in STORES.values():
        for name, spec in cls.OPTIONS.items():
            if name in options and options[name] != spec:
                raise ValueError("store option %s is declared twice, differently" % name)
            options[name] = spec
    required_if = [("type", name, list(cls.REQUIRED)) for name, cls in STORES.items() if cls.REQUIRED]
    return dict(type="dict", required=True, options=options, required_if=required_if)


def store_for(options: dict) -> Store:
    """The store the module's ``store`` option names."""
    return STORES[options["type"]](options)
