#!/usr/bin/env python3
"""Builds the MISP fixtures of crates/ingest/tests/fixtures/misp/ with the real pymisp.

Run from the repository root with the project's virtualenv:

    .venv/bin/python tests/interop/make_misp_fixtures.py

Everything is deterministic (fixed UUIDs and timestamps), so running it again rewrites the
same bytes. Output:

- events/*.json            one event each, as `MISPEvent.to_json()` writes it (a bare event);
- feed/manifest.json       the MISP feed manifest (`MISPEvent.manifest` of every event);
- feed/<uuid>.json         each event as `MISPEvent.to_feed()` writes it (`{"Event": {...}}`);
- feed/hashes.csv          the optional hash list MISP feeds carry (Renkei ignores it).

The feed export drops sightings (MISP feeds do not carry them); the sightings are tested
through events/sightings.json.
"""

import datetime
import json
import pathlib
import uuid

from pymisp import MISPEvent, MISPObject, MISPOrganisation, MISPSighting

OUT = pathlib.Path(__file__).resolve().parents[2] / "crates/ingest/tests/fixtures/misp"
NS = uuid.UUID("6c6f6e67-6b65-4d69-8d70-000000000000")
UTC = datetime.timezone.utc


def uid(name: str) -> str:
    """A fixed UUID per name, so fixtures and tests agree."""
    return str(uuid.uuid5(NS, name))


def at(day: int, hour: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def org() -> MISPOrganisation:
    o = MISPOrganisation()
    o.name = "JPCERT-Example"
    o.uuid = uid("org")
    return o


def new_event(name: str, info: str, day: int) -> MISPEvent:
    e = MISPEvent()
    e.uuid = uid(name)
    e.info = info
    e.date = datetime.date(2026, 11, day)
    e.timestamp = at(day, 9)
    e.publish_timestamp = at(day, 10)
    e.published = True
    e.threat_level_id = 2
    e.analysis = 2
    e.Orgc = org()
    return e


def attr(e, name, ty, value, day, **kw):
    a = e.add_attribute(ty, value, uuid=uid(name), timestamp=at(day, 8), **kw)
    return a


def phishing() -> MISPEvent:
    e = new_event("phishing", "銀行をかたるフィッシング（SMS 誘導）", 1)
    e.add_tag("tlp:amber")
    e.add_tag("PAP:GREEN")
    e.add_tag("phishing")
    attr(e, "phishing/url", "url", "https://login-sakura-bank.example/auth?id=1&q='x'", 1,
         to_ids=True, comment="SMS の誘導先")
    attr(e, "phishing/domain", "domain", "login-sakura-bank.example", 1, to_ids=True)
    attr(e, "phishing/ip", "ip-dst", "203.0.113.7", 1, to_ids=True)
    attr(e, "phishing/ip6", "ip-src", "2001:db8::7", 1, to_ids=False)
    attr(e, "phishing/domain-ip", "domain|ip", "sms-sakura.example|198.51.100.23", 1, to_ids=True)
    attr(e, "phishing/port", "ip-dst|port", "198.51.100.24|8443", 1, to_ids=True)
    attr(e, "phishing/email", "email-src", "support@sakura-bank.example", 1, to_ids=False)
    attr(e, "phishing/text", "text", "被害は関東の地銀利用者に集中", 1, to_ids=False)
    attr(e, "phishing/bad-ip", "ip-dst", "203.0.113.300", 1, to_ids=True)
    return e


def malware() -> MISPEvent:
    e = new_event("malware", "Emotet loader dropped by Japanese invoice lure", 3)
    e.add_tag("tlp:green")
    e.add_tag('misp-galaxy:malpedia="Emotet"')
    f = MISPObject("file", standalone=False)
    f.uuid = uid("malware/file")
    f.add_attribute("filename", "請求書_2026-11.xlsm", uuid=uid("malware/file/name"),
                    timestamp=at(3, 8), to_ids=False)
    f.add_attribute("size-in-bytes", 48213, uuid=uid("malware/file/size"),
                    timestamp=at(3, 8), to_ids=False)
    f.add_attribute("md5", "0cc175b9c0f1b6a831c399e269772661", uuid=uid("malware/file/md5"),
                    timestamp=at(3, 8), to_ids=False)
    f.add_attribute("sha256",
                    "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
                    uuid=uid("malware/file/sha256"), timestamp=at(3, 8), to_ids=False)
    e.add_object(f)
    g = MISPObject("file", standalone=False)
    g.uuid = uid("malware/dropper")
    g.add_attribute("filename", "loader.dll", uuid=uid("malware/dropper/name"),
                    timestamp=at(3, 8), to_ids=True)
    g.add_attribute("sha1", "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8",
                    uuid=uid("malware/dropper/sha1"), timestamp=at(3, 8), to_ids=True)
    e.add_object(g)
    d = MISPObject("domain-ip", standalone=False)
    d.uuid = uid("malware/c2")
    d.add_attribute("domain", "c2.emotet.example", uuid=uid("malware/c2/domain"),
                    timestamp=at(3, 8), to_ids=False)
    d.add_attribute("ip", "192.0.2.55", uuid=uid("malware/c2/ip"), timestamp=at(3, 8),
                    to_ids=False)
    e.add_object(d)
    attr(e, "malware/composite", "filename|sha256",
         "invoice.xlsm|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 3,
         to_ids=True)
    attr(e, "malware/cve", "vulnerability", "CVE-2017-11882", 3, to_ids=False)
    return e


def sightings() -> MISPEvent:
    e = new_event("sightings", "C2 infrastructure seen by members", 5)
    e.add_tag("tlp:green")
    red = attr(e, "sightings/red", "ip-dst", "192.0.2.200", 5, to_ids=True,
               comment="提供元のハニーポットのみ")
    red.add_tag("tlp:red")
    for i, (ty, day) in enumerate([("0", 5), ("1", 6), ("2", 7)]):
        s = MISPSighting()
        s.from_dict(type=ty, date_sighting=str(int(at(day, 12).timestamp())),
                    uuid=uid(f"sightings/s{i}"), source="member-honeypot")
        red.sightings.append(s)
    obs = attr(e, "sightings/observable", "domain", "cdn-update.example", 5, to_ids=False)
    s = MISPSighting()
    s.from_dict(type="0", date_sighting=str(int(at(6).timestamp())), uuid=uid("sightings/s3"))
    obs.sightings.append(s)
    clash = attr(e, "sightings/clash", "hostname", "mail.cdn-update.example", 5, to_ids=True)
    clash.add_tag("tlp:green")
    clash.add_tag("TLP:AMBER")
    return e


def main() -> None:
    events = {"phishing": phishing(), "malware": malware(), "sightings": sightings()}
    (OUT / "events").mkdir(parents=True, exist_ok=True)
    feed = OUT / "feed"
    feed.mkdir(parents=True, exist_ok=True)
    manifest = {}
    hashes = []
    for name, e in events.items():
        (OUT / "events" / f"{name}.json").write_text(e.to_json(indent=2) + "\n", encoding="utf-8")
        if name == "sightings":
            continue  # the feed holds the two others; sightings do not travel in feeds
        manifest.update(e.manifest)
        (feed / f"{e.uuid}.json").write_text(
            json.dumps(e.to_feed(with_distribution=False), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8")
        hashes.extend(f"{h},{e.uuid}" for h in e.attributes_hashes("md5"))
    (feed / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    (feed / "hashes.csv").write_text("\n".join(hashes) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
