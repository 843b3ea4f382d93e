//! The session cookie: secure attributes, chunking, the budget, and every way a request's
//! cookies can be wrong (stale and orphan chunks, mixed forms, gaps, duplicates, shuffles,
//! dotted names, several `Cookie` headers, floods).
#![cfg(feature = "http")]

use crate::common;

use common::T0;
use sealed_session::http::{CookieProblem, MAX_COOKIE_LEN, SameSite, SessionCookie};
use sealed_session::{Compression, Error, Sealer};
use time::Duration;

fn sealer() -> Sealer {
    common::fixed_builder(8)
        .with_compression(Compression::Never)
        .with_max_token_len(64 * 1024)
        .build()
        .expect("valid settings")
}

/// A real token of about `len` characters.
fn token(len: usize) -> String {
    let padding = "x".repeat(len.saturating_sub(100) * 3 / 4);
    sealer().seal_at("user-42", &padding, T0).expect("seals")
}

/// What the browser sends back: the `name=value` part of each stored (non-removal) cookie.
fn request_of(set_cookies: &[String]) -> String {
    set_cookies
        .iter()
        .filter(|header| !header.contains("Max-Age=0"))
        .map(|header| header.split(';').next().expect("name=value").to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

fn cookie() -> SessionCookie {
    SessionCookie::new("__Host-session")
}

#[test]
fn secure_defaults_on_every_cookie_written() {
    let headers = cookie()
        .write_at(&token(300), T0 + Duration::hours(2), T0)
        .expect("fits");
    let first = &headers[0];
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=7200",
    ] {
        assert!(first.contains(attribute), "{attribute} in {first}");
    }
    assert!(!first.contains("Domain"), "{first}");
    // Removals carry the same attributes, so they delete what they name.
    for removal in &headers[1..] {
        for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age=0"] {
            assert!(removal.contains(attribute), "{attribute} in {removal}");
        }
    }
}

#[test]
fn host_prefix_rules_are_enforced() {
    for good in [
        cookie(),
        SessionCookie::new("__Secure-session").with_domain("example.com"),
        SessionCookie::new("session").with_same_site(SameSite::None),
        SessionCookie::new("session").dangerous_without_secure(),
        SessionCookie::new("session")
            .with_same_site(SameSite::Strict)
            .dangerous_without_secure(),
        cookie().with_max_chunks(1),
        cookie().with_max_chunks(100),
    ] {
        assert_eq!(good.validate(), Ok(()), "{good:?}");
    }
    for bad in [
        cookie().with_domain("example.com"),
        cookie().with_path("/app"),
        cookie().dangerous_without_secure(),
        SessionCookie::new("__Secure-session").dangerous_without_secure(),
        SessionCookie::new("session")
            .with_same_site(SameSite::None)
            .dangerous_without_secure(),
        SessionCookie::new("bad name"),
        SessionCookie::new(""),
        SessionCookie::new("a;b"),
        cookie().with_max_chunks(0),
        cookie().with_max_chunks(101),
    ] {
        assert!(matches!(bad.validate(), Err(Error::Config(_))), "{bad:?}");
        assert!(matches!(bad.plan("abc"), Err(Error::Config(_))), "{bad:?}");
    }
}

#[test]
fn a_small_token_is_one_cookie_and_reads_back() {
    let token = token(300);
    let headers = cookie()
        .write_at(&token, T0 + Duration::hours(1), T0)
        .expect("fits");
    assert_eq!(
        headers.len(),
        1 + 3,
        "the cookie and removals of chunks 0..3"
    );
    let read = cookie().read([request_of(&headers).as_str()]);
    assert_eq!(read.token.as_deref(), Some(token.as_str()));
    assert!(read.present && read.problem.is_none());
    assert!(sealer().open_at::<String>(&token, T0).is_ok());
}

/// A JWE session (dots between its segments) is a cookie too, single or chunked.
#[cfg(feature = "jwt")]
#[test]
fn a_jwe_session_is_a_cookie_single_or_chunked() {
    let jwe = sealer()
        .to_builder()
        .with_format(sealed_session::Format::Jwe)
        .build()
        .expect("valid settings");
    for len in [300, 6000] {
        let padding = "x".repeat(len * 3 / 4);
        let token = jwe.seal_at("user-42", &padding, T0).expect("seals");
        let cookie = cookie().with_max_cookie_bytes(8000);
        let headers = cookie
            .write_at(&token, T0 + Duration::hours(1), T0)
            .expect("fits");
        let read = cookie.read([request_of(&headers).as_str()]);
        assert_eq!(read.token.as_deref(), Some(token.as_str()), "{len}");
        assert!(jwe.open_at::<String>(&token, T0).is_ok());
    }
}

