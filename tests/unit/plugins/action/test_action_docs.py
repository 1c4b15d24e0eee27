"""The controller-only actions document exactly the options their argument spec accepts (validate-modules cannot
see them: their module files have no argument spec)."""

import pytest
import yaml

from ansible_collections.mailops.mailconfig.plugins.action import mail_declaration as declaration_action
from ansible_collections.mailops.mailconfig.plugins.action import mail_sender_check as sender_action
from ansible_collections.mailops.mailconfig.plugins.doc_fragments.dns import ModuleDocFragment as DnsFragment
from ansible_collections.mailops.mailconfig.plugins.modules import mail_declaration, mail_sender_check

ACTIONS = {
    "mail_declaration": (mail_declaration, declaration_action),
    "mail_sender_check": (mail_sender_check, sender_action),
}


def documented(module):
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(doc["options"])
    if "mailops.mailconfig.dns" in doc.get("extends_documentation_fragment", []):
        options.update(yaml.safe_load(DnsFragment.DOCUMENTATION)["options"])
    return options


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_documented_options_are_the_argument_spec(name):
    module, action = ACTIONS[name]
    docs, spec = documented(module), action.ARGUMENT_SPEC
    assert sorted(docs) == sorted(spec), "plugins/modules/%s.py documents %s; the action takes %s" % (
        name,
        sorted(docs),
        sorted(spec),
    )
    for option, entry in spec.items():
        assert docs[option].get("default") == entry.get("default"), (name, option)
        if entry["type"] != "raw":
            assert docs[option]["type"] == entry["type"], (name, option)
