#!/usr/bin/env python3
"""Products end to end against a running server, checked by the OASIS tools: a member shares a
record with its sector only; a secretariat analyst writes a public alert citing it; the
publication waits for the member's consent and for a second analyst (who approves with the
`renkei product` CLI); the STIX export passes stix2-validator 3.2.0 and parses with stix2; the
public Atom feed (read by feedparser) carries the alert and never the cited record; a seminar
takes a public registration."""

import argparse
import base64
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import feedparser
import stix2
from stix2validator import ValidationOptions, validate_instance


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def request(url, method="GET", body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    hs = dict(headers or {})
    if data is not None:
        hs["content-type"] = "application/json"
    req = urllib.request.Request(url, method=method, data=data, headers=hs)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--renkei", required=True)
    ap.add_argument("--login", required=True, help="a tier-A member of the finance sector")
    ap.add_argument("--password", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    api = f"{args.url}/api/v1"

    def run(*a, env=None):
        return subprocess.run([args.renkei, *a], capture_output=True, text=True, env={**os.environ, **(env or {})})

    def auth(login):
        return {"authorization": "Basic " + base64.b64encode(f"{login}:{args.password}".encode()).decode()}

    p = run("admin", "org", "add", "--name", "Interop product desk", "--kind", "secretariat", "--json")
    check(p.returncode == 0, f"secretariat org: {p.stderr}")
    author, approver = f"{args.login}-author", f"{args.login}-approver"
    for login in (author, approver):
        p = run("admin", "user", "add", "--org", "Interop product desk", "--login", login, "--role", "analyst",
                "--clearance", "3", "--json", env={"RENKEI_PASSWORD": args.password})
        check(p.returncode == 0, f"analyst {login}: {p.stderr}")

    # The member's record: its sector only, no publication consent.
    record_id = f"indicator--{uuid.uuid4()}"
    indicator = {"type": "indicator", "spec_version": "2.1", "id": record_id,
                 "created": "2026-11-20T00:00:00.000Z", "modified": "2026-11-20T00:00:00.000Z",
                 "name": "偽ログインページ", "pattern": "[domain-name:value = 'sakura-login-check.shop']",
                 "pattern_type": "stix", "valid_from": "2026-11-20T00:00:00Z"}
    handling = {"tlp": "TLP:AMBER", "audience": ["sector:finance"], "classification": 0,
                "uses": ["investigation"], "attribution": "sector_only", "pap": "PAP:AMBER"}
    status, _, body = request(f"{api}/records", "POST", {"handling": handling, "objects": [indicator]}, auth(args.login))
    check(status == 201, f"member's record: {status} {body[:300]}")

    title = "偽の銀行ログインページに注意 <script>"
    product = {"kind": "alert",
               "content": {"title": title, "summary": "地方銀行を装うフィッシングサイトが増えています。",
                           "body": "SMS のリンクからログインしないでください。", "severity": "high",
                           "sectors": ["finance"], "recommended_actions": ["多要素認証を有効にする"],
                           "cites": [record_id]},
               "release": {"tlp": "TLP:CLEAR", "audience": ["members"], "public": True}}
    status, _, body = request(f"{api}/products", "POST", product, auth(author))
    check(status == 201, f"draft: {status} {body[:300]}")
    number = json.loads(body)["number"]
    status, _, body = request(f"{api}/products/{number}/submit", "POST", {}, auth(author))
    check(status == 200, f"submit: {status} {body[:300]}")
    asks = json.loads(body)["consent_requests"]
    check([a["record"] for a in asks] == [record_id], f"consent requests: {asks}")

    # Without consent the CLI approval fails; with it, it publishes.
    p = run("product", "approve", number, "--login", approver)
    check(p.returncode != 0 and "consent_missing" in p.stderr, f"approval without consent: {p.returncode} {p.stderr}")
    status, _, body = request(f"{api}/consents/{asks[0]['id']}", "POST", {"answer": "given"}, auth(args.login))
    check(status == 200, f"consent: {status} {body[:300]}")
    p = run("product", "approve", number, "--login", author)
    check(p.returncode != 0 and "approver_is_author" in p.stderr, f"self-approval: {p.returncode} {p.stderr}")
    p = run("--json", "product", "approve", number, "--login", approver)
    check(p.returncode == 0 and json.loads(p.stdout)["status"] == "published", f"approval: {p.stdout} {p.stderr}")

    # The STIX export, over REST and from the CLI, passes stix2-validator and parses with stix2.
    status, headers, body = request(f"{api}/products/{number}/stix", headers=auth(args.login))
    check(status == 200, f"STIX export: {status}")
    exported = os.path.join(args.work, "product.json")
    p = run("product", "show", number, "--login", args.login, "--format", "stix", "--out", exported)
    check(p.returncode == 0, f"renkei product show --format stix: {p.stderr}")
    for source, bundle in (("REST", json.loads(body)), ("CLI", json.load(open(exported)))):
        for o in bundle["objects"]:
            result = validate_instance(o, ValidationOptions(version="2.1"))
            check(result.is_valid, f"stix2-validator rejects {source} {o['id']}: {[str(e) for e in result.errors]}")
        parsed = stix2.parse(bundle, allow_custom=True)
        report = [o for o in parsed.objects if o.type == "report"][0]
        check(report.name.startswith(number), f"{source} report name: {report.name}")
    # The printable page carries the TLP label in its header and footer, escaped content.
    status, _, body = request(f"{api}/products/{number}/print", headers=auth(args.login))
    page = body.decode()
    check(status == 200 and page.count("<span>TLP:CLEAR</span>") == 2, "printable page TLP header and footer")
    check("<script>" not in page, "the printable page does not escape the title")

    # The public reads the alert as Atom; the cited record is nowhere in it.
    status, _, body = request(f"{args.url}/public/alerts.atom")
    feed = feedparser.parse(body)
    check(status == 200 and not feed.bozo, f"/public/alerts.atom: {status} {feed.get('bozo_exception')}")
    check(any(number in e.title for e in feed.entries), f"the alert is not public: {[e.title for e in feed.entries]}")
    check(record_id not in body.decode(), "the public feed names the cited record")

    # A public seminar takes an anonymous registration.
    seminar = {"kind": "seminar",
               "content": {"title": "フィッシング対策セミナー", "seminar": {
                   "starts_at": "2099-02-01T05:00:00Z", "ends_at": "2099-02-01T07:00:00Z",
                   "venue": "東京", "capacity": 50, "registration": "public"}},
               "release": {"tlp": "TLP:CLEAR", "audience": ["members"], "public": True}}
    status, _, body = request(f"{api}/products", "POST", seminar, auth(author))
    check(status == 201, f"seminar draft: {status} {body[:300]}")
    se = json.loads(body)["number"]
    for step, who in (("submit", author), ("approve", approver)):
        status, _, body = request(f"{api}/products/{se}/{step}", "POST", {}, auth(who))
        check(status == 200, f"seminar {step}: {status} {body[:300]}")
    status, _, body = request(f"{args.url}/public/seminars/{se}/registrations", "POST",
                              {"name": "山田 太郎", "email": "taro@example.jp"})
    check(status == 201 and json.loads(body)["tracking"].startswith(se), f"registration: {status} {body[:300]}")
    print(f"products: {number} published after consent and a second analyst's approval; its STIX export "
          f"passes stix2-validator and stix2; feedparser reads it publicly without the cited record; "
          f"seminar {se} took a public registration")


if __name__ == "__main__":
    main()
