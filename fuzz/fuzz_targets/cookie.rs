//! Arbitrary `Cookie` headers never make the session-cookie reader panic; whatever it reads as
//! a token (or, both forms present, as the other form's token) is base64url (with the dots of
//! a JWE), and writing that token and reading it back
//! gives it again, in cookies that each fit the browser's limit, whatever order and however many
//! headers the chunks come back in. Raw header bytes (not UTF-8) read as their UTF-8 pairs do,
//! and a write after a request leaves in the browser exactly the forms it writes: whatever the
//! request carried is overwritten or removed.
#![no_main]

use std::collections::BTreeSet;

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use sealed_session::http::{MAX_COOKIE_LEN, ReadCookie, SessionCookie};
use time::macros::datetime;

/// The names of our cookies a browser holds after it stored `set_cookies` over `jar`.
fn store(jar: &BTreeSet<String>, set_cookies: &[String]) -> BTreeSet<String> {
    let mut jar = jar.clone();
    for header in set_cookies {
        let name = header.split('=').next().unwrap_or("").to_owned();
        if header.contains("Max-Age=0") {
            jar.remove(&name);
        } else {
            jar.insert(name);
        }
    }
    jar
}

/// The names of the forms `read` says the request carried (chunk indices below 100).
fn carried(read: &ReadCookie) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    if read.carried.single() {
        names.insert("s".to_owned());
    }
    for index in (0..100).filter(|&index| read.carried.chunk(index)) {
        names.insert(format!("s.{index}"));
    }
    names
}

fuzz_target!(|data: &[u8]| {
    // Raw bytes as HTTP carries them: never a panic, and UTF-8 input reads as the text does.
    let mut raw = HeaderMap::new();
    for part in data.split(|&byte| byte == 0) {
        if let Ok(value) = HeaderValue::from_bytes(part) {
            raw.append(http::header::COOKIE, value);
        }
    }
    let cookie = SessionCookie::new("s")
        .with_max_chunks(4)
        .with_max_cookie_bytes(16 * 1024);
    let from_bytes = cookie.read_headers(&raw);
    // Both forms read as two tokens, never one without the other's place: the second only
    // beside a first.
    assert!(from_bytes.other_form.is_none() || from_bytes.token.is_some());
    for token in from_bytes.token.iter().chain(&from_bytes.other_form) {
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
    }
    let now = datetime!(2030-01-01 0:00 UTC);
    // Whatever came in, a write leaves exactly what it writes, and a clear leaves nothing.
    let token = "AQAB".repeat(usize::from(data.first().copied().unwrap_or(0)) * 13 + 1);
    let jar = carried(&from_bytes);
    if let Ok(written) =
        cookie.write_after(&from_bytes, &token, now + time::Duration::hours(1), now)
    {
        let kept: BTreeSet<String> = written
            .iter()
            .filter(|header| !header.contains("Max-Age=0"))
            .map(|header| header.split('=').next().unwrap_or("").to_owned())
            .collect();
        assert_eq!(store(&jar, &written), kept);
    }
    assert!(store(&jar, &cookie.clear_after(&from_bytes)).is_empty());

    let text = String::from_utf8_lossy(data);
    // A NUL byte splits the input into several `Cookie` headers, as HTTP/2 sends them.
    let headers: Vec<&str> = text.split('\0').collect();
    let read = cookie.read(headers.iter().copied());
    if std::str::from_utf8(data).is_ok() && headers.iter().all(|h| HeaderValue::from_str(h).is_ok())
    {
        assert_eq!(read, from_bytes);
    }
    assert!(read.token.is_none() || read.problem.is_none());
    assert!(read.problem.is_none() || read.present);
    let Some(token) = read.token else {
        return;
    };
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    );
    let now = datetime!(2030-01-01 0:00 UTC);
    if let Ok(written) = cookie.write_at(&token, now + time::Duration::hours(1), now) {
        assert!(written.iter().all(|header| header.len() <= MAX_COOKIE_LEN));
        let request: Vec<&str> = written
            .iter()
            .filter(|header| !header.contains("Max-Age=0"))
            .map(|header| header.split(';').next().unwrap_or(""))
            .collect();
        let again = cookie.read([request.join("; ").as_str()]);
        assert_eq!(again.token.as_deref(), Some(token.as_str()));
        // Chunks reassemble by index: reversed, one header each.
        let reversed: Vec<&str> = request.iter().rev().copied().collect();
        let again = cookie.read(reversed.iter().copied());
        assert_eq!(again.token.as_deref(), Some(token.as_str()));
        // A chunk sent twice, or one missing, is never read as a token.
        if request.len() > 1 {
            let mut doubled = request.clone();
            doubled.push(request[0]);
            assert!(cookie.read([doubled.join("; ").as_str()]).token.is_none());
            assert!(
                cookie
                    .read([request[1..].join("; ").as_str()])
                    .token
                    .is_none()
            );
        }
    }
});