#[test]
fn a_large_token_is_chunked_and_each_cookie_fits_the_browser_limit() {
    let token = token(7000);
    let cookie = cookie().with_max_cookie_bytes(8000);
    let plan = cookie.plan(&token).expect("fits in two chunks");
    assert_eq!(plan.cookies, 2);
    let headers = cookie
        .write_at(&token, T0 + Duration::days(1), T0)
        .expect("fits");
    assert_eq!(
        headers.len(),
        2 + 1 + 1,
        "two chunks, the single's removal, chunk 2's removal"
    );
    for header in &headers {
        assert!(header.len() <= MAX_COOKIE_LEN, "{} bytes", header.len());
    }
    assert!(headers[0].starts_with("__Host-session.0="));
    assert!(headers[1].starts_with("__Host-session.1="));
    let request = request_of(&headers);
    assert_eq!(request.len(), plan.cookie_header_bytes);
    let read = cookie.read([request.as_str()]);
    assert_eq!(read.token.as_deref(), Some(token.as_str()));
    let opened = sealer().open_at::<String>(read.token.as_deref().expect("token"), T0);
    assert!(opened.is_ok(), "{opened:?}");
}

#[test]
fn the_budget_is_enforced_at_write_time_and_told_beforehand() {
    let cookie = cookie();
    let huge = token(20_000);
    assert_eq!(cookie.plan(&huge), Err(Error::CookieBudget));
    assert_eq!(
        cookie.write_at(&huge, T0 + Duration::hours(1), T0),
        Err(Error::CookieBudget)
    );
    // Within the chunk count but over the bytes.
    let two = token(7000);
    assert_eq!(
        cookie.clone().with_max_cookie_bytes(5000).plan(&two),
        Err(Error::CookieBudget)
    );
    // One chunk only: no chunking at all.
    assert_eq!(
        cookie.with_max_chunks(1).plan(&two),
        Err(Error::CookieBudget)
    );
}

#[test]
fn going_from_chunks_to_one_cookie_removes_every_chunk() {
    let cookie = cookie().with_max_cookie_bytes(8000);
    let big = cookie
        .write_at(&token(7000), T0 + Duration::hours(1), T0)
        .expect("fits");
    let small = cookie
        .write_at(&token(200), T0 + Duration::hours(1), T0)
        .expect("fits");
    assert!(!small[0].contains("Max-Age=0"));
    for index in 0..3 {
        let name = format!("__Host-session.{index}=;");
        assert!(
            small
                .iter()
                .any(|h| h.starts_with(&name) && h.contains("Max-Age=0")),
            "chunk {index} is removed: {small:?}"
        );
    }
    // And back: the single cookie is removed when chunks are written.
    assert!(
        big.iter()
            .any(|h| h.starts_with("__Host-session=;") && h.contains("Max-Age=0"))
    );
}

#[test]
fn removals_cover_indices_this_request_never_carried() {
    // Another tab wrote three chunks; this request only knows of one cookie. Every index up to
    // the maximum is removed all the same.
    let headers = cookie()
        .write_at(&token(100), T0 + Duration::hours(1), T0)
        .expect("fits");
    let removed: Vec<&String> = headers.iter().filter(|h| h.contains("Max-Age=0")).collect();
    assert_eq!(removed.len(), 3);
    assert_eq!(cookie().clear().len(), 4);
}

