//! MISP feed folders: `manifest.json` maps each event UUID to its metadata, and the event
//! itself is `<uuid>.json` beside it. `hashes.csv` (a lookup aid for MISP) is ignored.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;
use uuid::Uuid;

use super::limits::{MAX_EVENT_BYTES, MAX_FEED_EVENTS};
use renkei_model::stix::Timestamp;

use super::{Conversion, MispError, convert_event};

/// Converts every event the folder's `manifest.json` lists, in manifest order. Any missing or
/// broken file refuses the whole feed, naming the file, so a feed is never half imported.
pub fn convert_feed(dir: &Path, received: Timestamp) -> Result<Conversion, MispError> {
    let manifest_path = dir.join("manifest.json");
    let manifest = read(&manifest_path)?;
    let manifest: Value = serde_json::from_slice(&manifest)
        .map_err(|e| MispError::from_json(&e).in_file(manifest_path.clone()))?;
    let entries = manifest.as_object().ok_or_else(|| {
        MispError::not_misp("", "a feed manifest must be a JSON object of event UUIDs")
            .in_file(manifest_path.clone())
    })?;
    if entries.len() > MAX_FEED_EVENTS {
        return Err(MispError::TooLarge {
            path: String::new(),
            message: format!("more than {MAX_FEED_EVENTS} events"),
        }
        .in_file(manifest_path));
    }
    let mut out = Conversion::default();
    let mut seen = HashSet::new();
    for key in entries.keys() {
        let uuid = Uuid::parse_str(key).map_err(|_| {
            MispError::not_misp(key, "a manifest key must be an event UUID")
                .in_file(manifest_path.clone())
        })?;
        // The UUID, not the key, names the file: a key cannot reach outside the folder.
        let file = dir.join(format!("{uuid}.json"));
        let bytes = read(&file)?;
        let converted = convert_event(&bytes, received).map_err(|e| e.in_file(file.clone()))?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.warnings.extend(
            converted
                .warnings
                .into_iter()
                .map(|w| format!("{name}: {w}")),
        );
        for o in converted.objects {
            let id = o.get("id").and_then(Value::as_str).map(str::to_owned);
            if id.is_none_or(|id| seen.insert(id)) {
                out.objects.push(o);
            }
        }
    }
    Ok(out)
}

fn read(file: &Path) -> Result<Vec<u8>, MispError> {
    let unreadable = |message: String| MispError::Unreadable {
        file: file.to_owned(),
        message,
    };
    let meta = std::fs::metadata(file).map_err(|e| unreadable(e.to_string()))?;
    if meta.len() > MAX_EVENT_BYTES as u64 {
        return Err(unreadable(format!(
            "{} bytes, at most {MAX_EVENT_BYTES} accepted",
            meta.len()
        )));
    }
    std::fs::read(file).map_err(|e| unreadable(e.to_string()))
}
