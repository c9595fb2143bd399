#!/usr/bin/env python3
"""Drive a running Renkei server with the OASIS taxii2-client 2.3.0 and check every object
it returns with stix2-validator 3.2.0.

Journey: discovery -> API root -> collections -> add_objects (>= 2,500 objects made with the
python-stix2 library) -> as_pages walk with page size 100 -> manifest walk -> versions of an
object -> get one object -> delete it -> it is gone. Exits non-zero on the first failure.
"""

import argparse
import datetime
import json
import sys
import uuid

import requests
import stix2
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Collection, Server, as_pages

TLP = {
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "tlp1-white": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
}
PAP_AMBER = "marking-definition--60f8932b-e51e-4458-b265-a2e8be9a80ab"


def expected_stored(submitted):
    """What the server stores and returns for a submitted object: the object unchanged but for
    `object_marking_refs`, which says the effective TLP and PAP so no consumer downstream can
    mistake an unmarked object for TLP:CLEAR. The provider's own markings stay in order; an
    object without a TLP gets the restrictive default TLP:AMBER, and an object without a PAP
    gets PAP:AMBER, appended in that order (docs/sharing.md). Marking definitions are never
    marked."""
    if submitted["type"] == "marking-definition":
        return submitted
    refs = list(submitted.get("object_marking_refs", []))
    if not any(r in TLP.values() for r in refs):
        refs.append(TLP["amber"])
    refs.append(PAP_AMBER)
    return dict(submitted, object_marking_refs=refs)


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def make_objects(n):
    """A realistic mix: indicators, observables with deterministic ids, malware,
    relationships, sightings, identities, a report, a statement marking."""
    t = datetime.datetime(2026, 11, 1, 9, 0, 0, tzinfo=datetime.timezone.utc)
    identity = stix2.Identity(name="さくら銀行 CSIRT", identity_class="organization", sectors=["financial-services"])
    statement = stix2.MarkingDefinition(definition_type="statement", definition=stix2.StatementMarking(statement="© 2026 さくら銀行"))
    malware = stix2.Malware(name="Emotet", is_family=True, malware_types=["trojan"], created_by_ref=identity.id)
    objects = [identity, statement, malware]
    markings = [TLP["green"], TLP["amber"], TLP["clear"], TLP["tlp1-white"]]
    i = 0
    while len(objects) < n:
        i += 1
        k = i % 7
        marking = [markings[i % len(markings)]]
        if k == 0:
            objects.append(stix2.IPv4Address(value=f"198.51.{i // 250 % 250}.{i % 250}", object_marking_refs=marking))
        elif k == 1:
            objects.append(stix2.DomainName(value=f"phish-{i}.example.jp", object_marking_refs=marking))
        elif k == 2:
            objects.append(stix2.URL(value=f"https://login-{i}.example.jp/auth?id={i}", object_marking_refs=marking))
        elif k == 3:
            digest = uuid.uuid5(uuid.NAMESPACE_URL, str(i)).hex * 2
            objects.append(stix2.File(hashes={"SHA-256": digest}, name=f"請求書_{i}.exe", object_marking_refs=marking))
        elif k == 4:
            ind = stix2.Indicator(
                name=f"C2 サーバ {i}",
                indicator_types=["malicious-activity"],
                pattern=f"[ipv4-addr:value = '203.0.113.{i % 250}'] OR [domain-name:value = 'c2-{i}.example']",
                pattern_type="stix",
                valid_from=t,
                created_by_ref=identity.id,
                object_marking_refs=marking + [statement.id],
                x_renkei_note="custom property kept",
                allow_custom=True,
            )
            objects.append(ind)
            objects.append(stix2.Relationship(ind, "indicates", malware, object_marking_refs=marking))
        elif k == 5:
            objects.append(stix2.Sighting(sighting_of_ref=malware.id, count=i % 50 + 1, where_sighted_refs=[identity.id], object_marking_refs=marking))
        else:
            objects.append(
                stix2.AttackPattern(
                    name=f"スミッシング手口 {i}",
                    kill_chain_phases=[{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}],
                    object_marking_refs=marking,
                )
            )
    objects.append(stix2.Report(name="週次まとめ", published=t, report_types=["threat-report"], object_refs=[malware.id, identity.id]))
    return [json.loads(o.serialize()) for o in objects]


