//! Inputs built to exhaust memory or stack: DEFLATE bombs inside valid ciphertext, in both
//! formats, refused with `TooLarge` while the opening process's peak RSS stays bounded; JSON
//! nested past serde's depth limit, refused without overflowing the stack.
//!
//! Peak RSS is measured in a child process (this test binary run again, one test, with the
//! token in a file): the kernel's high-water mark (`VmHWM`) of a process that opens the bomb,
//! against one that opens an ordinary token of the same format.

use std::path::Path;
use std::process::Command;

use sealed_session::{Compression, Error, Format, Key, Sealer};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::forge::NOW;

/// Set in the child: which format's opener to use, and the token's file.
const CHILD_ENV: &str = "SEALED_SESSION_ADVERSARIAL_OPEN";
/// This test's name, for the child's `--exact` filter.
const THIS_TEST: &str = "bombs::bombs_in_valid_ciphertext_are_refused_under_a_bounded_peak_rss";
/// What the opener allows: the default state cap.
const CAP: usize = sealed_session::Sealer::DEFAULT_MAX_STATE_LEN;
/// What the bomb inflates to: 1024 times the cap.
const INFLATED: usize = 64 << 20;

fn key() -> Key {
    sealed_session_test_support::fixtures::fixed_key(0x66)
}

fn format_named(name: &str) -> Format {
    if name == "jwe" {
        Format::Jwe
    } else {
        Format::Compact
    }
}

/// The opener of the child: default caps but a token length that lets the bomb in.
fn opener(format: Format, token_len: usize) -> Sealer {
    Sealer::builder(key(), "session")
        .with_format(format)
        .with_max_token_len(token_len)
        .build()
        .expect("valid settings")
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// Runs this test again in a child that opens the token in `path`; returns its peak RSS (KiB)
/// and what `open` returned.
fn open_in_child(format: &str, path: &Path) -> (u64, String) {
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", THIS_TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, format!("{format}:{}", path.display()))
        .output()
        .expect("the child runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|line| line.split_once("CHILD ").map(|(_, report)| report))
        .unwrap_or_else(|| panic!("no report from the child: {stdout}"));
    let (rss, result) = line.split_once(' ').expect("rss and result");
    (rss.parse().expect("KiB"), result.to_owned())
}

#[test]
fn bombs_in_valid_ciphertext_are_refused_under_a_bounded_peak_rss() {
    if let Ok(job) = std::env::var(CHILD_ENV) {
        // The child: open the token once, report.
        let (format, path) = job.split_once(':').expect("format:path");
        let token = std::fs::read_to_string(path).expect("the token file");
        let result = opener(format_named(format), token.len()).open_at::<Value>(&token, NOW);
        let result = match result {
            Ok(_) => "opened".to_owned(),
            Err(error) => format!("{error:?}"),
        };
        println!("CHILD {} {result}", peak_rss_kib());
        return;
    }
    let dir = std::env::temp_dir().join(format!("sealed-session-bombs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    for format in ["compact", "jwe"] {
        let sealer = Sealer::builder(key(), "session")
            .with_format(format_named(format))
            .with_compression(Compression::Always)
            .with_max_state_len(usize::MAX)
            .with_max_token_len(usize::MAX)
            .build()
            .expect("valid settings");
        let bomb = sealer
            .seal_at("alice", &"0".repeat(INFLATED), NOW)
            .expect("seals");
        let ordinary = sealer
            .seal_at("alice", &"0".repeat(CAP / 2), NOW)
            .expect("seals");
        assert!(
            bomb.len() < INFLATED / 500,
            "{format}: a bomb of {} characters",
            bomb.len()
        );
        let (bomb_path, ordinary_path) = (
            dir.join(format!("{format}-bomb")),
            dir.join(format!("{format}-ordinary")),
        );
        std::fs::write(&bomb_path, &bomb).expect("writes");
        std::fs::write(&ordinary_path, &ordinary).expect("writes");

        let (ordinary_rss, ordinary_result) = open_in_child(format, &ordinary_path);
        let (bomb_rss, bomb_result) = open_in_child(format, &bomb_path);
        assert_eq!(ordinary_result, "opened", "{format}");
        assert_eq!(bomb_result, format!("{:?}", Error::TooLarge), "{format}");
        // Allowed beyond the ordinary open: the bomb's own text and decoded bytes, and slack
        // for the allocator; not allowed: anything that grows with what the bomb inflates to
        // (64 MiB here).
        let allowed_kib = (2 * bomb.len() as u64) / 1024 + 2048;
        assert!(
            bomb_rss <= ordinary_rss + allowed_kib,
            "{format}: peak RSS {bomb_rss} KiB opening a {}-character bomb, {ordinary_rss} KiB for an ordinary token",
            bomb.len()
        );
        eprintln!(
            "{format}: bomb of {} characters → {bomb_rss} KiB peak, ordinary {ordinary_rss} KiB",
            bomb.len()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `[[[[…]]]]` 100,000 deep as the state, sealed verbatim: a recursive parser without a depth
/// limit overflows the stack (and aborts the process); serde_json stops at 128.
#[test]
fn json_nested_past_serdes_depth_is_refused() {
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let raw = RawValue::from_string(nested.clone()).expect("well-formed JSON");
    for format in [Format::Compact, Format::Jwe] {
        let sealer = Sealer::builder(key(), "session")
            .with_format(format)
            .with_max_state_len(1 << 20)
            .with_max_token_len(1 << 20)
            .build()
            .expect("valid settings");
        let token = sealer.seal_at("alice", &raw, NOW).expect("seals verbatim");
        let result = sealer.open_at::<Value>(&token, NOW);
        assert!(
            matches!(result, Err(Error::Malformed | Error::StateMismatch)),
            "{format:?}: {:?}",
            result.map(|_| ())
        );
        // A type that ignores the state skips it without recursing: it may open, and must not
        // overflow the stack.
        let _ = sealer.open_at::<serde::de::IgnoredAny>(&token, NOW);
    }
    // As JWS claims.
    let claims = format!(r#"{{"iss":"auth","aud":"orders","exp":9999999999,"x":{nested}}}"#);
    let token = crate::forge::hs256(&[0x42; 32], r#"{"alg":"HS256","kid":"hs"}"#, &claims);
    let keys = sealed_session::jwt::VerifyingKeys::new()
        .with_hs256("hs", &[0x42; 32])
        .expect("keys");
    let verifier =
        sealed_session::jwt::JwsVerifier::new(keys, "auth", "orders").with_max_token_len(1 << 20);
    let result = verifier.verify_at::<Value>(&token, NOW);
    assert!(
        matches!(result, Err(Error::Malformed | Error::StateMismatch)),
        "JWS: {:?}",
        result.map(|_| ())
    );
}