#[test]
fn gaps_duplicates_and_extra_chunks_are_refused() {
    let cookie = cookie();
    let cases: [(&[&str], CookieProblem); 5] = [
        (
            &["__Host-session.0=AAAA; __Host-session.2=BBBB"],
            CookieProblem::Gap,
        ),
        (&["__Host-session.1=AAAA"], CookieProblem::Gap),
        (
            &["__Host-session=AAAA", "__Host-session=BBBB"],
            CookieProblem::Duplicate,
        ),
        (
            &["__Host-session.0=AA; __Host-session.0=AA"],
            CookieProblem::Duplicate,
        ),
        (
            &["__Host-session.0=A; __Host-session.1=B; __Host-session.5=C"],
            CookieProblem::TooManyChunks,
        ),
    ];
    for (headers, problem) in cases {
        let read = cookie.read(headers.iter().copied());
        assert_eq!(read.token, None, "{headers:?}");
        assert!(read.present, "{headers:?}");
        assert_eq!(read.problem, Some(problem), "{headers:?}");
    }
    assert_eq!(
        cookie.read(["__Host-session=not%20a%20token"]).problem,
        Some(CookieProblem::NotAToken)
    );
    // Both forms (two tabs wrote at once) are two tokens, for the handle to choose between;
    // a partial set of chunks beside the single cookie is left out (an interrupted write).
    let both = cookie.read(["__Host-session=AAAA; __Host-session.0=BBBB"]);
    assert_eq!(both.token.as_deref(), Some("AAAA"));
    assert_eq!(both.other_form.as_deref(), Some("BBBB"));
    assert!(both.carried.single() && both.carried.chunk(0));
    let partial = cookie.read(["__Host-session=AAAA; __Host-session.1=BBBB"]);
    assert_eq!(
        (partial.token.as_deref(), partial.other_form),
        (Some("AAAA"), None)
    );
    assert_eq!(
        cookie.read(["__Host-session=\"quoted\""]).problem,
        Some(CookieProblem::NotAToken)
    );
}

#[test]
fn chunks_join_by_index_whatever_the_header_order() {
    let token = token(7000);
    let cookie = cookie().with_max_cookie_bytes(8000);
    let headers = cookie
        .write_at(&token, T0 + Duration::hours(1), T0)
        .expect("fits");
    let pairs: Vec<String> = request_of(&headers)
        .split("; ")
        .map(str::to_owned)
        .collect();
    // Shuffled across two Cookie headers, as HTTP/2 may send them.
    let read = cookie.read([pairs[1].as_str(), pairs[0].as_str()]);
    assert_eq!(read.token.as_deref(), Some(token.as_str()));
    // Chunk values swapped (a stale chunk of another tab, or tampering): the join can never open.
    let value = |pair: &str| pair.split_once('=').expect("pair").1.to_owned();
    let swapped = format!(
        "__Host-session.0={}; __Host-session.1={}",
        value(&pairs[1]),
        value(&pairs[0])
    );
    let read = cookie.read([swapped.as_str()]);
    let joined = read.token.expect("well-formed chunks");
    assert!(sealer().open_at::<String>(&joined, T0).is_err());
    // An orphan chunk from another tab's longer session, beside ours.
    let orphan = format!("{}; __Host-session.2=AAAAAAAA", request_of(&headers));
    let joined = cookie.read([orphan.as_str()]).token.expect("three chunks");
    assert!(sealer().open_at::<String>(&joined, T0).is_err());
}

#[test]
fn dotted_names_that_are_not_chunks_are_not_ours() {
    let cookie = SessionCookie::new("session");
    for other in [
        "session.backup=xyz",
        "session.01=xyz",
        "session.-1=xyz",
        "session.1e2=xyz",
        "session.=xyz",
        "session.100=xyz",
        "sessions=xyz",
        "xsession=xyz",
        "session.0.1=xyz",
    ] {
        let read = cookie.read([other]);
        assert!(!read.present, "{other}");
        assert_eq!(read.token, None, "{other}");
    }
    let read = cookie.read(["session.backup=old; session=AQAB; theme=dark"]);
    assert_eq!(read.token.as_deref(), Some("AQAB"));
}

#[test]
fn odd_spacing_garbage_and_floods_never_panic_and_stay_bounded() {
    let cookie = cookie();
    let read = cookie.read(["  ;;; =; ==; __Host-session=AQAB ;garbage;;  a=b"]);
    assert_eq!(read.token.as_deref(), Some("AQAB"), "{read:?}");
    let flood: String = (0..2000).map(|i| format!("c{i}=v{i}; ")).collect();
    assert!(flood.len() < 32 * 1024);
    let read = cookie.read([flood.as_str(), "__Host-session=AQAB"]);
    assert_eq!(read.token.as_deref(), Some("AQAB"));
    // Past the byte limit nothing is parsed.
    let huge = "a=b; ".repeat(10_000);
    let read = cookie.read([huge.as_str()]);
    assert_eq!(read.problem, Some(CookieProblem::HeadersTooLarge));
    let strict = cookie.with_max_request_cookie_bytes(100);
    assert_eq!(
        strict.read([flood.as_str()]).problem,
        Some(CookieProblem::HeadersTooLarge)
    );
    assert!(!SessionCookie::new("s").read(Vec::<&str>::new()).present);
}

