//! Nonces and session ids are fresh in every process, even when a process that has already
//! sealed forks (a pre-fork server's workers). One test in this file: forking a test binary
//! while other tests run their threads would copy their state into the child.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fork::Fork;

/// Bytes 6..30 of a token: its nonce.
fn nonce(token: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(token).expect("base64url")[6..30].to_vec()
}

/// Regression: `rand`'s thread RNG is not reseeded in a forked child, so a process that sealed
/// once and then forked drew the same nonce and session id in parent and child, under the same
/// key. Observed: "same nonce: true; same token: true".
#[test]
fn regression_parent_and_child_draw_different_nonces_and_session_ids() {
    let sealer = sealed_session_test_support::fixtures::fixed_sealer(9);
    // Seal before forking, as a server that warms up (or serves) before it forks does.
    sealer.seal("warm-up", &()).expect("seals");
    let path = std::env::temp_dir().join(format!("sealed-session-fork-{}", std::process::id()));
    match fork::fork().expect("fork") {
        Fork::Child => {
            let written = sealer
                .seal("alice", &())
                .ok()
                .and_then(|token| std::fs::write(&path, token).ok());
            std::process::exit(if written.is_some() { 0 } else { 1 });
        }
        Fork::Parent(child) => {
            let ours = sealer.seal("alice", &()).expect("seals");
            let status = fork::waitpid(child).expect("waitpid");
            assert_eq!(status, 0, "the child sealed and wrote its token");
            let theirs = std::fs::read_to_string(&path).expect("the child's token");
            let _ = std::fs::remove_file(&path);
            assert_ne!(
                nonce(&ours),
                nonce(&theirs),
                "same nonce in parent and child"
            );
            let ours = sealer.open::<()>(&ours).expect("opens");
            let theirs = sealer.open::<()>(&theirs).expect("opens");
            assert_ne!(ours.session_id(), theirs.session_id(), "same session id");
        }
    }
}
