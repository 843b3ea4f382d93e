//! Arbitrary `Cookie` headers never make the session-cookie reader panic; whatever it reads as
//! a token is base64url (with the dots of a JWE), and writing that token and reading it back
//! gives it again, in cookies that each fit the browser's limit, whatever order and however many
//! headers the chunks come back in.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealed_session::http::{MAX_COOKIE_LEN, SessionCookie};
use time::macros::datetime;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // A NUL byte splits the input into several `Cookie` headers, as HTTP/2 sends them.
    let headers: Vec<&str> = text.split('\0').collect();
    let cookie = SessionCookie::new("s").with_max_chunks(4).with_max_cookie_bytes(16 * 1024);
    let read = cookie.read(headers.iter().copied());
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
            assert!(cookie.read([request[1..].join("; ").as_str()]).token.is_none());
        }
    }
});
