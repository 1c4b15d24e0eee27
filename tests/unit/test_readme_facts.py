"""Facts the READMEs state about the collection hold: counts and option names a new user copies."""

import os
import re

import yaml
from tests.paths import REPO_ROOT

NUMBERS = {"five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def read(*parts):
    with open(os.path.join(REPO_ROOT, *parts), encoding="utf-8") as handle:
        return handle.read()


def test_the_example_inventory_has_as_many_practices_as_readme_says():
    said = re.search(r"working example of (\w+) practices", read("README.md"))
    assert said, "README no longer states the example inventory's size"
    hosts = yaml.safe_load(read("examples", "inventory", "hosts.yml"))["practices"]["hosts"]
    assert NUMBERS[said.group(1)] == len(hosts)


def test_the_role_readme_names_mail_verify_options_that_exist():
    named = re.findall(r"with `(\w+)` after `mail_verify_batch`", read("roles", "mail_account", "README.md"))
    assert named, "the role README no longer names the mail_verify option that takes the batch"
    documentation = yaml.safe_load(
        re.search(r"DOCUMENTATION = r?'''(.*?)'''", read("plugins", "modules", "mail_verify.py"), re.S).group(1)
    )
    assert set(named) <= set(documentation["options"]), named