def validate(objects):
    options = ValidationOptions(version="2.1")
    for o in objects:
        result = validate_instance(o, options)
        if not result.is_valid:
            errors = [str(e) for e in result.errors]
            fail(f"stix2-validator rejects {o.get('id')}: {errors}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8080")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--objects", type=int, default=2600)
    args = ap.parse_args()

    server = Server(f"{args.url}/taxii2/", user=args.user, password=args.password)
    check(server.title, "discovery has a title")
    check(len(server.api_roots) == 1, f"one API root, got {len(server.api_roots)}")
    root = server.api_roots[0]
    check("application/taxii+json;version=2.1" in root.versions, "API root lists TAXII 2.1")
    check(root.max_content_length > 0, "max_content_length")
    by_title = {c.title: c for c in root.collections}
    check({"records", "public"} <= set(by_title), f"collections: {sorted(by_title)}")
    records = by_title["records"]
    check(records.can_read and records.can_write, "records is readable and writable for a contributor")
    check(not by_title["public"].can_write, "public is read-only")

    # Anonymous clients see the public collection only.
    anonymous = Server(f"{args.url}/taxii2/")
    anon_titles = [c.title for c in anonymous.api_roots[0].collections]
    check(anon_titles == ["public"], f"anonymous sees {anon_titles}")

    objects = make_objects(args.objects)
    check(len(objects) >= 2500, "at least 2,500 objects")
    validate(objects)
    status = records.add_objects({"objects": objects})
    check(status.status == "complete", f"status {status.status}")
    check(status.total_count == len(objects), f"total_count {status.total_count} != {len(objects)}")
    check(status.failure_count == 0, f"failures: {status.failures[:3]}")
    check(status.success_count == len(objects), "all succeeded")
    again = records.add_objects({"objects": objects[:10]})
    check(again.success_count == 10 and again.failure_count == 0, "re-posting duplicates is not an error")
    print(f"added {status.success_count} objects")

    # Walk every page of 100.
    seen = []
    pages = 0
    for envelope in as_pages(records.get_objects, per_request=100):
        page = envelope.get("objects", [])
        check(len(page) <= 100, f"page of {len(page)} > 100")
        seen.extend(page)
        pages += 1
    check(len(seen) == len(objects), f"paged {len(seen)} objects, expected {len(objects)}")
    check([o["id"] for o in seen] == [o["id"] for o in objects], "objects come back in the order they were added")
    expected = [expected_stored(o) for o in objects]
    for got, want in zip(seen, expected):
        check(got == want, f"{want['id']} comes back as submitted with its effective markings: {got}")
    validate(seen)
    print(f"walked {pages} pages of 100; every object passes stix2-validator 3.2.0")

    manifest = []
    for envelope in as_pages(records.get_manifest, per_request=100):
        manifest.extend(envelope.get("objects", []))
    check(len(manifest) == len(objects), f"manifest has {len(manifest)} records")
    dates = [m["date_added"] for m in manifest]
    check(dates == sorted(dates) and len(set(dates)) == len(dates), "date_added is unique and ascending")
    check(all(len(d) == 27 and d.endswith("Z") for d in dates), "date_added has microsecond precision")
    check(all(m["media_type"] == "application/stix+json;version=2.1" for m in manifest), "media types")

    # A new version of one indicator.
    ind = next(o for o in objects if o["type"] == "indicator")
    # A day after the first version (python-stix2 stamps `created` with the current time).
    later = (stix2.utils.parse_into_datetime(ind["modified"]) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    newer = dict(ind, modified=later, name=ind["name"] + " (更新)")
    st = records.add_objects({"objects": [newer]})
    check(st.success_count == 1, "new version accepted")
    versions = records.object_versions(ind["id"])["versions"]
    # The server writes 3, 6 or 9 fractional digits; python-stix2 drops trailing zeros.
    instants = [stix2.utils.parse_into_datetime(v) for v in versions]
    want = [stix2.utils.parse_into_datetime(v) for v in (ind["modified"], later)]
    check(instants == want, f"versions {versions}, expected {want}")
    latest = records.get_object(ind["id"])["objects"]
    check(len(latest) == 1 and latest[0]["name"].endswith("(更新)"), "get_object returns the latest version")
    both = records.get_object(ind["id"], version="all")["objects"]
    check(len(both) == 2, "version=all returns both")
    validate(both)
    filtered = records.get_objects(type="malware")["objects"]
    check([o["type"] for o in filtered] == ["malware"], "match[type]")

    # Delete and see it gone.
    records.delete_object(ind["id"], version="all")
    try:
        records.get_object(ind["id"])
        fail("deleted object is still there")
    except requests.HTTPError as e:
        check(e.response.status_code == 404, f"deleted object: {e.response.status_code}")
    remaining = []
    for envelope in as_pages(records.get_manifest, per_request=500):
        remaining.extend(envelope.get("objects", []))
    check(ind["id"] not in {m["id"] for m in remaining}, "deleted object left the manifest")

    # The public collection needs no credentials.
    public = Collection(by_title["public"].url)
    public.get_objects()
    print("interop: taxii2-client 2.3.0 journey passed")


if __name__ == "__main__":
    main()
