//! The real `sealed-session` binary: keygen → seal → open, inspect without plaintext, every exit
//! code, keys from the environment and from files, a world-readable key file refused,
//! revocations, an interrupted snapshot write, the README's transcript, and the JOSE commands:
//! `jws sign` → `jws verify`, `jwks print`, `jwks serve`, `jwe export-key`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A fresh folder for one test's files.
fn folder(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("sealed-session-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    dir
}

fn cli() -> Command {
    let mut command = Command::cargo_bin("sealed-session").expect("the binary");
    command
        .env_remove("SESSION_KEY")
        .env_remove("JWS_SIGNING_KEY");
    command
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

/// The standard output of a run that must succeed (its standard error shown if it did not).
fn succeeded(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(output)
}

fn keygen() -> String {
    let output = cli().arg("keygen").output().expect("runs");
    assert!(output.status.success());
    stdout(&output).trim().to_owned()
}

fn seal(key: &str, state: &str, extra: &[&str]) -> String {
    let output = cli()
        .env("SESSION_KEY", key)
        .args(["seal", "--subject", "user-42"])
        .args(extra)
        .write_stdin(state)
        .output()
        .expect("runs");
    succeeded(&output).trim().to_owned()
}

#[test]
fn keygen_seal_open_round_trip_in_both_formats() {
    let key = keygen();
    assert_eq!(key.len(), 43);
    for format in ["compact", "jwe"] {
        let token = seal(
            &key,
            r#"{"roles":["admin"],"csrf":"k3y"}"#,
            &["--format", format],
        );
        let output = cli()
            .env("SESSION_KEY", &key)
            .args(["open", &token, "--format", format])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{format}");
        let opened: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
        assert_eq!(opened["subject"], "user-42");
        assert_eq!(opened["state"]["roles"][0], "admin");
        assert_eq!(opened["session_id"].as_str().map(str::len), Some(22));
        for field in ["issued_at", "authenticated_at", "expires_at"] {
            assert!(opened[field].is_string(), "{field}");
        }
    }
}

#[test]
fn inspect_shows_no_plaintext_and_needs_no_key() {
    let key = keygen();
    let secret = "csrf-SECRET-value-42";
    for format in ["compact", "jwe"] {
        let token = seal(
            &key,
            &format!(r#"{{"csrf":"{secret}"}}"#),
            &["--format", format],
        );
        let output = cli().args(["inspect", &token]).output().expect("runs");
        assert!(output.status.success());
        let shown = stdout(&output);
        assert!(
            !shown.contains(secret) && !shown.contains("user-42"),
            "{shown}"
        );
        assert!(!shown.contains(&key), "{shown}");
        assert!(shown.contains("public information only"), "{shown}");
        let view: serde_json::Value = serde_json::from_str(&shown).expect("JSON");
        if format == "jwe" {
            assert_eq!(view["protected_header"]["enc"], "XC20P");
        } else {
            assert_eq!(view["version"], 1);
            assert_eq!(view["key_id"].as_str().map(str::len), Some(8));
        }
    }
}

#[test]
fn each_failure_has_its_exit_code() {
    let key = keygen();
    let token = seal(&key, "{}", &["--ttl", "1h"]);
    let open = |token: &str, extra: &[&str]| {
        cli()
            .env("SESSION_KEY", &key)
            .arg("open")
            .arg(token)
            .args(extra)
            .output()
            .expect("runs")
    };
    let code = |output: std::process::Output| output.status.code();
    assert_eq!(code(open(&token, &[])), Some(0));
    assert_eq!(code(open("not-a-token!", &[])), Some(3), "malformed");
    let mut changed = token.clone().into_bytes();
    let middle = changed.len() / 2;
    changed[middle] = if changed[middle] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        code(open(&String::from_utf8(changed).expect("ASCII"), &[])),
        Some(4),
        "invalid"
    );
    let later = (time::OffsetDateTime::now_utc() + time::Duration::hours(3))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats");
    assert_eq!(code(open(&token, &["--at", &later])), Some(5), "expired");
    let earlier = (time::OffsetDateTime::now_utc() - time::Duration::hours(3))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats");
    assert_eq!(
        code(open(&token, &["--at", &earlier])),
        Some(8),
        "not yet valid"
    );
    assert_eq!(code(open(&"A".repeat(70_000), &[])), Some(7), "too large");
    let output = cli().args(["open", &token]).output().expect("runs");
    assert_eq!(output.status.code(), Some(1), "no key");
    assert!(String::from_utf8_lossy(&output.stderr).contains("SESSION_KEY"));
    assert_eq!(
        cli()
            .args(["open", "--no-such-flag"])
            .output()
            .expect("runs")
            .status
            .code(),
        Some(2)
    );
    let help = stdout(&cli().args(["open", "--help"]).output().expect("runs"));
    for line in ["3  malformed", "5  expired", "6  revoked", "7  too large"] {
        assert!(help.contains(line), "--help lists {line}");
    }
}

/// The environment variable holds a list: the first key seals, the others still open (rotation
/// as configuration); a key printed in the library's docs, or one that is not random, is
/// refused with a message that names the variable and the key's position, never the value.
#[test]
fn the_key_variable_is_a_list_and_public_keys_are_refused() {
    let (old, new) = (keygen(), keygen());
    let token = seal(&old, "{}", &[]);
    let open = |keys: &str| {
        cli()
            .env("SESSION_KEY", keys)
            .args(["open", &token])
            .output()
            .expect("runs")
    };
    assert!(open(&format!("{new},{old}")).status.success());
    assert!(open(&format!("{new} {old}")).status.success());
    assert_eq!(open(&new).status.code(), Some(4), "the old key is gone");
    let rotated = seal(&format!("{new},{old}"), "{}", &[]);
    let by_new = cli()
        .env("SESSION_KEY", &new)
        .args(["open", &rotated])
        .output()
        .expect("runs");
    assert!(by_new.status.success(), "the first key sealed");
    let published = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    let repeated = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc";
    for (keys, says) in [
        (
            format!("{new},{published}"),
            "key 2 is printed in sealed-session's docs",
        ),
        (repeated.to_owned(), "key 1 is not random"),
    ] {
        let refused = open(&keys);
        assert_eq!(refused.status.code(), Some(1));
        let message = String::from_utf8_lossy(&refused.stderr);
        assert!(
            message.contains("SESSION_KEY") && message.contains(says),
            "{message}"
        );
        assert!(
            !message.contains(published) && !message.contains(repeated) && !message.contains(&new)
        );
    }
}

#[test]
fn keys_come_from_the_environment_or_a_private_file_never_a_world_readable_one() {
    let dir = folder("keys");
    let key = keygen();
    let token = seal(&key, "{}", &[]);
    let file = dir.join("session.key");
    std::fs::write(&file, format!("{key}\n")).expect("written");
    set_mode(&file, 0o600);
    let open_with = |args: &[&str]| {
        cli()
            .arg("open")
            .arg(&token)
            .args(args)
            .output()
            .expect("runs")
    };
    assert!(
        open_with(&["--key-file", file.to_str().expect("UTF-8")])
            .status
            .success()
    );
    let by_env = cli()
        .env("OTHER_KEY", &key)
        .args(["open", &token, "--key-env", "OTHER_KEY"])
        .output()
        .expect("runs");
    assert!(by_env.status.success());
    set_mode(&file, 0o644);
    let refused = open_with(&["--key-file", file.to_str().expect("UTF-8")]);
    assert_eq!(refused.status.code(), Some(1));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("readable by others") && message.contains("chmod 600"),
        "{message}"
    );
    assert!(!message.contains(&key), "never echoes the key");
    // The private half of an Ed25519 key goes to a file of mode 600; the public JWK Set out.
    let private = dir.join("signing.key");
    let output = cli()
        .args(["keygen", "--ed25519", "--kid", "k1", "--out"])
        .arg(&private)
        .output()
        .expect("runs");
    assert!(output.status.success());
    let set: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("a JWK Set");
    assert_eq!(set["keys"][0]["kid"], "k1");
    assert!(set["keys"][0].get("d").is_none());
    assert_eq!(mode(&private), 0o600);
    let seed = std::fs::read_to_string(&private).expect("read");
    assert!(sealed_session::jwt::JwsSigningKey::ed25519_from_base64(seed.trim()).is_ok());
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn revoke_then_open_is_revoked_and_an_interrupted_write_keeps_the_old_snapshot() {
    let dir = folder("revocations");
    let snapshot = dir.join("revoked.bin");
    let snapshot_arg = snapshot.to_str().expect("UTF-8");
    let key = keygen();
    let token = seal(&key, "{}", &[]);
    let revoke = |subject: &str| {
        cli()
            .args([
                "revocations",
                "--snapshot",
                snapshot_arg,
                "revoke-user",
                subject,
            ])
            .output()
            .expect("runs")
    };
    assert!(revoke("someone-else").status.success());
    let open = || {
        cli()
            .env("SESSION_KEY", &key)
            .args(["open", &token, "--revocations", snapshot_arg])
            .output()
            .expect("runs")
    };
    assert_eq!(open().status.code(), Some(0));
    let before = std::fs::read(&snapshot).expect("the snapshot");
    let interrupted = cli()
        .env("SEALED_SESSION_TEST_FAIL_SNAPSHOT_WRITE", "1")
        .args([
            "revocations",
            "--snapshot",
            snapshot_arg,
            "revoke-user",
            "user-42",
        ])
        .output()
        .expect("runs");
    assert_eq!(interrupted.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&interrupted.stderr).contains("the old snapshot is unchanged"));
    assert_eq!(
        std::fs::read(&snapshot).expect("still there"),
        before,
        "untouched"
    );
    assert_eq!(
        std::fs::read_dir(&dir).expect("listing").count(),
        1,
        "no temporary file left"
    );
    assert_eq!(
        open().status.code(),
        Some(0),
        "not revoked by the failed write"
    );

    assert!(revoke("user-42").status.success());
    let revoked = open();
    assert_eq!(revoked.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&revoked.stderr).contains("revoked"));
    let show = cli()
        .args(["revocations", "--snapshot", snapshot_arg, "show"])
        .output()
        .expect("runs");
    let view: serde_json::Value = serde_json::from_str(&stdout(&show)).expect("JSON");
    assert_eq!(view["entries"], 2);
    assert_eq!(view["horizon_seconds"], 8 * 86_400);
    let _ = std::fs::remove_dir_all(dir);
}

