#!/usr/bin/env python3
"""Feeds for defenders end to end, checked by the tools that consume them: a member posts
indicators it consents to share with defenders, makes a feed token with the CLI, pulls every
feed from the running server, and Suricata 7 (`suricata -T`), BIND (`named-checkzone`) and
stix2-validator 3.2.0 accept what comes out. An incremental pull after a false-positive
report removes the value; a 304 answers an unchanged feed. The public alerts read as Atom
and RSS with feedparser."""

import argparse
import base64
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

from stix2validator import ValidationOptions, validate_instance


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def request(url, method="GET", body=None, headers=None):
    req = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def indicator(pattern, name):
    return {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "name": name, "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
    }


PATTERNS = [
    ("[ipv4-addr:value = '45.95.147.21']", "C2 \"main\"; <script>alert(1)</script>"),
    ("[ipv4-addr:value = '91.215.85.0/24']", "防弾ホスティング"),
    ("[ipv6-addr:value = '2a03:2880:f12f:83:face:b00c:0:25de']", "IPv6 C2"),
    ("[domain-name:value = 'sakura-bank-login.shop']", "フィッシング | さくら銀行"),
    ("[domain-name:value = 'xn--eckwd4c7c.xn--zckzah']", "IDN"),
    ("[url:value = 'http://phish.sakura-login.xyz/login?id=1&x=%22']", "phishing URL"),
    ("[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", "Emotet"),
    ("[file:hashes.MD5 = '44d88612fea8a8f36de82e1278abb02f']", "EICAR"),
]

SURICATA_YAML = """%YAML 1.1
---
vars:
  address-groups:
    HOME_NET: "[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16]"
    EXTERNAL_NET: "!$HOME_NET"
default-rule-path: {dir}
classification-file: /etc/suricata/classification.config
reference-config-file: /etc/suricata/reference.config
threshold-file: /dev/null
outputs: []
logging:
  default-log-level: info
  outputs:
    - console:
        enabled: yes
"""

