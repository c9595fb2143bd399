//! Deterministic SCO ids agree with python-stix2 on its own output (vectors generated with
//! python-stix2 3.0.2; see tests/data/sco_vectors.json).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

use renkei_model::stix::sco_id::{ScoId, derive};
use serde_json::Value;

#[test]
fn sco_ids_match_python_stix2_vectors() {
    let vectors: Vec<Value> =
        serde_json::from_str(include_str!("data/sco_vectors.json")).expect("vectors parse");
    assert!(vectors.len() >= 40);
    for v in &vectors {
        let input = v["input"].as_object().expect("input object");
        let note = v["note"].as_str().unwrap_or("");
        let expected = v["id"].as_str().expect("id");
        match derive(input) {
            Some(ScoId::Deterministic(id)) => {
                assert!(
                    v["deterministic"].as_bool().unwrap_or(false),
                    "{note}: expected a random id"
                );
                assert_eq!(id.as_str(), expected, "{note}");
            }
            Some(ScoId::Random) => assert!(
                !v["deterministic"].as_bool().unwrap_or(true),
                "{note}: expected {expected}"
            ),
            None => panic!("{note}: not recognised as an SCO"),
        }
    }
}