/// The README's CLI transcript: every `$ ` line runs, in order, in one shell, with the binary on
/// the PATH, and each exits as the transcript says (`# exit N` after a command; 0 otherwise).
#[test]
fn the_readme_transcript_runs() {
    let readme = std::fs::read_to_string(format!("{}/../README.md", env!("CARGO_MANIFEST_DIR")))
        .expect("README");
    let section = readme
        .split("<!-- cli-transcript -->")
        .nth(1)
        .expect("README has a CLI transcript between <!-- cli-transcript --> markers");
    let mut script = String::from("set -u\n");
    let mut commands = 0;
    for line in section.lines().filter_map(|line| line.strip_prefix("$ ")) {
        let (command, expected) = match line.split_once("# exit ") {
            Some((command, code)) => (command.trim(), code.trim().to_owned()),
            None => (line.trim(), "0".to_owned()),
        };
        script.push_str(&format!(
            "{command}\ncode=$?; if [ \"$code\" != {expected} ]; then echo \"'{}' exited $code, not {expected}\" >&2; exit 1; fi\n",
            command.replace('\'', "")
        ));
        commands += 1;
    }
    assert!(commands >= 5, "the transcript has commands");
    let dir = folder("transcript");
    let binary = assert_cmd::cargo::cargo_bin("sealed-session");
    let path = format!(
        "{}:{}",
        binary.parent().expect("a folder").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(&dir)
        .env("PATH", path)
        .env_remove("SESSION_KEY")
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(feature = "redis")]
use sealed_session_test_support::redis_server;

/// `revocations --redis`: a revocation published to the shared store, where another instance's
/// list loads it.
#[cfg(feature = "redis")]
#[test]
fn revocations_on_the_shared_store() {
    let server = redis_server::RedisServer::start();
    let secret = keygen();
    let run = |args: &[&str]| {
        cli()
            .env("REVOCATION_KEY", &secret)
            .args([
                "revocations",
                "--redis",
                &server.url(),
                "--namespace",
                "cli-test",
            ])
            .args(args)
            .output()
            .expect("runs")
    };
    // A namespace no instance has connected to has no horizon yet: the CLI asks for one
    // rather than guess (a guess shorter than the fleet's would trim its revocations).
    let refused = run(&["revoke-user", "user-42"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--horizon"));
    assert!(
        run(&["revoke-user", "user-42", "--horizon", "8d"])
            .status
            .success()
    );
    let show = run(&["show"]);
    let view: serde_json::Value = serde_json::from_str(&stdout(&show)).expect("JSON");
    assert_eq!(view["entries"], 1);
    let key = sealed_session::Key::from_base64(&secret).expect("a key");
    let list = std::sync::Arc::new(sealed_session::RevocationList::new_shared(
        time::Duration::days(8),
        &key,
    ));
    let sync = sealed_session::redis::RedisSync::connect(
        list.clone(),
        &server.url(),
        sealed_session::redis::SyncOptions::new("cli-test"),
    )
    .expect("connects");
    assert!(sync.status().loaded);
    let session_key = sealed_session::Key::generate();
    // Sealed (elsewhere, before the revocation) by a sealer without the list.
    let before = sealed_session::Sealer::new(session_key.clone(), "session")
        .seal_at(
            "user-42",
            &(),
            time::OffsetDateTime::now_utc() - time::Duration::minutes(5),
        )
        .expect("seals");
    let sealer = sealed_session::Sealer::builder(session_key, "session")
        .with_revocations(list)
        .build()
        .expect("valid settings");
    assert_eq!(
        sealer.open::<()>(&before).err(),
        Some(sealed_session::Error::Revoked)
    );
    redis_server::remove_data(server.port);
}

/// `revocations --redis rediss://… --redis-ca PATH`: the same through a Redis that speaks TLS
/// only, its certificate verified against the CA file. Without the file (the system's roots,
/// which do not hold the test's CA) the server is refused; a file that is not PEM is a
/// configuration error; `--redis-ca` without `--redis` a usage error.
#[cfg(feature = "redis")]
#[test]
fn revocations_on_a_tls_only_redis_with_its_ca() {
    let ca = redis_server::TestCa::new("sealed-session CLI test CA");
    let server = redis_server::RedisServer::start_tls(&ca);
    let dir = folder("redis-tls");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).expect("written");
    let not_pem = dir.join("not.pem");
    std::fs::write(&not_pem, "not a certificate").expect("written");
    let secret = keygen();
    let run = |ca: Option<&Path>, args: &[&str]| {
        let mut command = cli();
        command.env("REVOCATION_KEY", &secret).args([
            "revocations",
            "--redis",
            &server.url(),
            "--namespace",
            "cli-tls",
        ]);
        if let Some(ca) = ca {
            command.arg("--redis-ca").arg(ca);
        }
        command.args(args).output().expect("runs")
    };
    let published = run(
        Some(&ca_file),
        &["revoke-user", "user-42", "--horizon", "8d"],
    );
    assert!(succeeded(&published).contains(", published"));
    let show = run(Some(&ca_file), &["show"]);
    let view: serde_json::Value = serde_json::from_str(&succeeded(&show)).expect("JSON");
    assert_eq!(view["entries"], 1, "loaded back from the TLS server");

    let untrusted = run(None, &["show"]);
    assert_eq!(untrusted.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&untrusted.stderr).contains("cannot reach Redis"));
    let garbage = run(Some(&not_pem), &["show"]);
    assert_eq!(garbage.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&garbage.stderr)
            .contains("invalid configuration: the Redis CA certificates are not PEM"),
        "{}",
        String::from_utf8_lossy(&garbage.stderr)
    );
    let missing = run(Some(&dir.join("missing.pem")), &["show"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read"));
    // A Redis option beside a snapshot is a usage error, not silently ignored.
    let namespace_with_snapshot = cli()
        .args([
            "revocations",
            "--snapshot",
            "x.bin",
            "--namespace",
            "shop",
            "show",
        ])
        .output()
        .expect("runs");
    assert_eq!(namespace_with_snapshot.status.code(), Some(2));
    for store in [&["--snapshot", "x.bin"][..], &[]] {
        let without_redis = cli()
            .arg("revocations")
            .args(store)
            .arg("--redis-ca")
            .arg(&ca_file)
            .arg("show")
            .output()
            .expect("runs");
        assert_eq!(without_redis.status.code(), Some(2), "{store:?}");
    }
    redis_server::remove_data(server.port);
    let _ = std::fs::remove_dir_all(dir);
}

/// The state comes from a file, or from stdin for "-"; TTLs are written 90s, 30m, 8h or 7d;
/// states far past a cookie's size seal and open once `--max-token-len` allows their tokens.
#[test]
fn states_from_files_or_stdin_ttls_in_every_unit_and_large_states() {
    let key = keygen();
    let dir = folder("state-input");
    let state_file = dir.join("state.json");
    let note: String = (0..6000u32)
        .map(|i| char::from(b'a' + ((i * 7919 + i * i / 13) % 26) as u8))
        .collect();
    std::fs::write(&state_file, format!(r#"{{"note":"{note}"}}"#)).expect("written");
    let path = state_file.to_str().expect("UTF-8 path");
    let open = |token: &str| -> serde_json::Value {
        let output = cli()
            .env("SESSION_KEY", &key)
            .args(["open", token, "--max-token-len", "65536"])
            .output()
            .expect("runs");
        serde_json::from_str(&succeeded(&output)).expect("JSON")
    };
    let from_file = seal(
        &key,
        "not JSON: the file is read, not stdin",
        &[
            "--state",
            path,
            "--compression",
            "never",
            "--max-token-len",
            "65536",
        ],
    );
    assert!(from_file.len() > 8000, "{}", from_file.len());
    assert_eq!(open(&from_file)["state"]["note"], note.as_str());
    let from_stdin = seal(&key, r#"{"n":1}"#, &["--state", "-"]);
    assert_eq!(open(&from_stdin)["state"]["n"], 1);

    let time = |value: &serde_json::Value| {
        let text = value.as_str().expect("a time");
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339")
    };
    for (ttl, seconds) in [("90s", 90), ("30m", 1800), ("8h", 28_800), ("7d", 604_800)] {
        let opened = open(&seal(&key, "{}", &["--ttl", ttl]));
        let lasts = time(&opened["expires_at"]) - time(&opened["issued_at"]);
        assert_eq!(lasts.whole_seconds(), seconds, "{ttl}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `inspect` reads each kind exactly: a compact token's flags, ids and lengths, a JWE's and a
/// JWS's segments, and says what is wrong with what is neither.
#[test]
fn inspect_reads_each_kind_exactly() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let view = |token: &str| -> serde_json::Value {
        let output = cli().args(["inspect", token]).output().expect("runs");
        serde_json::from_str(&stdout(&output)).expect("JSON")
    };
    let key = keygen();
    let dir = folder("inspect-kinds");
    let dictionary = dir.join("dictionary");
    std::fs::write(
        &dictionary,
        r#"{"roles":["admin","editor"],"theme":"dark"}"#,
    )
    .expect("written");
    let state = r#"{"roles":["admin","editor"],"theme":"dark","pad":"aaaaaaaaaaaaaaaaaaaaaaaa"}"#;
    let dictionary = dictionary.to_str().expect("UTF-8 path");
    for (extra, deflate, with_dictionary) in [
        (&["--compression", "never"][..], false, false),
        (&["--compression", "always"][..], true, false),
        (
            &["--compression", "always", "--dictionary", dictionary][..],
            true,
            true,
        ),
    ] {
        let token = seal(&key, state, extra);
        let bytes = B64.decode(&token).expect("base64url");
        let shown = view(&token);
        assert_eq!(shown["flags"]["deflate"], deflate, "{shown}");
        assert_eq!(shown["flags"]["dictionary"], with_dictionary, "{shown}");
        assert_eq!(shown["flags"]["unknown_bits"], 0, "{shown}");
        assert_eq!(shown["key_id"], hex(&bytes[2..6]), "{shown}");
        let header = if with_dictionary { 8 } else { 6 };
        assert_eq!(shown["bytes"]["header"], header, "{shown}");
        assert_eq!(
            shown["bytes"]["ciphertext"],
            bytes.len() - header - 24 - 16,
            "{shown}"
        );
        assert_eq!(shown["characters"], token.len());
        if with_dictionary {
            assert_eq!(shown["dictionary_id"], hex(&bytes[6..8]), "{shown}");
        } else {
            assert!(shown["dictionary_id"].is_null(), "{shown}");
        }
    }
    // The shortest a compact token can be, and one byte less.
    assert_eq!(view(&B64.encode([1u8; 46]))["bytes"]["tag"], 16);
    let short = view(&B64.encode([1u8; 45]));
    assert_eq!(
        (short["kind"].as_str(), &short["bytes"]),
        (Some("compact?"), &serde_json::json!(45))
    );

    let jwe = seal(&key, state, &["--format", "jwe", "--compression", "never"]);
    let shown = view(&jwe);
    let segments: Vec<&str> = jwe.split('.').collect();
    assert_eq!(
        shown["bytes"],
        serde_json::json!({"encrypted_key": 0, "iv": 24, "ciphertext": B64.decode(segments[3]).expect("base64url").len(), "tag": 16})
    );
    let jws = format!(
        "{}.{}.{}",
        B64.encode(r#"{"alg":"HS256","kid":"k"}"#),
        B64.encode(r#"{"sub":"someone"}"#),
        B64.encode([7u8; 32])
    );
    let shown = view(&jws);
    assert_eq!(shown["protected_header"]["kid"], "k");
    assert_eq!(
        shown["bytes"],
        serde_json::json!({"payload": 17, "signature": 32})
    );
    assert!(!shown.to_string().contains("someone"), "{shown}");
    assert_eq!(view("a.b")["kind"], "unknown");
    assert_eq!(view("!!!")["kind"], "unknown");
    let _ = std::fs::remove_dir_all(dir);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `revocations --redis` in a namespace no instance has declared a horizon for publishes with
/// the horizon it is given, which becomes the namespace's: a revocation already past it is
/// trimmed at once. A longer one given later raises the namespace's horizon (it only grows),
/// and one within it stays for other instances.
#[cfg(feature = "redis")]
#[test]
fn the_shared_store_keeps_revocations_for_the_horizon_given() {
    let server = redis_server::RedisServer::start();
    let secret = keygen();
    let run = |args: &[&str]| {
        let output = cli()
            .env("REVOCATION_KEY", &secret)
            .args([
                "revocations",
                "--redis",
                &server.url(),
                "--namespace",
                "horizon",
            ])
            .args(args)
            .output()
            .expect("runs");
        succeeded(&output)
    };
    let entries = || -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(&run(&["show"])).expect("JSON")["entries"].clone()
    };
    let two_days_ago = (time::OffsetDateTime::now_utc() - time::Duration::days(2))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
    let session = |id: &str, horizon: &str| {
        run(&[
            "revoke-session",
            id,
            "--authenticated-at",
            &two_days_ago,
            "--horizon",
            horizon,
        ]);
    };
    session("oKGio6SlpqeoqaqrrK2urw", "1d");
    assert_eq!(entries(), 0, "past a one-day horizon");
    session("AAAAAAAAAAAAAAAAAAAAAA", "3d");
    assert_eq!(entries(), 1, "within a three-day horizon");
    redis_server::remove_data(server.port);
}

/// Regression (high): `revocations --redis` trimmed the shared store at its default 8-day
/// horizon. With 30-day sessions (a 31-day namespace) and alice revoked 9 days ago, an
/// operator's `revoke-user bob` deleted her entry, and the next instance to start opened her
/// stolen token. The CLI now uses the namespace's horizon.
#[cfg(feature = "redis")]
#[test]
fn the_cli_trims_the_shared_store_at_its_default_horizon() {
    use std::sync::Arc;
    let server = redis_server::RedisServer::start();
    let secret = keygen();
    let key = sealed_session::Key::from_base64(&secret).expect("a key");
    let long = || {
        let list = Arc::new(sealed_session::RevocationList::new_shared(
            time::Duration::days(31),
            &key,
        ));
        let sync = sealed_session::redis::RedisSync::connect(
            list.clone(),
            &server.url(),
            sealed_session::redis::SyncOptions::new("month"),
        )
        .expect("connects");
        assert!(sync.status().loaded);
        (list, sync)
    };
    let (list, sync) = long();
    let nine_days_ago = time::OffsetDateTime::now_utc() - time::Duration::days(9);
    list.revoke_user_at("alice", nine_days_ago);
    sync.sync_now().expect("published");

    let output = cli()
        .env("REVOCATION_KEY", &secret)
        .args([
            "revocations",
            "--redis",
            &server.url(),
            "--namespace",
            "month",
        ])
        .args(["revoke-user", "bob"])
        .output()
        .expect("runs");
    succeeded(&output);

    let (fresh, _sync) = long();
    assert_eq!(fresh.len(), 2, "alice's entry is still in Redis, and bob's");
    let session_key = sealed_session::Key::generate();
    let lifetime = time::Duration::days(30);
    let stolen = sealed_session::Sealer::builder(session_key.clone(), "session")
        .with_ttl(lifetime)
        .with_max_lifetime(lifetime)
        .build()
        .expect("valid settings")
        .seal_at("alice", &(), nine_days_ago - time::Duration::days(1))
        .expect("seals");
    let sealer = sealed_session::Sealer::builder(session_key, "session")
        .with_ttl(lifetime)
        .with_max_lifetime(lifetime)
        .with_revocations(fresh)
        .build()
        .expect("valid settings");
    assert_eq!(
        sealer.open::<()>(&stolen).err(),
        Some(sealed_session::Error::Revoked)
    );
    redis_server::remove_data(server.port);
}

/// Runs the binary with `args` in `dir` after the shell line `setup`, through `exec`: the binary
/// keeps the shell's process id, so `$$` in `setup` is the binary's.
#[cfg(unix)]
fn after_shell(setup: &str, dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("{setup} && exec \"$0\" \"$@\""))
        .arg(assert_cmd::cargo::cargo_bin("sealed-session"))
        .args(args)
        .current_dir(dir)
        .env_remove("SESSION_KEY")
        .output()
        .expect("bash runs")
}

/// A snapshot holds the list's hash key: a new one is 600 even under umask 000.
#[cfg(unix)]
#[test]
fn snapshots_are_created_readable_by_others() {
    let dir = folder("snapshot-new-mode");
    let revoke = ["revocations", "--snapshot", "revoked.bin", "revoke-user"];
    let output = after_shell("umask 000", &dir, &[&revoke[..], &["user-42"]].concat());
    succeeded(&output);
    assert_eq!(mode(&dir.join("revoked.bin")), 0o600);
    let _ = std::fs::remove_dir_all(dir);
}

/// A rewrite keeps the permission bits of the snapshot it replaces, whatever the umask: a
/// `chmod 600` stays 600, a deliberate 640 stays 640.
#[cfg(unix)]
#[test]
fn snapshot_rewrites_undo_a_chmod_600() {
    let dir = folder("snapshot-rewrite-mode");
    let snapshot = dir.join("revoked.bin");
    let revoke = |subject: &str| {
        let args = [
            "revocations",
            "--snapshot",
            "revoked.bin",
            "revoke-user",
            subject,
        ];
        succeeded(&after_shell("umask 000", &dir, &args));
    };
    revoke("user-1");
    for chosen in [0o600, 0o640, 0o600] {
        set_mode(&snapshot, chosen);
        revoke("user-2");
        assert_eq!(
            mode(&snapshot),
            chosen,
            "after a rewrite of a {chosen:o} file"
        );
        let prune = ["revocations", "--snapshot", "revoked.bin", "prune"];
        succeeded(&after_shell("umask 000", &dir, &prune));
        assert_eq!(
            mode(&snapshot),
            chosen,
            "after a prune of a {chosen:o} file"
        );
    }
    assert_eq!(
        std::fs::read_dir(&dir).expect("listing").count(),
        1,
        "no temporary file left"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The temporary file used to be `.NAME.tmp-PID`, opened with `File::create`: a symlink planted
/// there had the snapshot written through it, into the file it points to. Now the name is
/// random and the file created new; the planted link and its target stay as they were.
#[cfg(unix)]
#[test]
fn snapshot_temporary_name_is_predictable_and_a_planted_symlink_is_followed() {
    let dir = folder("snapshot-symlink");
    std::fs::write(dir.join("victim"), "someone else's file\n").expect("written");
    let plant = "ln -s victim \".revoked.bin.tmp-$$\"";
    for subject in ["user-1", "user-2"] {
        // The first run creates the snapshot, the second rewrites it.
        let args = [
            "revocations",
            "--snapshot",
            "revoked.bin",
            "revoke-user",
            subject,
        ];
        succeeded(&after_shell(plant, &dir, &args));
        assert_eq!(
            std::fs::read(dir.join("victim")).expect("read"),
            b"someone else's file\n",
            "the symlink's target is untouched"
        );
        let snapshot = std::fs::symlink_metadata(dir.join("revoked.bin")).expect("a snapshot");
        assert!(
            snapshot.is_file(),
            "a file of its own, not the planted link"
        );
        assert_eq!(mode(&dir.join("revoked.bin")), 0o600);
    }
    let links = std::fs::read_dir(&dir)
        .expect("listing")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_symlink()))
        .count();
    assert_eq!(links, 2, "both planted links left alone");
    let _ = std::fs::remove_dir_all(dir);
}

/// A header with U+009B (CSI, which xterm executes) and U+202E (right-to-left override):
/// `inspect` prints them as escapes, in JSON that still reads back to the same header.
#[test]
fn inspect_prints_c1_control_characters_of_an_untrusted_header_raw() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let kid = "k\u{9b}2J\u{9d}0;pwned\u{7}\u{202e}txt.exe\u{2066}\u{200b}\u{feff}";
    let header = serde_json::json!({"alg": "HS256", "kid": kid, "x\u{9b}": 1}).to_string();
    assert!(header.contains('\u{9b}'), "serde_json writes it raw");
    let jws = format!(
        "{}.{}.{}",
        B64.encode(&header),
        B64.encode("{}"),
        B64.encode([7u8; 32])
    );
    let jwe = format!("{}..{}.{}.{}", B64.encode(&header), "A", "B", "C");
    for token in [jws, jwe] {
        let output = cli()
            .arg("inspect")
            .write_stdin(token)
            .output()
            .expect("runs");
        let shown = succeeded(&output);
        for raw in [
            '\u{9b}', '\u{9d}', '\u{202e}', '\u{2066}', '\u{200b}', '\u{feff}',
        ] {
            assert!(!shown.contains(raw), "{raw:?} printed raw: {shown:?}");
        }
        for escape in [
            "\\u009b", "\\u009d", "\\u202e", "\\u2066", "\\u200b", "\\ufeff",
        ] {
            assert!(shown.contains(escape), "{escape} missing: {shown}");
        }
        let view: serde_json::Value = serde_json::from_str(&shown).expect("valid JSON");
        assert_eq!(view["protected_header"]["kid"], kid);
        assert_eq!(view["protected_header"]["x\u{9b}"], 1);
    }
}

/// The subject and the state are whatever was sealed: `open` escapes their C1 controls and
/// bidirectional overrides too.
#[test]
fn open_prints_c1_control_characters_of_the_subject_and_state_raw() {
    let key = keygen();
    let subject = "user\u{9b}42\u{202e}";
    let output = cli()
        .env("SESSION_KEY", &key)
        .args(["seal", "--subject", subject])
        .write_stdin(r#"{"note":"a\u009d0;title\u0007b\u2067c","k\u0085":1}"#)
        .output()
        .expect("runs");
    let token = succeeded(&output);
    let output = cli()
        .env("SESSION_KEY", &key)
        .arg("open")
        .write_stdin(token)
        .output()
        .expect("runs");
    let shown = succeeded(&output);
    for raw in ['\u{9b}', '\u{202e}', '\u{9d}', '\u{2067}', '\u{85}'] {
        assert!(!shown.contains(raw), "{raw:?} printed raw: {shown:?}");
    }
    for escape in ["\\u009b", "\\u202e", "\\u009d", "\\u2067", "\\u0085"] {
        assert!(shown.contains(escape), "{escape} missing: {shown}");
    }
    let opened: serde_json::Value = serde_json::from_str(&shown).expect("valid JSON");
    assert_eq!(opened["subject"], subject);
    assert_eq!(opened["state"]["note"], "a\u{9d}0;title\u{7}b\u{2067}c");
}

/// `--ttl 5é` cut a UTF-8 character in two and `--ttl 999999999999999d` overflowed: both
/// panicked (exit 101). Now every duration option refuses them as bad usage (exit 2).
#[test]
fn the_duration_parser_panics() {
    let dir = folder("durations");
    let snapshot = dir.join("revoked.bin");
    let snapshot = snapshot.to_str().expect("UTF-8 path");
    for bad in ["5é", "999999999999999d", "é", "0s"] {
        for args in [
            &["seal", "--subject", "user-42", "--ttl", bad][..],
            &["seal", "--subject", "user-42", "--max-lifetime", bad],
            &["open", "--max-lifetime", bad],
            &[
                "revocations",
                "--snapshot",
                snapshot,
                "revoke-user",
                "u",
                "--horizon",
                bad,
            ],
        ] {
            let output = cli().args(args).write_stdin("{}").output().expect("runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            assert!(stderr.contains("duration"), "{args:?}: {stderr}");
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `open` took tokens of up to 64 KiB while the library's default, documented, is 4000
/// characters (one cookie). Now a longer token is too large (exit 7) unless `--max-token-len`
/// raises the limit, on `seal` as on `open`.
#[test]
fn open_accepts_tokens_up_to_64_kib_not_the_library_default() {
    let key = keygen();
    let open = |token: &str, extra: &[&str]| {
        cli()
            .env("SESSION_KEY", &key)
            .arg("open")
            .args(extra)
            .write_stdin(token)
            .output()
            .expect("runs")
    };
    let limit = sealed_session::Sealer::DEFAULT_MAX_TOKEN_LEN;
    assert_eq!(open(&"A".repeat(limit + 1), &[]).status.code(), Some(7));
    assert_ne!(open(&"A".repeat(limit), &[]).status.code(), Some(7));

    let note = "x".repeat(5000);
    let state = format!(r#"{{"note":"{note}"}}"#);
    let large = ["--compression", "never", "--max-token-len", "65536"];
    let token = seal(&key, &state, &large);
    assert!(token.len() > limit, "{}", token.len());
    assert_eq!(
        open(&token, &[]).status.code(),
        Some(7),
        "refused by default"
    );
    let opened = succeeded(&open(&token, &["--max-token-len", "65536"]));
    let opened: serde_json::Value = serde_json::from_str(&opened).expect("JSON");
    assert_eq!(opened["state"]["note"], note.as_str());
    let refused = cli()
        .env("SESSION_KEY", &key)
        .args(["seal", "--subject", "user-42", "--compression", "never"])
        .write_stdin(state)
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(7), "seal keeps the default too");
    let help = stdout(&cli().args(["open", "--help"]).output().expect("runs"));
    assert!(
        help.contains("--max-token-len") && help.contains("[default: 4000]"),
        "{help}"
    );
}

/// A token compressed with a dictionary `open` was not given is refused with exit 4, and the
/// exit codes in `--help` say so.
#[test]
fn open_help_omits_exit_4_for_an_unknown_dictionary() {
    let key = keygen();
    let dir = folder("unknown-dictionary");
    let ours = dir.join("ours");
    let theirs = dir.join("theirs");
    std::fs::write(&ours, r#"{"roles":["admin","editor"],"theme":"dark"}"#).expect("written");
    std::fs::write(&theirs, r#"{"locale":"en","cart":[]}"#).expect("written");
    let ours = ours.to_str().expect("UTF-8 path");
    let theirs = theirs.to_str().expect("UTF-8 path");
    let state = r#"{"roles":["admin","editor"],"theme":"dark"}"#;
    let token = seal(
        &key,
        state,
        &["--compression", "always", "--dictionary", ours],
    );
    let open = |extra: &[&str]| {
        cli()
            .env("SESSION_KEY", &key)
            .arg("open")
            .args(extra)
            .write_stdin(token.as_str())
            .output()
            .expect("runs")
            .status
            .code()
    };
    assert_eq!(open(&["--dictionary", ours]), Some(0));
    assert_eq!(open(&[]), Some(4), "no dictionary");
    assert_eq!(
        open(&["--dictionary", theirs]),
        Some(4),
        "another dictionary"
    );
    let help = stdout(&cli().args(["open", "--help"]).output().expect("runs"));
    assert!(
        help.contains(
            "4  invalid token (changed, or another key or purpose), unknown key id or unknown dictionary"
        ),
        "{help}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `seal --ttl 30d` gave a 7-day token without a word (the sealer's default maximum lifetime).
/// Now `seal` has `--max-lifetime` (7d by default, as `open`), refuses a longer TTL as bad usage,
/// and seals the full TTL when the lifetime allows it.
#[test]
fn seal_ttl_30d_silently_gives_a_7_day_token() {
    let key = keygen();
    let refused = cli()
        .env("SESSION_KEY", &key)
        .args(["seal", "--subject", "user-42", "--ttl", "30d"])
        .write_stdin("{}")
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(refused.stdout.is_empty(), "no token");
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("--ttl 30d is longer than --max-lifetime 7d"),
        "{message}"
    );
    let token = seal(&key, "{}", &["--ttl", "30d", "--max-lifetime", "30d"]);
    let output = cli()
        .env("SESSION_KEY", &key)
        .args(["open", "--max-lifetime", "30d"])
        .write_stdin(token)
        .output()
        .expect("runs");
    let opened: serde_json::Value = serde_json::from_str(&succeeded(&output)).expect("JSON");
    let time = |field: &str| {
        time::OffsetDateTime::parse(
            opened[field].as_str().expect("a time"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339")
    };
    assert_eq!(
        time("expires_at") - time("issued_at"),
        time::Duration::days(30)
    );
    let help = stdout(&cli().args(["seal", "--help"]).output().expect("runs"));
    assert!(help.contains("--max-lifetime"), "{help}");
}

/// The examples of `--help` passed the token as an argument (`open "$(cat token)"`), where `ps`
/// and the shell's history show it; they pipe it on stdin now.
#[test]
fn help_examples_pass_the_token_on_the_command_line() {
    for command in [&["--help"][..], &["open", "--help"], &["inspect", "--help"]] {
        let help = stdout(&cli().args(command).output().expect("runs"));
        assert!(!help.contains("$(cat"), "{command:?}: {help}");
    }
    let open = stdout(&cli().args(["open", "--help"]).output().expect("runs"));
    assert!(
        open.contains("  sealed-session open --key-file session.key < token\n"),
        "{open}"
    );
    let inspect = stdout(&cli().args(["inspect", "--help"]).output().expect("runs"));
    assert!(
        inspect.contains("  sealed-session inspect < token-from-bug-report"),
        "{inspect}"
    );
}

/// `path` as a command-line argument.
fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// An Ed25519 key from `keygen --ed25519`: the seed's file (mode 600) and the file of the public
/// JWK Set it printed.
fn ed25519_key(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let seed = dir.join(format!("{name}.key"));
    let output = cli()
        .args(["keygen", "--ed25519", "--out", arg(&seed)])
        .output()
        .expect("runs");
    let set = dir.join(format!("{name}.jwks"));
    std::fs::write(&set, succeeded(&output)).expect("written");
    (seed, set)
}

/// A token from `jws sign` (issuer `auth`, subject `user-42`, audience `orders`), with the key
/// options and the extra options given.
fn jws_sign(key: &[&str], claims: &str, extra: &[&str]) -> String {
    let output = cli()
        .args(["jws", "sign", "--issuer", "auth", "--subject", "user-42"])
        .args(["--audience", "orders"])
        .args(key)
        .args(extra)
        .write_stdin(claims)
        .output()
        .expect("runs");
    succeeded(&output).trim().to_owned()
}

/// `jws verify` of `token` (on stdin) for issuer `auth` and audience `orders`, with the key
/// options and the extra options given.
fn jws_verify(key: &[&str], token: &str, extra: &[&str]) -> std::process::Output {
    cli()
        .args(["jws", "verify", "--issuer", "auth", "--audience", "orders"])
        .args(key)
        .args(extra)
        .write_stdin(token)
        .output()
        .expect("runs")
}

/// RFC 3339 of now moved by `offset`, for `--at`.
fn at(offset: time::Duration) -> String {
    (time::OffsetDateTime::now_utc() + offset)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats")
}

/// Ed25519 (the seed in a file or in the environment, the public set from `keygen`) and HS256
/// (the secret in the environment or a file, under its thumbprint or a kid given to both):
/// what `jws sign` signs, `jws verify` verifies and shows.
#[test]
fn jws_sign_then_verify_with_ed25519_and_hs256() {
    let dir = folder("jws-round-trip");
    let (seed, set) = ed25519_key(&dir, "signing");
    let jwks = ["--jwks", arg(&set)];
    let claims = r#"{"scope":"read","roles":["admin"]}"#;
    let by_file = jws_sign(&["--key-file", arg(&seed)], claims, &["--ttl", "1m"]);
    let shown = succeeded(&jws_verify(&jwks, &by_file, &[]));
    let view: serde_json::Value = serde_json::from_str(&shown).expect("JSON");
    assert_eq!(view["subject"], "user-42");
    assert_eq!(view["claims"]["scope"], "read");
    assert_eq!(view["claims"]["roles"][0], "admin");
    assert_eq!(view["claims"]["iss"], "auth");
    assert_eq!(view["claims"]["aud"], "orders");
    assert_eq!(view["token_id"].as_str().map(str::len), Some(22));
    let time = |field: &str| {
        time::OffsetDateTime::parse(
            view[field].as_str().expect("a time"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339")
    };
    assert_eq!(
        time("expires_at") - time("issued_at"),
        time::Duration::minutes(1)
    );
    // The token as an argument, as `open` takes it.
    let by_argument = cli()
        .args(["jws", "verify", "--issuer", "auth", "--audience", "orders"])
        .args(jwks)
        .arg(&by_file)
        .output()
        .expect("runs");
    succeeded(&by_argument);

    let seed_text = std::fs::read_to_string(&seed).expect("read");
    let by_env = cli()
        .env("JWS_SIGNING_KEY", seed_text.trim())
        .args(["jws", "sign", "--issuer", "auth", "--subject", "user-42"])
        .args(["--audience", "orders"])
        .write_stdin("{}")
        .output()
        .expect("runs");
    succeeded(&jws_verify(&jwks, succeeded(&by_env).trim(), &[]));

    let secret = keygen();
    let secret_file = dir.join("shared.secret");
    std::fs::write(&secret_file, format!("{secret}\n")).expect("written");
    set_mode(&secret_file, 0o600);
    let from_file = ["--hs256", "--key-file", arg(&secret_file)];
    for kid in [&[][..], &["--kid", "s1"]] {
        let signed = cli()
            .env("JWS_SIGNING_KEY", &secret)
            .args(["jws", "sign", "--hs256", "--issuer", "auth"])
            .args(["--subject", "user-42", "--audience", "orders"])
            .args(kid)
            .write_stdin(claims)
            .output()
            .expect("runs");
        let token = succeeded(&signed);
        let verified = succeeded(&jws_verify(&from_file, &token, kid));
        let view: serde_json::Value = serde_json::from_str(&verified).expect("JSON");
        assert_eq!(view["claims"]["scope"], "read", "{kid:?}");
        let other_kid = jws_verify(&from_file, &token, &["--kid", "s2"]);
        assert_eq!(other_kid.status.code(), Some(4), "{kid:?}");
        let public_set = jws_verify(&jwks, &token, &[]);
        assert_eq!(public_set.status.code(), Some(4), "{kid:?}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Every refusal of `jws verify` exits with `open`'s code for it; the claims may not take a
/// registered name; `--help` lists the codes.
#[test]
fn jws_verify_refusals_have_open_s_exit_codes() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let dir = folder("jws-exit-codes");
    let (seed, set) = ed25519_key(&dir, "signing");
    let (other_seed, _) = ed25519_key(&dir, "other");
    let jwks = ["--jwks", arg(&set)];
    let with_k1 = dir.join("k1.jwks");
    let k1_seed = dir.join("k1.key");
    let output = cli()
        .args(["keygen", "--ed25519", "--kid", "k1", "--out", arg(&k1_seed)])
        .output()
        .expect("runs");
    std::fs::write(&with_k1, succeeded(&output)).expect("written");
    let token = jws_sign(&["--key-file", arg(&k1_seed)], "{}", &["--kid", "k1"]);
    let k1 = ["--jwks", arg(&with_k1)];
    let code =
        |key: &[&str], token: &str, extra: &[&str]| jws_verify(key, token, extra).status.code();
    assert_eq!(code(&k1, &token, &[]), Some(0));

    let audience = cli()
        .args(["jws", "verify", "--issuer", "auth", "--audience", "billing"])
        .args(k1)
        .write_stdin(token.as_str())
        .output()
        .expect("runs");
    assert_eq!(audience.status.code(), Some(4), "wrong audience");
    assert!(String::from_utf8_lossy(&audience.stderr).contains("audience"));
    let issuer = cli()
        .args([
            "jws",
            "verify",
            "--issuer",
            "elsewhere",
            "--audience",
            "orders",
        ])
        .args(k1)
        .write_stdin(token.as_str())
        .output()
        .expect("runs");
    assert_eq!(issuer.status.code(), Some(4), "wrong issuer");

    let later = at(time::Duration::minutes(10));
    assert_eq!(code(&k1, &token, &["--at", &later]), Some(5), "expired");
    let just_after = at(time::Duration::seconds(5 * 60 + 30));
    assert_eq!(
        code(&k1, &token, &["--at", &just_after]),
        Some(0),
        "within the leeway"
    );
    assert_eq!(
        code(&k1, &token, &["--at", &just_after, "--leeway", "0s"]),
        Some(5),
        "no leeway"
    );
    let earlier = at(-time::Duration::hours(1));
    assert_eq!(
        code(&k1, &token, &["--at", &earlier]),
        Some(8),
        "not yet valid"
    );

    let mut changed = token.clone().into_bytes();
    let payload = token.find('.').expect("a header") + 10;
    changed[payload] = if changed[payload] == b'A' { b'B' } else { b'A' };
    let changed = String::from_utf8(changed).expect("ASCII");
    assert_eq!(code(&k1, &changed, &[]), Some(4), "tampered");

    let forged = jws_sign(&["--key-file", arg(&other_seed)], "{}", &["--kid", "k1"]);
    assert_eq!(
        code(&k1, &forged, &[]),
        Some(4),
        "another key under the kid"
    );
    let unknown = jws_sign(&["--key-file", arg(&other_seed)], "{}", &[]);
    assert_eq!(
        code(&jwks, &unknown, &[]),
        Some(4),
        "another key, its own kid"
    );

    let secret = keygen();
    let hs256 = cli()
        .env("JWS_SIGNING_KEY", &secret)
        .args(["jws", "sign", "--hs256", "--kid", "k1", "--issuer", "auth"])
        .args(["--subject", "user-42", "--audience", "orders"])
        .write_stdin("{}")
        .output()
        .expect("runs");
    let hs256 = succeeded(&hs256);
    let mismatch = jws_verify(&k1, hs256.trim(), &[]);
    assert_eq!(
        mismatch.status.code(),
        Some(4),
        "HS256 under an Ed25519 key"
    );
    assert!(String::from_utf8_lossy(&mismatch.stderr).contains("algorithm"));

    let ps256 = format!(
        "{}.{}.{}",
        B64.encode(r#"{"alg":"PS256","kid":"rsa-1"}"#),
        B64.encode("{}"),
        B64.encode([7u8; 256])
    );
    let unsupported = jws_verify(&k1, &ps256, &[]);
    assert_eq!(unsupported.status.code(), Some(4), "PS256");
    assert!(
        String::from_utf8_lossy(&unsupported.stderr).contains("signed with PS256"),
        "{}",
        String::from_utf8_lossy(&unsupported.stderr)
    );
    assert_eq!(code(&k1, "not.a-token", &[]), Some(3), "malformed");
    assert_eq!(
        code(&k1, &token, &["--max-token-len", "100"]),
        Some(7),
        "too large"
    );
    assert_eq!(
        code(&k1, &token, &["--leeway", "2h"]),
        Some(2),
        "leeway over an hour"
    );
    assert_eq!(
        code(&k1, &token, &["--kid", "k1"]),
        Some(2),
        "--kid names an HS256 secret, not a key of the set"
    );

    let registered = cli()
        .args(["jws", "sign", "--key-file", arg(&seed), "--issuer", "auth"])
        .args(["--subject", "user-42", "--audience", "orders"])
        .write_stdin(r#"{"sub":"admin"}"#)
        .output()
        .expect("runs");
    assert_eq!(registered.status.code(), Some(1));
    assert!(registered.stdout.is_empty(), "no token");
    assert!(String::from_utf8_lossy(&registered.stderr).contains("registered claim name"));
    let help = stdout(
        &cli()
            .args(["jws", "verify", "--help"])
            .output()
            .expect("runs"),
    );
    for line in [
        "3  malformed",
        "4  invalid token",
        "another issuer or audience",
        "5  expired",
    ] {
        assert!(help.contains(line), "--help lists {line}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// A world-readable seed is refused by `jws sign` and `jwks print` alike, naming the file,
/// never the key.
#[cfg(unix)]
#[test]
fn jws_keys_readable_by_others_are_refused() {
    let dir = folder("jws-shared-key");
    let (seed, _) = ed25519_key(&dir, "signing");
    set_mode(&seed, 0o644);
    let seed_text = std::fs::read_to_string(&seed).expect("read");
    let sign = cli()
        .args(["jws", "sign", "--key-file", arg(&seed), "--issuer", "auth"])
        .args(["--subject", "user-42", "--audience", "orders"])
        .write_stdin("{}")
        .output()
        .expect("runs");
    let print = cli()
        .args(["jwks", "print", "--key-file", arg(&seed)])
        .output()
        .expect("runs");
    for output in [sign, print] {
        assert_eq!(output.status.code(), Some(1));
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains("readable by others"), "{message}");
        assert!(!message.contains(seed_text.trim()), "never echoes the key");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `jwks print` of an old and a new key: one set that verifies the tokens of both, each under
/// the kid given after it (or its thumbprint, as `keygen` names it); never a private part;
/// two keys under one kid refused.
#[test]
fn jwks_print_publishes_old_and_new_keys_together() {
    let dir = folder("jwks-print");
    let (old, _) = ed25519_key(&dir, "old");
    let (new, new_alone) = ed25519_key(&dir, "new");
    let by_old = jws_sign(&["--key-file", arg(&old)], "{}", &["--kid", "2026-06"]);
    let by_new = jws_sign(&["--key-file", arg(&new)], "{}", &[]);
    let new_seed = std::fs::read_to_string(&new).expect("read");
    let output = cli()
        .env("NEW_JWS_KEY", new_seed.trim())
        .args(["jwks", "print", "--key-file", arg(&old), "--kid", "2026-06"])
        .args(["--key-env", "NEW_JWS_KEY"])
        .output()
        .expect("runs");
    let printed = succeeded(&output);
    let union: serde_json::Value = serde_json::from_str(&printed).expect("JSON");
    let keys = union["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0]["kid"], "2026-06");
    let keygen_set: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&new_alone).expect("read")).expect("JSON");
    assert_eq!(
        keys[1], keygen_set["keys"][0],
        "the set keygen printed for it"
    );
    assert!(keys.iter().all(|key| key.get("d").is_none()), "{printed}");
    assert!(!printed.contains(new_seed.trim()));
    let union_file = dir.join("union.jwks");
    std::fs::write(&union_file, &printed).expect("written");
    for token in [&by_old, &by_new] {
        succeeded(&jws_verify(&["--jwks", arg(&union_file)], token, &[]));
    }

    let twice = cli()
        .args([
            "jwks",
            "print",
            "--key-file",
            arg(&new),
            "--key-file",
            arg(&new),
        ])
        .output()
        .expect("runs");
    assert_eq!(twice.status.code(), Some(1), "one key twice");
    assert!(String::from_utf8_lossy(&twice.stderr).contains("two keys have the kid"));
    let one_kid = cli()
        .args(["jwks", "print", "--key-file", arg(&old), "--kid", "k"])
        .args(["--key-file", arg(&new), "--kid", "k"])
        .output()
        .expect("runs");
    assert_eq!(one_kid.status.code(), Some(1), "one kid for two keys");
    let kid_first = cli()
        .args(["jwks", "print", "--kid", "k", "--key-file", arg(&old)])
        .output()
        .expect("runs");
    assert_eq!(kid_first.status.code(), Some(2), "a kid before any key");
    let no_key = cli().args(["jwks", "print"]).output().expect("runs");
    assert_eq!(no_key.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(dir);
}

/// `jwe export-key` writes the purpose's JWE keys to a new file of mode 600 (under umask 000
/// too): the set `Sealer::export_jwe_secret_keys` gives, under the kid of what `seal --format
/// jwe` sealed; stdout names the file and kids, never a key; an existing file (or a link) is
/// left alone unless `--force`, and no temporary file stays behind.
#[cfg(unix)]
#[test]
fn jwe_export_key_writes_a_private_set_once() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use sealed_session::{Format, Key, Sealer};
    let dir = folder("jwe-export");
    let key = keygen();
    let key_file = dir.join("session.key");
    std::fs::write(&key_file, format!("{key}\n")).expect("written");
    set_mode(&key_file, 0o600);
    let token = seal(&key, r#"{"roles":["admin"]}"#, &["--format", "jwe"]);
    let export = [
        "jwe",
        "export-key",
        "--key-file",
        "session.key",
        "--purpose",
        "session",
    ];
    let output = after_shell(
        "umask 000",
        &dir,
        &[&export[..], &["--out", "session.jwks"]].concat(),
    );
    let said = succeeded(&output);
    let out = dir.join("session.jwks");
    assert_eq!(mode(&out), 0o600);
    let written = std::fs::read_to_string(&out).expect("read");
    let sealer = Sealer::builder(Key::from_base64(&key).expect("a key"), "session")
        .with_format(Format::Jwe)
        .build()
        .expect("a sealer");
    assert_eq!(written.trim(), sealer.export_jwe_secret_keys());
    let set: serde_json::Value = serde_json::from_str(&written).expect("JSON");
    let jwk = &set["keys"][0];
    assert_eq!(jwk["kty"], "oct");
    assert_eq!(jwk["alg"], "dir");
    let k = jwk["k"].as_str().expect("k");
    let kid = jwk["kid"].as_str().expect("kid");
    assert!(
        said.contains("session.jwks") && said.contains(kid),
        "{said}"
    );
    assert!(!said.contains(k) && !said.contains(&key), "{said}");
    let header = token.split('.').next().expect("a header");
    let header: serde_json::Value =
        serde_json::from_slice(&B64.decode(header).expect("base64url")).expect("JSON");
    assert_eq!(header["kid"], kid, "the key the token names");

    let again = after_shell(
        "true",
        &dir,
        &[&export[..], &["--out", "session.jwks"]].concat(),
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(&out).expect("read"),
        written,
        "untouched"
    );
    std::os::unix::fs::symlink("elsewhere", dir.join("link.jwks")).expect("a symlink");
    let through_link = after_shell(
        "true",
        &dir,
        &[&export[..], &["--out", "link.jwks"]].concat(),
    );
    assert_eq!(through_link.status.code(), Some(1), "a planted link");
    assert!(
        !dir.join("elsewhere").exists(),
        "nothing written through it"
    );

    set_mode(&out, 0o644);
    let other = [
        "jwe",
        "export-key",
        "--key-file",
        "session.key",
        "--purpose",
        "admin",
    ];
    let forced = after_shell(
        "umask 000",
        &dir,
        &[&other[..], &["--out", "session.jwks", "--force"]].concat(),
    );
    succeeded(&forced);
    assert_eq!(
        mode(&out),
        0o600,
        "a secret stays private, whatever it replaced"
    );
    let replaced = std::fs::read_to_string(&out).expect("read");
    assert_ne!(replaced, written, "the admin purpose's key");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("listing")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|name| name.contains(".tmp-")),
        "{names:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// One GET of `path` on `address`, with these extra header lines; the status line, headers
/// and body of the answer.
fn http_get(address: &str, path: &str, headers: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(address).expect("connects");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {address}\r\n{headers}\r\n"
    )
    .expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("an answer");
    answer
}

/// `jws sign --master-env` of `{}`: a token of the key schedule of `master` and `period`.
fn sign_with_schedule(master: &str, period: &str) -> String {
    let output = cli()
        .args(["jws", "sign", "--issuer", "auth", "--subject", "user-42"])
        .args(["--audience", "orders", "--master-env", "JWS_MASTER_KEY"])
        .args(["--period", period])
        .env("JWS_MASTER_KEY", master)
        .write_stdin("{}")
        .output()
        .expect("runs");
    succeeded(&output)
}

/// `jwks serve` plays service A: the schedule's set with its caching headers (`304` to its
/// `ETag`, `404` elsewhere), and `jws sign --master-env` signs tokens that verify with it.
#[test]
fn jwks_serve_publishes_the_schedule_that_jws_sign_signs_with() {
    use std::io::BufRead as _;
    let dir = folder("jwks-serve");
    let master = keygen();
    let mut server = std::process::Command::new(assert_cmd::cargo::cargo_bin("sealed-session"))
        .args(["jwks", "serve", "--period", "1h", "--listen", "127.0.0.1:0"])
        .args(["--requests", "3"])
        .env("JWS_MASTER_KEY", &master)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("serves");
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("says where");
    let url = line.trim().strip_prefix("serving http://").expect("a URL");
    let (address, path) = url.split_once('/').expect("a path");
    let path = format!("/{path}");

    let first = http_get(address, &path, "");
    assert!(first.starts_with("HTTP/1.1 200 OK"), "{first}");
    assert!(
        first.contains("cache-control: public, max-age=900"),
        "{first}"
    );
    let etag = first
        .lines()
        .find_map(|line| line.strip_prefix("etag: "))
        .expect("an ETag")
        .to_owned();
    let set = first.split_once("\r\n\r\n").expect("a body").1.to_owned();
    let again = http_get(address, &path, &format!("if-none-match: {etag}\r\n"));
    assert!(again.starts_with("HTTP/1.1 304 Not Modified"), "{again}");
    assert!(http_get(address, "/elsewhere", "").starts_with("HTTP/1.1 404"));
    assert!(
        server.wait().expect("ends").success(),
        "ends after 3 requests"
    );

    let jwks = dir.join("served.jwks");
    std::fs::write(&jwks, set).expect("written");
    let token = sign_with_schedule(&master, "1h");
    let verified = jws_verify(&["--jwks", arg(&jwks)], token.trim(), &[]);
    assert!(stdout(&verified).contains("user-42"), "{verified:?}");
    // Another period: the served set does not hold its key.
    let other = sign_with_schedule(&master, "2h");
    let refused = jws_verify(&["--jwks", arg(&jwks)], other.trim(), &[]);
    assert_eq!(refused.status.code(), Some(4));
}
