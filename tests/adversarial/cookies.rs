//! Hostile `Cookie` headers: floods, duplicates, stale and shuffled chunks. The reader never
//! joins what a browser would not have sent together, and bounds its work.

use sealed_session::http::{CookieProblem, SessionCookie};
use sealed_session::{Error, Sealer};
use serde_json::Value;

use crate::forge::NOW;

fn sealer() -> Sealer {
    sealed_session_test_support::fixtures::fixed_builder(0x77)
        .with_max_token_len(64 * 1024)
        .build()
        .expect("valid settings")
}

/// Room for tokens of several chunks.
fn chunking_cookie() -> SessionCookie {
    SessionCookie::new("s")
        .with_max_chunks(8)
        .with_max_cookie_bytes(32 * 1024)
        .with_max_request_cookie_bytes(64 * 1024)
}

/// A token of about `entries` × 20 characters: several chunks from 300 on.
fn long_token(sealer: &Sealer, seed: u32, entries: usize) -> String {
    let state: Vec<String> = (0..entries)
        .map(|i| format!("{seed}-{i}-{}", "x".repeat(i % 9)))
        .collect();
    sealer
        .to_builder()
        .with_compression(sealed_session::Compression::Never)
        .build()
        .expect("valid settings")
        .seal_at("alice", &state, NOW)
        .expect("seals")
}