/// The defaults are the documented ones, both inclusive: at most 6,144 bytes of session
/// cookies in the browser's `Cookie` header, and 32 KiB of `Cookie` headers read per request.
#[test]
fn the_default_limits_are_6_kib_of_session_cookies_and_32_kib_of_headers() {
    let cookie = cookie();
    let fits = |len: usize| cookie.plan(&"A".repeat(len)).is_ok();
    let longest = common::smallest_passing(20_000, |len| !fits(len)) - 1;
    let plan = cookie.plan(&"A".repeat(longest)).expect("fits");
    assert_eq!((plan.cookies, plan.cookie_header_bytes), (2, 6144));

    let header = |len: usize| format!("other={}", "v".repeat(len - "other=".len()));
    let read = cookie.read([header(32 * 1024).as_str()]);
    assert_eq!((read.problem, read.present), (None, false));
    let read = cookie.read([header(32 * 1024 - 10).as_str(), "0123456789"]);
    assert_eq!(read.problem, None, "the bytes of every header count");
    assert_eq!(
        cookie
            .read([header(32 * 1024 - 10).as_str(), "0123456789A"])
            .problem,
        Some(CookieProblem::HeadersTooLarge)
    );
    assert_eq!(
        cookie.read([header(32 * 1024 + 1).as_str()]).problem,
        Some(CookieProblem::HeadersTooLarge)
    );
}

/// The name, as configured: what [`SessionCookie::read`] looks for and every cookie written
/// carries.
#[test]
fn the_name_is_the_one_configured() {
    for name in ["__Host-session", "sid"] {
        let cookie = SessionCookie::new(name);
        assert_eq!(cookie.name(), name);
        let shown = format!("{cookie:?}");
        assert!(
            shown.contains(name) && shown.contains("max_cookie_bytes: 6144"),
            "{shown}"
        );
        let written = cookie
            .write_at(&token(200), T0 + Duration::hours(1), T0)
            .expect("fits");
        assert!(written[0].starts_with(&format!("{name}=")), "{written:?}");
    }
}

/// The plan tells the truth: the `Cookie` header the browser sends back for what was written
/// is exactly as long as the plan said, for one cookie and for chunks.
#[test]
fn the_plan_counts_what_the_browser_sends_back() {
    let cookie = cookie();
    for len in [100, 3000, 4040, 4100, 4500, 6000] {
        let token = "A".repeat(len);
        let plan = cookie.plan(&token).expect("fits");
        let written = cookie
            .write_at(&token, T0 + Duration::hours(1), T0)
            .expect("fits");
        assert_eq!(
            request_of(&written).len(),
            plan.cookie_header_bytes,
            "{len}"
        );
        assert_eq!(plan.cookies, usize::from(len > 4000) + 1, "{len}");
        // With a Max-Age as wide as any lifetime needs (ten digits), the `Set-Cookie` values
        // take exactly the bytes planned.
        let far = cookie
            .write_at(&token, T0 + Duration::days(32 * 366), T0)
            .expect("fits");
        let stored: usize = far
            .iter()
            .filter(|header| !header.contains("Max-Age=0"))
            .map(String::len)
            .sum();
        assert_eq!(stored, plan.set_cookie_bytes, "{len}");
        // Each chunk but the last is as large as the browser keeps.
        if plan.cookies > 1 {
            let lens: Vec<usize> = far.iter().take(plan.cookies).map(String::len).collect();
            assert!(
                lens[..lens.len() - 1].iter().all(|&n| n == MAX_COOKIE_LEN),
                "{lens:?}"
            );
        }
    }
}

/// `write` is `write_at` by the system clock: what it writes reads back, for the time left.
#[test]
fn write_by_the_clock_reads_back() {
    let cookie = cookie();
    let token = token(300);
    let now = time::OffsetDateTime::now_utc();
    let written = cookie
        .write(&token, now + Duration::hours(1))
        .expect("fits");
    assert_eq!(
        written.len(),
        1 + 3,
        "the cookie, and removals of every chunk index"
    );
    assert!(written[0].contains("Max-Age=3599") || written[0].contains("Max-Age=3600"));
    let request = request_of(&written);
    assert_eq!(cookie.read([request.as_str()]).token, Some(token));
}
