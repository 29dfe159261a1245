#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Validate faultline documents against the schema their "schema" names."""
import json
import os
import sys

import jsonschema

here = os.path.dirname(os.path.abspath(__file__))
validators = {}
for name in ("schema.json", "stress-schema.json", "mpi-schema.json"):
    with open(os.path.join(here, "..", "results", name)) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validators[schema["$id"]] = jsonschema.Draft202012Validator(schema)

failed = 0
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{path}: {e}", file=sys.stderr)
        failed = 1
        continue
    validator = validators.get(doc.get("schema") if isinstance(doc, dict) else None)
    if validator is None:
        print(f"{path}: unknown schema {doc.get('schema')!r}", file=sys.stderr)
        failed = 1
        continue
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        print(f"{path}: {where}: {err.message}", file=sys.stderr)
        failed = 1
sys.exit(failed)