/// The request's `Cookie` header for what `write_at` set: `name=value` of each kept cookie.
fn cookie_pairs(written: &[String]) -> Vec<String> {
    written
        .iter()
        .filter(|header| !header.contains("Max-Age=0"))
        .map(|header| header.split(';').next().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn thousands_of_cookies_are_read_within_the_bound_or_refused() {
    let sealer = sealer();
    let cookie = SessionCookie::new("s");
    let token = sealer.seal_at("alice", &"state", NOW).expect("seals");
    // 3,000 other cookies around ours: under the default request bound it is found, above it the
    // headers are refused whole (and nothing is parsed).
    let noise: Vec<String> = (0..3000).map(|i| format!("c{i}=v")).collect();
    let header = format!(
        "{}; s={token}; {}",
        noise[..1500].join("; "),
        noise[1500..].join("; ")
    );
    let read = cookie.read([header.as_str()]);
    if header.len() <= 32 * 1024 {
        assert_eq!(read.token.as_deref(), Some(token.as_str()));
    } else {
        assert_eq!(read.problem, Some(CookieProblem::HeadersTooLarge));
        assert!(read.token.is_none());
    }
    let huge = format!(
        "{}; s={token}",
        (0..100_000)
            .map(|i| format!("c{i}=v"))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let read = cookie.read([huge.as_str()]);
    assert_eq!(read.problem, Some(CookieProblem::HeadersTooLarge));
    // Thousands of chunk names past the limit.
    let chunks: Vec<String> = (0..5000).map(|i| format!("s.{i}=AAAA")).collect();
    let read = cookie.read([chunks.join("; ").as_str()]);
    assert!(read.token.is_none() && read.present);
    assert!(read.problem.is_some());
}

#[test]
fn duplicate_cookie_names_are_refused_not_chosen() {
    let sealer = sealer();
    let cookie = chunking_cookie();
    let victim = sealer.seal_at("alice", &"victim", NOW).expect("seals");
    let attacker = sealer.seal_at("mallory", &"attacker", NOW).expect("seals");
    // A sibling subdomain can set a second `s` (cookie tossing); which one a reader keeps
    // must not be the attacker's choice. Both orders, one header or two.
    for headers in [
        vec![format!("s={victim}; s={attacker}")],
        vec![format!("s={attacker}; s={victim}")],
        vec![format!("s={victim}"), format!("s={attacker}")],
        vec![format!("s={victim}"), format!("s={victim}")],
    ] {
        let read = cookie.read(headers.iter().map(String::as_str));
        assert_eq!(read.problem, Some(CookieProblem::Duplicate), "{headers:?}");
        assert!(read.token.is_none() && read.present);
    }
    let written = cookie
        .write_at(
            &long_token(&sealer, 1, 700),
            NOW + time::Duration::hours(1),
            NOW,
        )
        .expect("writes");
    let pairs = cookie_pairs(&written);
    assert!(pairs.len() >= 2, "chunked");
    let mut doubled = pairs.clone();
    doubled.push(pairs[1].clone());
    let read = cookie.read([doubled.join("; ").as_str()]);
    assert_eq!(read.problem, Some(CookieProblem::Duplicate));
    // The single form and chunks together are two tokens: which one a request uses is the
    // handle's choice (`both_forms_…` below), never the order they came in.
    let mixed = format!("s={victim}; {}", pairs.join("; "));
    let read = cookie.read([mixed.as_str()]);
    assert_eq!(read.token.as_deref(), Some(victim.as_str()));
    assert!(read.other_form.is_some());
}

#[test]
fn shuffled_chunks_join_in_index_order() {
    let sealer = sealer();
    let cookie = chunking_cookie();
    let token = long_token(&sealer, 2, 700);
    let written = cookie
        .write_at(&token, NOW + time::Duration::hours(1), NOW)
        .expect("writes");
    let mut pairs = cookie_pairs(&written);
    assert!(pairs.len() >= 3, "{} chunks", pairs.len());
    pairs.reverse();
    let headers: Vec<String> = pairs
        .iter()
        .map(|pair| format!("other=1; {pair}"))
        .collect();
    let read = cookie.read(headers.iter().map(String::as_str));
    assert_eq!(read.token.as_deref(), Some(token.as_str()));
    assert!(sealer.open_at::<Value>(&token, NOW).is_ok());
}

/// A longer session left chunks that a shorter one no longer writes; a browser that kept them
/// (the removal was lost) sends old and new together. The reader refuses the gap, and a join of
/// chunks from two tokens never opens.
#[test]
fn stale_chunks_never_join_into_a_session() {
    let sealer = sealer();
    let cookie = chunking_cookie();
    let old = long_token(&sealer, 3, 700);
    let new = long_token(&sealer, 4, 350);
    let old_pairs = cookie_pairs(
        &cookie
            .write_at(&old, NOW + time::Duration::hours(1), NOW)
            .expect("writes"),
    );
    let new_written = cookie
        .write_at(&new, NOW + time::Duration::hours(1), NOW)
        .expect("writes");
    let new_pairs = cookie_pairs(&new_written);
    assert!(old_pairs.len() > new_pairs.len());
    // What the new write tells the browser to remove: every chunk the new token does not use.
    assert!(
        new_written
            .iter()
            .any(|header| header.contains("Max-Age=0"))
    );
    // The browser kept old chunks past the new ones.
    let mut stale = new_pairs.clone();
    stale.extend(old_pairs[new_pairs.len().max(1)..].iter().cloned());
    let read = cookie.read([stale.join("; ").as_str()]);
    match (read.token, read.problem) {
        (Some(joined), None) => {
            let result = sealer.open_at::<Value>(&joined, NOW);
            assert!(
                matches!(result, Err(Error::Invalid | Error::Malformed)),
                "old and new chunks joined into {result:?}"
            );
        }
        (None, problem) => assert!(problem.is_some()),
        (Some(_), Some(_)) => unreachable!("a token and a problem"),
    }
    // One chunk missing in the middle.
    let mut gapped = old_pairs.clone();
    gapped.remove(1);
    assert_eq!(
        cookie.read([gapped.join("; ").as_str()]).problem,
        Some(CookieProblem::Gap)
    );
}

/// Both forms in one request (two tabs wrote the session at once, one in a cookie, one in
/// chunks): of one session, the token issued last is used, whichever form it is in and
/// whatever order they came in, so a stale token replayed beside a fresh one never wins; of
/// two sessions (as a sibling domain could toss in beside the victim's), neither is.
#[test]
fn both_forms_keep_the_newest_of_one_session_and_never_choose_between_two() {
    use sealed_session::http::SessionManager;

    let sealer = sealer();
    let cookie = chunking_cookie();
    let manager = SessionManager::<Value>::new(sealer.clone(), cookie.clone());
    let later = NOW + time::Duration::minutes(1);
    let small = sealer
        .seal_at("alice", &Value::from("small"), NOW)
        .expect("seals");
    let session = sealer.open_at::<Value>(&small, NOW).expect("opens");
    let big_state: Vec<String> = (0..700)
        .map(|i| format!("entry-{i}-{}", "y".repeat(i % 9)))
        .collect();
    let unsquashed = sealer
        .to_builder()
        .with_compression(sealed_session::Compression::Never)
        .build()
        .expect("valid settings");
    let big = unsquashed
        .reseal_at(&session, &big_state, later)
        .expect("reseals");
    let hour = time::Duration::hours(1);
    let chunks = cookie_pairs(&cookie.write_at(&big, later + hour, later).expect("writes"));
    assert!(chunks.len() >= 2, "chunked");
    let state_of = |header: String| {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::COOKIE, header.parse().expect("a header"));
        let handle = manager.open_at(&headers, later);
        (handle.state(), handle.problem())
    };
    // The chunks hold the later token: they win, in either order.
    for header in [
        format!("s={small}; {}", chunks.join("; ")),
        format!("{}; s={small}", chunks.join("; ")),
    ] {
        let (state, problem) = state_of(header);
        assert_eq!(state, Some(Value::from(big_state.clone())), "{problem:?}");
    }
    // The single cookie holds the later token (an older chunked one replayed beside it).
    let older_big = unsquashed
        .reseal_at(&session, &big_state, NOW)
        .expect("reseals");
    let older_chunks = cookie_pairs(
        &cookie
            .write_at(&older_big, NOW + hour, NOW)
            .expect("writes"),
    );
    let fresh_small = sealer
        .reseal_at(&session, &Value::from("fresh"), later)
        .expect("reseals");
    let (state, _) = state_of(format!("s={fresh_small}; {}", older_chunks.join("; ")));
    assert_eq!(state, Some(Value::from("fresh")));
    // Another session beside the victim's, newer or not: neither is used.
    let attacker = unsquashed
        .seal_at("mallory", &big_state, later)
        .expect("seals");
    let tossed = cookie_pairs(
        &cookie
            .write_at(&attacker, later + hour, later)
            .expect("writes"),
    );
    let (state, problem) = state_of(format!("s={fresh_small}; {}", tossed.join("; ")));
    assert_eq!(state, None);
    assert!(problem.is_some_and(|problem| problem.contains("different sessions")));
}
