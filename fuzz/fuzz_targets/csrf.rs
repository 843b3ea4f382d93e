//! Arbitrary requests through the CSRF checks of `http::SessionManager::open_request`: never a
//! panic, and never an unsafe request accepted that should not be.
//!
//! Input: byte 0 chooses the method (its low 3 bits) and whether the request carries the
//! logged-in session's cookie (bit 3) and that session's real CSRF token in the header (bit 4);
//! the rest, split at NUL bytes, is `name: value` header lines and, last, the body. Properties:
//! - an unsafe request that carries the session is accepted only if the input holds the real
//!   token (masked tokens cannot be forged without the key);
//! - an unsafe request whose `Sec-Fetch-Site` is `cross-site` or `same-site` is refused;
//! - a safe request is always accepted, and a refusal always answers 403;
//! - no flash message is ever read from a cookie the input made (`s-flash=…`): only the key's
//!   holder can sign one.
#![no_main]

use std::sync::OnceLock;

use http::{Method, Request};
use libfuzzer_sys::fuzz_target;
use sealed_session::http::{SessionCookie, SessionManager};
use sealed_session::{Key, Sealer};

struct Fixture {
    sessions: SessionManager<u8>,
    cookie: String,
    token: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = Key::try_from(&[0x5a_u8; 32][..]).expect("32 bytes");
        let sessions = SessionManager::new(Sealer::new(key, "session"), SessionCookie::new("s"));
        let token = sessions.sealer().seal("ada", &1u8).expect("seals");
        let cookie = format!("s={token}");
        let mut headers = http::HeaderMap::new();
        headers.insert("cookie", cookie.parse().expect("ASCII"));
        let token = sessions
            .open(&headers)
            .csrf_token()
            .expect("the session opens");
        Fixture {
            sessions,
            cookie,
            token,
        }
    })
}

const METHODS: [Method; 8] = [
    Method::GET,
    Method::HEAD,
    Method::OPTIONS,
    Method::TRACE,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let fixture = fixture();
    let method = METHODS[usize::from(control & 7)].clone();
    let mut parts: Vec<&[u8]> = rest.split(|&byte| byte == 0).collect();
    let body = parts.pop().unwrap_or_default().to_vec();
    let mut request = Request::builder().method(method.clone()).uri("/x");
    let mut cross_site = false;
    for line in parts {
        let text = String::from_utf8_lossy(line);
        let Some((name, value)) = text.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) else {
            continue;
        };
        if name == "sec-fetch-site" && (value == "cross-site" || value == "same-site") {
            cross_site = true;
        }
        request = request.header(name, value);
    }
    let with_session = control & 8 != 0;
    if with_session {
        request = request.header("cookie", fixture.cookie.as_str());
    }
    if control & 16 != 0 {
        request = request.header("x-csrf-token", fixture.token.as_str());
    }
    let Ok(request) = request.body(body) else {
        return;
    };
    let sessions = &fixture.sessions;
    let result = sessions.open_request(&request);
    if let Ok(session) = &result {
        assert!(session.take_flashes().is_empty(), "a forged flash message was read");
        let mut headers = http::HeaderMap::new();
        session.write_to(&mut headers);
    }
    if method.is_safe() {
        assert!(result.is_ok(), "a safe method is never refused");
        return;
    }
    if let Err(refusal) = &result {
        assert_eq!(refusal.status(), http::StatusCode::FORBIDDEN);
    }
    if cross_site {
        assert!(result.is_err(), "a cross-site unsafe request is refused");
    }
    let session_opened = result.as_ref().is_ok_and(|session| session.is_logged_in());
    if session_opened {
        let holds_token =
            control & 16 != 0 || String::from_utf8_lossy(data).contains(fixture.token.as_str());
        assert!(holds_token, "accepted without the session's token");
    }
});