DATASET_RULES = """
alert dns $HOME_NET any -> any any (msg:"RENKEI domain (dataset)"; dns.query; to_lowercase; dataset:isset,renkei-domains,type string,load renkei-domains.lst; sid:1; rev:1;)
alert ip $HOME_NET any -> any any (msg:"RENKEI ip (dataset)"; ip.dst; dataset:isset,renkei-ips,type ip,load renkei-ips.lst; sid:2; rev:1;)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--renkei", required=True)
    ap.add_argument("--login", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    basic = "Basic " + base64.b64encode(f"{args.login}:{args.password}".encode()).decode()

    objects = [indicator(p, n) for p, n in PATTERNS]
    handling = {"tlp": "TLP:AMBER", "audience": ["members"], "classification": 0,
                "uses": ["defensive_feeds"], "attribution": "named", "pap": "PAP:GREEN"}
    status, _, body = request(f"{args.url}/api/v1/records", "POST",
                              json.dumps({"handling": handling, "objects": objects}).encode(),
                              {"authorization": basic, "content-type": "application/json"})
    check(status == 201, f"posting consented indicators: {status} {body[:300]}")

    p = subprocess.run([args.renkei, "admin", "token", "add", "--login", args.login, "--feeds",
                        "--label", "interop sensor", "--json"], capture_output=True, text=True)
    check(p.returncode == 0, f"renkei admin token add --feeds: {p.stderr}")
    token = json.loads(p.stdout)["token"]

    def pull(name, extra="", headers=None):
        sep = "&" if "?" in name else "?"
        status, h, body = request(f"{args.url}/feeds/{name}{sep}token={token}{extra}", headers=headers)
        check(status in (200, 304), f"/feeds/{name}: {status} {body[:300]}")
        return status, {k.lower(): v for k, v in h.items()}, body

    # The token pulls feeds and nothing else.
    status, _, _ = request(f"{args.url}/api/v1/records", headers={"authorization": f"Bearer {token}"})
    check(status == 403, f"a feed token read /api/v1/records: {status}")

    work = args.work
    files = {}
    for name, file in [("suricata", "renkei.rules"), ("suricata-dataset?set=domains", "renkei-domains.lst"),
                       ("suricata-dataset?set=ips", "renkei-ips.lst"), ("rpz", "renkei.rpz.zone"),
                       ("stix", "renkei.stix.json"), ("csv", "renkei.csv"), ("plain", "renkei.txt"),
                       ("samples", "renkei-samples.csv")]:
        _, headers, body = pull(name)
        files[name] = (body, headers)
        with open(os.path.join(work, file), "wb") as f:
            f.write(body)
    plain = files["plain"][0].decode().split()
    for value in ["45.95.147.21", "sakura-bank-login.shop", "xn--eckwd4c7c.xn--zckzah",
                  "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"]:
        check(value in plain, f"the plain feed lacks {value}: {plain}")

    # Suricata 7 loads the rules and the datasets.
    rules = files["suricata"][0].decode()
    alerts = [l for l in rules.splitlines() if l.startswith("alert ")]
    check(len(alerts) >= 8, f"too few rules: {rules}")
    with open(os.path.join(work, "renkei.rules"), "w") as f:
        f.write(rules + DATASET_RULES)
    with open(os.path.join(work, "suricata.yaml"), "w") as f:
        f.write(SURICATA_YAML.format(dir=work))
    os.makedirs(os.path.join(work, "log"), exist_ok=True)
    t = subprocess.run(["suricata", "-T", "-c", os.path.join(work, "suricata.yaml"), "-S",
                        os.path.join(work, "renkei.rules"), "-l", os.path.join(work, "log")],
                       capture_output=True, text=True, cwd=work, timeout=300)
    out = t.stdout + t.stderr
    check(t.returncode == 0, f"suricata -T refused the feed:\n{out}")
    loaded = f"{len(alerts) + 2} rules successfully loaded, 0 rules failed"
    check(loaded in out, f"suricata did not load every rule ({loaded}):\n{out}")

    # BIND loads the response policy zone.
    t = subprocess.run(["named-checkzone", "-k", "fail", "-i", "full", "rpz.renkei.invalid",
                        os.path.join(work, "renkei.rpz.zone")], capture_output=True, text=True, timeout=120)
    check(t.returncode == 0, f"named-checkzone refused the zone:\n{t.stdout}{t.stderr}")

    # The same zone exported offline with the CLI, as the same user receives it.
    exported = os.path.join(work, "exported.rpz.zone")
    p = subprocess.run([args.renkei, "export", "feed", "rpz", "--login", args.login, "--out", exported, "--json"],
                       capture_output=True, text=True)
    check(p.returncode == 0, f"renkei export feed rpz: {p.stderr}")
    check(json.loads(p.stdout)["entries"] >= 5, f"export summary: {p.stdout} {p.stderr}")
    t = subprocess.run(["named-checkzone", "-k", "fail", "-i", "full", "rpz.renkei.invalid", exported],
                       capture_output=True, text=True, timeout=120)
    check(t.returncode == 0, f"named-checkzone refused the exported zone:\n{t.stdout}{t.stderr}")
    p = subprocess.run([args.renkei, "export", "feed", "rpz", "--login", "nobody-at-all"], capture_output=True, text=True)
    check(p.returncode != 0 and "nobody-at-all" in p.stderr, f"export for an unknown login: {p.returncode} {p.stderr}")

    # stix2-validator accepts every indicator.
    bundle = json.loads(files["stix"][0])
    check(bundle["type"] == "bundle" and len(bundle["objects"]) >= 8, f"STIX feed: {bundle}")
    for o in bundle["objects"]:
        result = validate_instance(o, ValidationOptions(version="2.1"))
        check(result.is_valid, f"stix2-validator rejects {o.get('id')}: {[str(e) for e in result.errors]}")

    # Unchanged: 304. Then a false positive drops a value from the incremental CSV.
    etag, cursor = files["plain"][1]["etag"], files["plain"][1]["x-renkei-feed-cursor"]
    status, _, _ = pull("plain", headers={"if-none-match": etag})
    check(status == 304, f"an unchanged feed answered {status}")
    sighting = {"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}",
                "created": "2026-11-02T00:00:00.000Z", "modified": "2026-11-02T00:00:00.000Z",
                "sighting_of_ref": objects[0]["id"], "x_renkei_sighting_type": "false_positive"}
    status, _, body = request(f"{args.url}/api/v1/records", "POST",
                              json.dumps({"handling": handling, "objects": [sighting]}).encode(),
                              {"authorization": basic, "content-type": "application/json"})
    check(status == 201, f"posting the false positive: {status} {body[:300]}")
    _, _, body = pull("csv", f"&since={cursor}")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    check([(r["change"], r["value"]) for r in rows] == [("removed", "45.95.147.21")],
          f"incremental CSV after a false positive: {rows}")
    _, _, body = pull("plain")
    check("45.95.147.21" not in body.decode().split(), "the false positive is still in the full feed")
    public_alerts(args)
    print(f"feeds: {len(alerts)} Suricata rules and datasets pass suricata -T, the RPZ zone passes "
          f"named-checkzone, {len(bundle['objects'])} STIX indicators pass stix2-validator; "
          "incremental removal and 304 work; feedparser reads the public alerts as Atom and RSS")


def public_alerts(args):
    """The secretariat publishes an alert; feedparser reads it from Atom and RSS, unauthenticated."""
    import feedparser

    run = lambda *a, env=None: subprocess.run([args.renkei, *a], capture_output=True, text=True,
                                              env={**os.environ, **(env or {})})
    p = run("admin", "org", "add", "--name", "Interop secretariat", "--kind", "secretariat", "--json")
    check(p.returncode == 0, f"secretariat org: {p.stderr}")
    p = run("admin", "user", "add", "--org", "Interop secretariat", "--login", f"{args.login}-analyst",
            "--role", "analyst", "--clearance", "3", "--json", env={"RENKEI_PASSWORD": args.password})
    check(p.returncode == 0, f"analyst: {p.stderr}")
    basic = "Basic " + base64.b64encode(f"{args.login}-analyst:{args.password}".encode()).decode()
    title = "SMS フィッシング注意 <b>&</b>"
    alert = {"type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid4()}",
             "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
             "name": title, "description": "宅配業者を装う SMS に注意してください。", "published": "2026-11-01T09:00:00Z",
             "report_types": ["threat-report"], "object_refs": [f"attack-pattern--{uuid.uuid4()}"]}
    handling = {"tlp": "TLP:CLEAR", "audience": ["members"], "classification": 0, "uses": ["publication"],
                "attribution": "named", "pap": "PAP:CLEAR"}
    status, _, body = request(f"{args.url}/api/v1/records", "POST",
                              json.dumps({"handling": handling, "objects": [alert]}).encode(),
                              {"authorization": basic, "content-type": "application/json"})
    check(status == 201, f"publishing the alert: {status} {body[:300]}")
    for name in ["alerts.atom", "alerts.rss"]:
        status, _, body = request(f"{args.url}/public/{name}")
        check(status == 200, f"/public/{name}: {status}")
        feed = feedparser.parse(body)
        check(not feed.bozo, f"feedparser finds /public/{name} malformed: {feed.get('bozo_exception')}")
        titles = [e.title for e in feed.entries]
        check(title in titles, f"/public/{name} lacks the alert: {titles}")


if __name__ == "__main__":
    main()
