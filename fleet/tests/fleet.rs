//! A bounded run of the fleet harness per scenario, as a user runs it: a real `redis-server`,
//! 3 instances of `fleet-app`, 50 virtual users for 5 seconds. Every invariant must hold, and
//! the run must have done what it is for: thousands of requests, logouts of both kinds
//! replayed after the bound, sessions rolled, chunked and back. Without `redis-server` the
//! harness fails (exit status 2), and so does the test: it never skips.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

/// One run at a time: each takes the machine's cores, and latency is part of what it checks.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs the harness (`cargo test` builds it and `fleet-app` beside it) and reads its JSON
/// report.
fn run(scenario: &str) -> Value {
    run_for(scenario, 5)
}

/// [`run`] for `seconds` of load.
fn run_for(scenario: &str, seconds: u32) -> Value {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let json: PathBuf = std::env::temp_dir().join(format!(
        "sealed-session-fleet-{scenario}-{}.json",
        std::process::id()
    ));
    let output = Command::new(env!("CARGO_BIN_EXE_fleet"))
        .args(["--scenario", scenario, "--instances", "3", "--users", "50"])
        .args([
            "--seconds",
            &seconds.to_string(),
            "--ttl-seconds",
            "4",
            "--json",
        ])
        .arg(&json)
        .output()
        .expect("the harness runs");
    let report = String::from_utf8_lossy(&output.stdout);
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "fleet --scenario {scenario}: {}\n{report}\n{errors}",
        output.status
    );
    let summary = std::fs::read(&json).expect("the JSON report");
    let _ = std::fs::remove_file(&json);
    println!("{report}");
    serde_json::from_slice(&summary).expect("a JSON report")
}

fn count(summary: &Value, name: &str) -> u64 {
    summary[name]
        .as_u64()
        .unwrap_or_else(|| panic!("{name} in the report"))
}

/// Every invariant held, and the run exercised what the invariants are about.
fn assert_real_traffic(summary: &Value) {
    assert_eq!(count(summary, "violations"), 0, "{summary:#}");
    for (name, at_least) in [
        ("requests", 1000),
        ("logins", 10),
        ("logouts", 5),
        ("logouts_everywhere", 5),
        // Every revoked session is replayed against every instance after the bound.
        ("replays_after_bound", 30),
        ("idles", 5),
        ("rolls", 1),
        ("chunked_writes", 5),
        ("unchunked_writes", 1),
    ] {
        assert!(
            count(summary, name) >= at_least,
            "{name}: {} (at least {at_least} expected)\n{summary:#}",
            count(summary, name)
        );
    }
    let instances = summary["instance"].as_array().expect("instances");
    assert_eq!(instances.len(), 3);
    for instance in instances {
        assert!(
            instance["samples"].as_u64() >= Some(3),
            "memory sampled: {instance}"
        );
    }
}

#[test]
fn steady() {
    let summary = run("steady");
    assert_real_traffic(&summary);
    assert_eq!(count(&summary, "logouts_refused"), 0);
}

/// Redis killed mid-run and started again 2 s later: nobody is logged out by the outage, the
/// logouts during it answer 503 and are tried again until Redis has them, and the revoked
/// sessions are refused everywhere once it has.
#[test]
fn redis_restart() {
    let summary = run("redis-restart");
    assert_real_traffic(&summary);
    let outages = summary["outages"].as_array().expect("outages");
    assert_eq!(outages.len(), 1, "one outage: {outages:?}");
    assert!(outages[0][1].is_number(), "Redis came back: {outages:?}");
    assert!(
        count(&summary, "logouts_refused") > 0,
        "logouts during the outage answer 503"
    );
}

/// The faults the scenario says it made, in order.
fn faults(summary: &Value) -> Vec<String> {
    summary["faults"]
        .as_array()
        .expect("faults")
        .iter()
        .map(|fault| fault[1].as_str().expect("what").to_owned())
        .collect()
}

/// An instance killed and a fresh one started cold on its port: the fresh one loads every
/// revocation before it answers, and nobody is logged out.
#[test]
fn instance_restart() {
    let summary = run("instance-restart");
    assert_real_traffic(&summary);
    assert_eq!(
        faults(&summary),
        ["instance 1 killed, a fresh one started cold"]
    );
}

/// The documented rolling key rotation, one instance at a time: no session is refused while
/// instances of both kinds serve, nor once the old key is gone.
#[test]
fn key_rotation() {
    let summary = run_for("key-rotation", 14);
    assert_real_traffic(&summary);
    let faults = faults(&summary);
    assert_eq!(
        faults.len(),
        9,
        "three steps on three instances: {faults:?}"
    );
    assert!(faults[8].ends_with("the old key dropped"), "{faults:?}");
}

/// Instances restarted with another horizon (longer, then the least again).
#[test]
fn horizon() {
    let summary = run("horizon");
    assert_real_traffic(&summary);
    assert_eq!(faults(&summary).len(), 2);
}

/// Serverless mode: an instance frozen while others log users out refuses, once thawed,
/// every session revoked meanwhile (the replays held for it are judged after the bound).
#[test]
fn serverless_freeze() {
    let summary = run_for("serverless-freeze", 8);
    assert_real_traffic(&summary);
    let faults = faults(&summary);
    assert_eq!(faults.len(), 2, "{faults:?}");
    assert!(faults[1].contains("thawed"), "{faults:?}");
}

/// One instance's clock 30 s ahead (libfaketime): it follows Redis's clock, so its logins
/// neither escape a "log out everywhere" made elsewhere nor look expired elsewhere, and its
/// own revocations catch what began elsewhere.
#[test]
fn clock_ahead() {
    let summary = run("clock-ahead");
    assert_real_traffic(&summary);
    let faults = faults(&summary);
    assert_eq!(faults.len(), 2, "{faults:?}");
    let offset = summary["instance"][1]["sync"]["clock_offset_ms"]
        .as_i64()
        .expect("instance 1's clock offset");
    assert!(
        (-31_000..=-29_000).contains(&offset),
        "Redis's clock is 30 s behind instance 1's: {offset} ms"
    );
}

/// A rolling change of compression dictionary, one instance at a time, in the documented
/// steps: no session refused for a dictionary its instance lacks.
#[test]
fn dictionary_rotation() {
    let summary = run_for("dictionary-rotation", 14);
    assert_real_traffic(&summary);
    let faults = faults(&summary);
    assert_eq!(
        faults.len(),
        9,
        "three steps on three instances: {faults:?}"
    );
    assert!(
        faults[8].ends_with("the old dictionary dropped"),
        "{faults:?}"
    );
}

/// Redis failover: the primary killed, the replica promoted behind the proxy, a new replica
/// attached. Logouts are durable (`WAIT 1`): every revoked session is refused everywhere once
/// the instances have reconnected, and nobody is logged out by the failover.
#[test]
fn failover() {
    let summary = run("failover");
    assert_real_traffic(&summary);
    let faults = faults(&summary);
    assert_eq!(faults.len(), 3, "{faults:?}");
    let outages = summary["outages"].as_array().expect("outages");
    assert_eq!(outages.len(), 1, "{outages:?}");
    assert!(outages[0][1].is_number(), "over: {outages:?}");
}
