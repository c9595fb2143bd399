#!/usr/bin/env python3
"""Every JSON example of docs/record-types.md passes stix2-validator 3.2.0 with no errors and no
warnings, and every record-type example is valid against its JSON schema in docs/schemas/; the
schemas refuse what Renkei refuses (a sample of bad records)."""

import copy
import json
import pathlib
import re
import sys

import jsonschema
from stix2validator import ValidationOptions, validate_instance

ROOT = pathlib.Path(__file__).resolve().parents[2]


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def schema_for(ty):
    return json.loads((ROOT / "docs" / "schemas" / f"{ty}.json").read_text(encoding="utf-8"))


def main():
    doc = (ROOT / "docs" / "record-types.md").read_text(encoding="utf-8")
    examples = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", doc, re.S)]
    if len(examples) < 6:
        fail(f"only {len(examples)} examples in docs/record-types.md")
    seen_types = set()
    for o in examples:
        result = validate_instance(o, ValidationOptions(version="2.1"))
        if not result.is_valid or result.warnings:
            fail(f"stix2-validator on {o['id']}: {[str(e) for e in result.errors]} {[str(w) for w in result.warnings]}")
        if o["type"].startswith("x-renkei-"):
            seen_types.add(o["type"])
            jsonschema.validate(o, schema_for(o["type"]), format_checker=jsonschema.FormatChecker())
    if seen_types != {"x-renkei-malware-report", "x-renkei-forum-post", "x-renkei-fraud-account", "x-renkei-incident-report"}:
        fail(f"examples cover {sorted(seen_types)}")

    bank = next(o for o in examples if o.get("account_type") == "bank")
    crypto = next(o for o in examples if o.get("account_type") == "crypto")
    bad = []
    for change in [
        lambda o: o.update(account_number="123456"),
        lambda o: o.update(account_number="１２３４５６７"),
        lambda o: o.update(chain="btc"),
        lambda o: o.pop("category"),
        lambda o: o.update(category="secret"),
        lambda o: o.update(unknown_property=1),
    ]:
        o = copy.deepcopy(bank)
        change(o)
        bad.append(o)
    o = copy.deepcopy(crypto)
    o.pop("address")
    bad.append(o)
    for o in bad:
        try:
            jsonschema.validate(o, schema_for(o["type"]))
        except jsonschema.ValidationError:
            continue
        fail(f"the schema accepts a bad record: {o}")
    print(f"record types: {len(examples)} documented examples pass stix2-validator 3.2.0 and their JSON schemas; {len(bad)} bad records refused")


if __name__ == "__main__":
    main()
