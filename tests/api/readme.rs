//! The README's snippets are code that builds: the axum one is examples/readme_axum.rs, and the
//! `http` one is the body of `readme_http_snippet` below (compiled, not run: it reads
//! `SESSION_KEY`, which a test cannot set without `unsafe`).
#![cfg(feature = "http")]

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README")
}

/// The README's Rust block that follows `heading`.
fn block_after(readme: &str, heading: &str) -> String {
    let (_, after) = readme
        .split_once(heading)
        .unwrap_or_else(|| panic!("{heading} in the README"));
    let (_, code) = after.split_once("```rust\n").expect("a Rust block");
    code.split_once("```").expect("its end").0.to_owned()
}

#[test]
fn the_readme_axum_snippet_is_the_example() {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/readme_axum.rs"
    ))
    .expect("the example");
    let (_, begun) = example.split_once("// README: begin\n").expect("begin");
    let (snippet, _) = begun.split_once("// README: end").expect("end");
    assert_eq!(block_after(&readme(), "### axum\n"), snippet);
}

#[test]
fn the_readme_http_snippet_is_this_file() {
    let this = include_str!("readme.rs");
    let (_, begun) = this
        .split_once("-> Result<(), sealed_session::Error> {\n")
        .expect("begin");
    let (body, _) = begun.split_once("    Ok(())\n}").expect("end");
    let unindented: String = body
        .lines()
        .map(|line| line.strip_prefix("    ").unwrap_or(line))
        .map(|line| format!("{line}\n"))
        .collect();
    let readme = readme();
    assert_eq!(
        block_after(&readme, "### A serverless handler, or any `http` framework"),
        unindented
    );
}

#[allow(dead_code, unused_variables)]
fn readme_http_snippet() -> Result<(), sealed_session::Error> {
    use sealed_session::http::{SessionCookie, SessionManager};
    use sealed_session::{Keyring, Sealer};

    let sessions = SessionManager::<u32>::new(
        Sealer::builder(Keyring::from_env("SESSION_KEY")?, "session").build()?,
        SessionCookie::new("__Host-session"),
    );
    let handle = |request: http::Request<Vec<u8>>| -> http::Response<String> {
        let session = match sessions.open_request(&request) {
            Ok(session) => session,
            Err(forged) => {
                let mut refused = http::Response::new(forged.to_string());
                *refused.status_mut() = forged.status(); // 403
                return refused;
            }
        };
        let count = session.state().unwrap_or(0) + 1;
        let _ = match session.subject() {
            Some(_) => session.update(count),
            None => session.log_in("ada", count),
        };
        let mut response = http::Response::new(format!("count {count}"));
        session.write_to(response.headers_mut()); // the token, a roll, a removal, or nothing
        response
    };
    Ok(())
}
