#!/usr/bin/env python3
"""The operator CLI as people use it: import bundles (a valid one, a broken one), create a
read-only token and use it with taxii2-client, list organisations as JSON."""

import argparse
import json
import os
import subprocess
import sys
import uuid

import stix2


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def run(renkei, *args, expect=0):
    p = subprocess.run([renkei, *args], capture_output=True, text=True)
    if p.returncode != expect:
        fail(f"renkei {' '.join(args)} exited {p.returncode}, expected {expect}\nstdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--renkei", required=True)
    ap.add_argument("--login", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--url", required=True, help="the running server, to read imported records back")
    ap.add_argument("--password", required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)

    indicators = [
        stix2.Indicator(pattern=f"[url:value = 'https://cli-{i}.example.jp/']", pattern_type="stix", valid_from="2026-01-01T00:00:00Z", name=f"CLI {i}")
        for i in range(300)
    ]
    bundle = stix2.Bundle(*indicators)
    good = os.path.join(args.work, "good.json")
    with open(good, "w", encoding="utf-8") as f:
        f.write(bundle.serialize(pretty=True))
    reports = json.loads(run(args.renkei, "import", good, "--login", args.login, "--json").stdout)
    if reports[0]["added"] != 300 or reports[0]["refused"] != 0:
        fail(f"import report: {reports}")
    again = json.loads(run(args.renkei, "import", good, "--login", args.login, "--json").stdout)
    if again[0]["duplicates"] != 300 or again[0]["added"] != 0:
        fail(f"re-import should find duplicates: {again}")

    fresh = [
        stix2.Indicator(pattern=f"[url:value = 'https://bad-{i}.example.jp/']", pattern_type="stix", valid_from="2026-01-01T00:00:00Z", name=f"bad {i}")
        for i in range(300)
    ]
    objects = json.loads(stix2.Bundle(*fresh).serialize())["objects"]
    objects[5]["valid_from"] = "not a time"
    del objects[7]["pattern"]
    def record_count():
        return json.loads(run(args.renkei, "migrate", "--json").stdout)["records"]

    before = record_count()
    bad = os.path.join(args.work, "bad.json")
    with open(bad, "w", encoding="utf-8") as f:
        json.dump({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}, f)
    p = run(args.renkei, "import", bad, "--login", args.login, expect=1)
    if "objects/5/valid_from" not in p.stderr or "objects/7/pattern" not in p.stderr or "nothing was stored" not in p.stderr:
        fail(f"errors should name the objects and say nothing was stored: {p.stderr}")
    if record_count() != before:
        fail("a refused file stored records")
    p = run(args.renkei, "import", bad, "--login", args.login, "--partial", "--json")
    partial = json.loads(p.stdout)[0]
    if partial["added"] != 298 or partial["refused"] != 2 or record_count() != before + 298:
        fail(f"--partial stores the valid objects: {partial}")
    p = run(args.renkei, "import", os.path.join(args.work, "missing.json"), "--login", args.login, expect=1)
    if "missing.json" not in p.stderr:
        fail(f"missing file error: {p.stderr}")
    notjson = os.path.join(args.work, "notjson.json")
    with open(notjson, "w") as f:
        f.write('{"type": "bundle", "objects": [')
    p = run(args.renkei, "import", notjson, "--login", args.login, expect=1)
    if "line" not in p.stderr:
        fail(f"JSON errors should give a line: {p.stderr}")

    token = json.loads(run(args.renkei, "admin", "token", "add", "--login", args.login, "--read-only", "--json").stdout)
    if not token["token"].startswith("rnk_") or token["read_only"] is not True:
        fail(f"token: {token}")
    orgs = json.loads(run(args.renkei, "admin", "org", "list", "--json").stdout)
    if not any(o["kind"] == "industry" and o["tier"] == "A" for o in orgs):
        fail(f"org list: {orgs}")
    p = run(args.renkei, "admin", "org", "add", "--name", "x", "--kind", "spaceship", expect=2)
    if "spaceship" not in p.stderr:
        fail("a bad kind names the value")
    misp_import(args)
    text_import(args)
    csv_import(args)
    lookups_and_search(args)
    print("cli: import (STIX, MISP, text, CSV), tokens and listings behave; lookups and search find what was imported")


def lookups_and_search(args):
    """What the imports above stored is found over HTTP: a defanged value by lookup (with its
    sightings and no hint to its own provider), a CSV value in bulk, an excluded value says
    why, and the Japanese text by a two-character word."""
    import requests

    auth = (args.login, args.password)
    r = requests.get(f"{args.url}/api/v1/lookup", params={"value": "hxxps://sagawa-delivery[.]top/track"}, auth=auth, timeout=10)
    if r.status_code != 200:
        fail(f"lookup: {r.status_code} {r.text}")
    url = r.json()["observables"][0]
    # The indicator made from the text, and the note holding the text (its free text is indexed too).
    if url["type"] != "url" or url["value"] != "https://sagawa-delivery.top/track" \
            or sorted(r["type"] for r in url["records"]) != ["indicator", "note"]:
        fail(f"lookup of the texted URL: {url}")
    r = requests.post(f"{args.url}/api/v1/lookup", json={"values": ["45.76.18.202", "evil-c3.xyz", "10.1.2.3"]}, auth=auth, timeout=10)
    results = r.json()["results"]
    found = [len(res["observables"][0]["records"]) for res in results]
    if r.status_code != 200 or found[:2] != [1, 1]:
        fail(f"bulk lookup of the CSV values: {r.status_code} {results}")
    if results[2]["observables"][0].get("excluded", {}).get("category") != "private":
        fail(f"a private address says it is excluded: {results[2]}")
    r = requests.get(f"{args.url}/api/v1/search", params={"q": "不審"}, auth=auth, timeout=10)
    if r.status_code != 200 or not any(rec["type"] == "note" for rec in r.json()["records"]):
        fail(f"search for 不審 finds the imported note: {r.status_code} {r.text[:500]}")
    r = requests.get(f"{args.url}/api/v1/search", params={"q": "宅配", "type": "report"}, auth=auth, timeout=10)
    if r.status_code != 200 or not r.json()["records"]:
        fail(f"search for 宅配 finds the MISP report: {r.status_code} {r.text[:500]}")


def csv_import(args):
    """A blocklist CSV with a type column: stored; one bad row refuses the file naming its line."""
    good = os.path.join(args.work, "blocklist.csv")
    with open(good, "w", encoding="utf-8") as f:
        f.write("type,ioc,note\nip-dst,45.76.18.202,C2\nhostname,evil-c3[.]xyz,phishing\nip,10.1.2.3,internal\n")
    report = json.loads(run(args.renkei, "import", "--format", "csv", good, "--csv-value", "ioc", "--csv-type", "type",
                            "--csv-comment", "note", "--login", args.login, "--json").stdout)[0]
    if report["added"] != 2 or not any("line 4" in w for w in report.get("warnings", [])):
        fail(f"CSV import report: {report}")
    bad = os.path.join(args.work, "bad.csv")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("type,ioc\nip,45.76.18.203\nip,999.1.1.1\n")
    before = json.loads(run(args.renkei, "migrate", "--json").stdout)["records"]
    p = run(args.renkei, "import", "--format", "csv", bad, "--csv-value", "ioc", "--csv-type", "type", "--login", args.login, expect=1)
    if "line 3" not in p.stderr or "nothing stored" not in p.stderr:
        fail(f"a bad CSV row is named: {p.stderr}")
    if json.loads(run(args.renkei, "migrate", "--json").stdout)["records"] != before:
        fail("a refused CSV stored records")


def text_import(args):
    """Free Japanese text with a defanged URL and a bank account: a note, an indicator and a
    fraud account; invalid UTF-8 is refused naming the offset."""
    path = os.path.join(args.work, "sms.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("不審な SMS：hxxps://sagawa-delivery[.]top/track\n送金先　三菱ＵＦＪ銀行　渋谷支店　普通　１２３４５６７\n")
    report = json.loads(run(args.renkei, "import", "--format", "text", path, "--login", args.login, "--json").stdout)[0]
    if report["added"] != 3 or report["refused"] != 0:
        fail(f"text import report: {report}")
    bad = os.path.join(args.work, "bad.txt")
    with open(bad, "wb") as f:
        f.write(b"ok \xff\xfe")
    p = run(args.renkei, "import", "--format", "text", bad, "--login", args.login, expect=1)
    if "offset 3" not in p.stderr:
        fail(f"invalid UTF-8 names the offset: {p.stderr}")


def misp_import(args):
    """A MISP event made by the real pymisp, imported with `renkei import --format misp`: its
    tags become the records' handling, read back over REST."""
    from pymisp import MISPEvent

    event = MISPEvent()
    event.info = "フィッシング（宅配業者を装う SMS）"
    event.add_tag("tlp:amber")
    event.add_tag("PAP:GREEN")
    url = event.add_attribute("url", "https://sagawa-delivery.example.jp/track?id=1", to_ids=True, comment="SMS のリンク先")
    ip = event.add_attribute("ip-dst", "203.0.113.77", to_ids=True)
    red = event.add_attribute("domain", "c2.example.net", to_ids=True)
    red.add_tag("tlp:red")
    path = os.path.join(args.work, "misp-event.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(event.to_json())
    report = json.loads(run(args.renkei, "import", "--format", "misp", path, "--login", args.login, "--json").stdout)[0]
    if report["added"] != 4 or report["refused"] != 0:  # a report and three indicators
        fail(f"MISP import report: {report}")
    import requests

    def record(stix_id):
        r = requests.get(f"{args.url}/api/v1/records/{stix_id}", auth=(args.login, args.password), timeout=10)
        if r.status_code != 200:
            fail(f"{stix_id}: {r.status_code} {r.text}")
        return r.json()

    for attr, tlp in [(url, "TLP:AMBER"), (ip, "TLP:AMBER"), (red, "TLP:RED")]:
        rec = record(f"indicator--{attr.uuid}")
        if rec["handling"]["tlp"] != tlp or rec["handling"]["pap"] != "PAP:GREEN":
            fail(f"{attr.value}: handling {rec['handling']}, expected {tlp} and PAP:GREEN")
    pattern = record(f"indicator--{url.uuid}")["object"]["pattern"]
    if pattern != "[url:value = 'https://sagawa-delivery.example.jp/track?id=1']":
        fail(f"pattern {pattern}")
    broken = os.path.join(args.work, "broken-misp.json")
    with open(broken, "w") as f:
        f.write('{"Event": {"info": "no uuid", "Attribute": []}}')
    p = run(args.renkei, "import", "--format", "misp", broken, "--login", args.login, expect=1)
    if "misp_not_an_event" not in p.stderr or "uuid" not in p.stderr:
        fail(f"a broken MISP event names what is missing: {p.stderr}")


if __name__ == "__main__":
    main()
