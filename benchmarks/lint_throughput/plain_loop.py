"""Baseline: the simplest possible checker, PyYAML's C loader plus jsonschema, no marks, no lint."""

import json
import os
import sys

import jsonschema
import yaml

schema = json.load(open(sys.argv[1], encoding="utf-8"))
validator = jsonschema.Draft202012Validator(schema)
invalid = 0
for name in sorted(os.listdir(sys.argv[2])):
    with open(os.path.join(sys.argv[2], name), encoding="utf-8") as handle:
        invalid += not validator.is_valid(yaml.load(handle, Loader=yaml.CSafeLoader))
print("invalid:", invalid)
