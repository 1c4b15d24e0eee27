"""Where each application profile's rule triggers live, found by the profile's name.

data/applications/<name>.yml's rules are tested from test_application_<name>.py in this folder: its
``BASE`` is a declaration the application accepts, its ``TRIGGERS`` map each rule code to the change to
``BASE`` that makes that rule, and no other of the profile's, fire. test_application_profiles.py runs them
all, so a new profile or rule without a trigger fails naming the file and the code to add.
"""

import copy
import importlib
import os

PACKAGE = "tests.unit.plugins.plugin_utils.declaration"


def trigger_file(name):
    """The test file that holds application ``name``'s triggers, relative to the repository."""
    return "tests/unit/plugins/plugin_utils/declaration/test_application_%s.py" % name


def triggers_of(name):
    """The module of application ``name``'s triggers, or None when its file does not exist yet."""
    here = os.path.dirname(os.path.abspath(__file__))
    if not os.path.isfile(os.path.join(here, "test_application_%s.py" % name)):
        return None
    return importlib.import_module("%s.test_application_%s" % (PACKAGE, name))


def declaration(base, changes):
    """``base`` with the top-level fields of ``changes`` replaced (a None value removes the field)."""
    raw = copy.deepcopy(base)
    for key, value in copy.deepcopy(changes).items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


def application_codes(result):
    """The application rules' codes among a check's findings, sorted, each once."""
    return sorted({finding.code for finding in result.findings if finding.code.startswith("MC7")})
