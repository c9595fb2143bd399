//! The real consumers check the output: `suricata -T` loads the rules and the datasets, and
//! `named-checkzone` loads the zone. When a tool is missing the test says so and passes,
//! unless `RENKEI_REQUIRE_TOOLS=1` (set by `scripts/test` once it has installed them).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use renkei_feeds::{Change, DatasetKind, FeedEntry, FeedMeta, Format};
use renkei_model::handling::Tlp;
use renkei_observables::ObservableType as T;

use crate::fixtures::*;

/// Long enough for `suricata -T` with a few hundred rules on a slow CI machine.
const TOOL_TIMEOUT: Duration = Duration::from_secs(120);

/// The tool's path, or `None` after saying why the test is skipped; fails instead when the
/// tools are required.
fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("RENKEI_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "`{name}` is not installed and RENKEI_REQUIRE_TOOLS=1 (scripts/test installs it)"
        );
        eprintln!("NOTE: `{name}` is not installed; skipping this check");
    }
    found
}

/// What a tool said and how it ended.
struct Run {
    success: bool,
    output: String,
}

/// Runs `command` with its output in files under `dir` (no pipe to fill up), killing it
/// after [`TOOL_TIMEOUT`].
fn run(mut command: Command, dir: &Path) -> Run {
    let out_path = dir.join("tool.out");
    let out = fs::File::create(&out_path).unwrap();
    let err = out.try_clone().unwrap();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TOOL_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{command:?} did not finish within {TOOL_TIMEOUT:?}; output:\n{}",
                fs::read_to_string(&out_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Run {
        success: status.success(),
        output: fs::read_to_string(&out_path).unwrap_or_default(),
    }
}

/// Entries that exercise every rule shape and every escaping path.
pub fn varied() -> Vec<FeedEntry> {
    let mut entries = small();
    let mut nasty_url = entry(
        T::Url,
        "https://evil.example:8443/%E3%83%AD%E3%82%B0;x=\"1\"|2",
    );
    nasty_url.label = Some("\";)\nalert ip any any -> any any (msg:\"pwned\"; sid:1;)".into());
    let mut second_record = entry(T::Domain, "evil.example");
    second_record.record = record(9);
    second_record.tlp = Tlp::Amber;
    entries.extend([
        nasty_url,
        second_record,
        entry(T::Url, "http://198.51.100.7/gate.php"),
        entry(T::Url, "https://phish.example.jp/"),
        entry(T::Url, &format!("http://evil.example/{}", "a".repeat(3000))),
        entry(T::Url, "http://[2001:db8::5]/x"),
        entry(T::Url, "ftp://files.evil.example/x"),
        entry(T::Domain, "_dmarc.mail.evil.example"),
        entry(T::Domain, "a-b.c0.evil.example"),
        entry(T::Cidr, "2001:db8:abcd::/48"),
        entry(T::Cidr, "203.0.113.9/32"),
        entry(T::Ipv6, "::ffff:192.0.2.77"),
        entry(T::Ipv6, "2001:db8:0:0:1:0:0:1"),
        entry(T::Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        entry(T::BankAccount, "0005/135/futsu/1234567"),
    ]);
    let mut gone = entry(T::Domain, "gone.example");
    gone.change = Change::Removed;
    entries.push(gone);
    sorted(entries)
}

/// The smallest configuration `suricata -T` accepts for these rules.
fn suricata_yaml(dir: &Path) -> String {
    let etc = Path::new("/etc/suricata");
    let classification = if etc.join("classification.config").is_file() {
        etc.join("classification.config")
    } else {
        let path = dir.join("classification.config");
        fs::write(
            &path,
            "config classification: bad-unknown,Potentially Bad Traffic, 2\n",
        )
        .unwrap();
        path
    };
    let reference = etc.join("reference.config");
    let reference = if reference.is_file() {
        format!("reference-config-file: {}\n", reference.display())
    } else {
        String::new()
    };
    format!(
        "%YAML 1.1\n---\n\
         vars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16]\"\n    EXTERNAL_NET: \"!$HOME_NET\"\n\
         default-rule-path: {dir}\n\
         classification-file: {classification}\n\
         {reference}\
         threshold-file: /dev/null\n\
         outputs: []\n\
         logging:\n  default-log-level: info\n  outputs:\n    - console:\n        enabled: yes\n\
         app-layer:\n  protocols:\n    tls:\n      enabled: yes\n    http:\n      enabled: yes\n    dns:\n      tcp:\n        enabled: yes\n      udp:\n        enabled: yes\n",
        dir = dir.display(),
        classification = classification.display(),
    )
}

/// The rules the dataset docs show, loading the rendered files by relative name.
const DATASET_RULES: &str = "\
alert dns $HOME_NET any -> any any (msg:\"RENKEI domain (dataset)\"; dns.query; to_lowercase; dataset:isset,renkei-domains,type string,load renkei-domains.lst; sid:1; rev:1;)
alert ip $HOME_NET any -> any any (msg:\"RENKEI ip (dataset)\"; ip.dst; dataset:isset,renkei-ips,type ip,load renkei-ips.lst; sid:2; rev:1;)
alert http any any -> any any (msg:\"RENKEI md5 (file list)\"; filemd5:renkei-md5.lst; sid:3; rev:1;)
alert http any any -> any any (msg:\"RENKEI sha256 (file list)\"; filesha256:renkei-sha256.lst; sid:4; rev:1;)
";

/// `N rules successfully loaded, M rules failed` from Suricata's log.
fn loaded_and_failed(log: &str) -> Option<(u64, u64)> {
    let line = log
        .lines()
        .find(|l| l.contains("rules successfully loaded"))?;
    let number_before = |marker: &str| -> Option<u64> {
        let head = &line[..line.find(marker)?];
        head.split_whitespace().last()?.parse().ok()
    };
    Some((
        number_before(" rules successfully loaded")?,
        number_before(" rules failed")?,
    ))
}

#[test]
fn suricata_loads_the_rules_and_datasets() {
    let Some(suricata) = tool("suricata") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let entries = varied();
    let meta = full_meta();

    let rules = render(Format::Suricata, &entries, &meta);
    let rendered = rules.lines().filter(|l| l.starts_with("alert ")).count() as u64;
    assert!(rules.ends_with(&format!("# end: {rendered} rules\n")));
    for kind in DatasetKind::ALL {
        let format = Format::SuricataDataset(kind);
        fs::write(
            dir.path().join(format.file_name()),
            render(format, &entries, &meta),
        )
        .unwrap();
    }
    let rules_path = dir.path().join("renkei.rules");
    fs::write(&rules_path, format!("{rules}{DATASET_RULES}")).unwrap();
    let expected = rendered + DATASET_RULES.lines().count() as u64;
    let yaml = dir.path().join("suricata.yaml");
    fs::write(&yaml, suricata_yaml(dir.path())).unwrap();
    let log_dir = dir.path().join("log");
    fs::create_dir(&log_dir).unwrap();

    let mut command = Command::new(suricata);
    command
        .arg("-T")
        .arg("-c")
        .arg(&yaml)
        .arg("-S")
        .arg(&rules_path)
        .arg("-l")
        .arg(&log_dir);
    let result = run(command, dir.path());
    assert!(
        result.success,
        "suricata -T refused the feed:\n{}\n--- rules ---\n{rules}",
        result.output
    );
    assert_eq!(
        loaded_and_failed(&result.output),
        Some((expected, 0)),
        "suricata loaded a different number of rules than rendered:\n{}",
        result.output
    );
}

#[test]
fn named_checkzone_loads_the_zone() {
    let Some(checkzone) = tool("named-checkzone") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let entries = varied();
    for zone in ["rpz.renkei.example.", "rpz.example.jp"] {
        let meta = FeedMeta {
            zone: zone.to_owned(),
            serial: 2_026_010_201,
            ..full_meta()
        };
        let text = render(Format::Rpz, &entries, &meta);
        let path = dir.path().join("renkei.rpz.zone");
        fs::write(&path, &text).unwrap();
        let mut command = Command::new(&checkzone);
        command
            .args(["-k", "fail", "-i", "full"])
            .arg(zone)
            .arg(&path);
        let result = run(command, dir.path());
        assert!(
            result.success && result.output.contains("loaded serial 2026010201"),
            "named-checkzone refused the zone under {zone}:\n{}\n--- zone ---\n{text}",
            result.output
        );
    }
}
