//! A user logs in, gets a sealed cookie, comes back with it, rolls the session, and logs out
//! everywhere; then the same session as a standard JWE, and as a signed JWT for another service.
//!
//! Run with `cargo run --example demo`. Set `SESSION_KEY` (43 characters of base64, from
//! `Key::generate().to_base64()`) to use a fixed key; otherwise a fresh one is drawn.

use std::sync::Arc;

use sealed_session::{Dictionary, Error, Key, Keyring, RevocationList, Sealer};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

#[derive(Debug, Serialize, Deserialize)]
struct UserSession {
    user_id: u64,
    name: String,
    roles: Vec<String>,
    csrf: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = match std::env::var_os("SESSION_KEY") {
        // A list: the first key seals, the others still open (rotation as configuration).
        Some(_) => Keyring::from_env("SESSION_KEY")?,
        None => {
            println!("(no SESSION_KEY set: using a fresh random key)");
            Keyring::new(Key::generate())
        }
    };

    // One revocation list per process; its horizon covers the longest session.
    let (ttl, max_lifetime) = (Duration::hours(8), Duration::days(1));
    let revocations = Arc::new(RevocationList::new(max_lifetime + Duration::hours(1)));
    // A dictionary from a made-up state of the same type: field names and common values.
    let dictionary = Dictionary::from_sample(&UserSession {
        user_id: 10_000,
        name: "Firstname Lastname".into(),
        roles: vec!["viewer".into(), "editor".into(), "admin".into()],
        csrf: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
    })?;
    let sealer = Sealer::builder(key.clone(), "session")
        .with_ttl(ttl)
        .with_max_lifetime(max_lifetime)
        .with_dictionary(dictionary)
        .with_revocations(Arc::clone(&revocations))
        .build()?;
    sealer.validate()?;

    println!("\n1. Log in");
    let state = UserSession {
        user_id: 42,
        name: "Ada Lovelace".into(),
        roles: vec!["admin".into(), "billing".into()],
        csrf: "q3Jv9Xz1bWFkZS1pbi1yb21l".into(),
    };
    let token = sealer.seal("user-42", &state)?;
    println!(
        "   state: {} bytes of JSON",
        serde_json::to_vec(&state)?.len()
    );
    println!(
        "   sealed cookie value: {} bytes (compressed with the dictionary)",
        token.len()
    );
    println!(
        "   Set-Cookie: session={token}; Path=/; Max-Age=28800; HttpOnly; Secure; SameSite=Lax"
    );

    println!("\n2. Next request: open the cookie");
    let session = sealer.open::<UserSession>(&token)?;
    println!("   subject:    {}", session.subject());
    println!("   state:      {:?}", session.state());
    println!("   session id: {}", session.session_id());
    println!("   logged in:  {}", session.authenticated_at());
    println!("   expires at: {}", session.expires_at());

    println!("\n2b. Five hours later, past half its life: roll the session");
    let later = OffsetDateTime::now_utc() + Duration::hours(5);
    let session = sealer.open_at::<UserSession>(&token, later)?;
    if session.is_past_half_life_at(later) {
        let rolled = sealer.reseal_at(&session, session.state(), later)?;
        let rolled = sealer.open_at::<UserSession>(&rolled, later)?;
        println!(
            "   same session id: {}; new expiry: {}",
            rolled.session_id() == session.session_id(),
            rolled.expires_at()
        );
    }

    println!("\n3. What an attacker gets");
    let mut tampered = token.clone().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered)?;
    show(
        "one character changed",
        sealer.open::<UserSession>(&tampered),
    );
    let later = OffsetDateTime::now_utc() + Duration::hours(9);
    show(
        "the same cookie 9 hours later",
        sealer.open_at::<UserSession>(&token, later),
    );
    // Rolled every 5 hours, the session still ends a day after the login.
    let login = OffsetDateTime::now_utc();
    let mut rolled = sealer.open_at::<UserSession>(&token, login)?;
    let mut last = token.clone();
    for hours in [5, 10, 15, 20] {
        let now = login + Duration::hours(hours);
        last = sealer.reseal_at(&rolled, rolled.state(), now)?;
        rolled = sealer.open_at::<UserSession>(&last, now)?;
    }
    show(
        "a cookie rolled every 5 hours, 24 h after the login",
        sealer.open_at::<UserSession>(&last, login + Duration::hours(24) + Duration::minutes(2)),
    );
    let other_purpose = Sealer::new(Key::generate(), "session");
    show(
        "opened by another service",
        other_purpose.open::<UserSession>(&token),
    );

    println!("\n4. Log out everywhere (or: password changed)");
    revocations.revoke_user("user-42");
    show("the old cookie", sealer.open::<UserSession>(&token));
    let fresh = sealer.seal("user-42", &state)?;
    show(
        "a cookie from logging in again",
        sealer.open::<UserSession>(&fresh),
    );
    println!("   revocation list entries: {}", revocations.len());

    #[cfg(feature = "jwt")]
    jwt(key, &revocations, &sealer.open::<UserSession>(&fresh)?)?;
    Ok(())
}

/// The session for services in other languages (a JWE) and between services (a signed JWT).
#[cfg(feature = "jwt")]
fn jwt(
    key: Keyring,
    revocations: &Arc<RevocationList>,
    session: &sealed_session::Session<UserSession>,
) -> Result<(), Box<dyn std::error::Error>> {
    use base64::Engine as _;
    use sealed_session::Format;
    use sealed_session::jwt::{JwsIssuer, JwsSigningKey, JwsVerifier, VerifyingKeys};

    println!("\n5. The same session as a standard JWE, for services in other languages");
    let jwe = Sealer::builder(key, "session")
        .with_format(Format::Jwe)
        .with_ttl(Duration::hours(8))
        .with_max_lifetime(Duration::days(1))
        .with_revocations(Arc::clone(revocations))
        .build()?;
    let token = jwe.seal(session.subject(), session.state())?;
    let header = token.split('.').next().unwrap_or_default();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header)?;
    println!("   header: {}", String::from_utf8_lossy(&header));
    println!(
        "   token:  {} bytes (the compact cookie above is shorter)",
        token.len()
    );
    println!("   opens here: {}", jwe.open::<UserSession>(&token).is_ok());

    println!("\n6. A signed JWT for the orders service, carrying the session");
    let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "https://auth.example");
    let jwt = issuer.issue_for_session(session, "orders", &serde_json::json!({"scope": "read"}))?;
    println!("   JWT: {} bytes, kid {}", jwt.len(), issuer.kid());
    println!("   published keys: {}", issuer.public_jwk_set());
    let verifier = JwsVerifier::new(
        VerifyingKeys::from_jwk_set(&issuer.public_jwk_set())?,
        "https://auth.example",
        "orders",
    )
    .with_revocations(Arc::clone(revocations));
    match verifier.verify::<serde_json::Value>(&jwt) {
        Ok(verified) => println!("   orders service: accepted (user {})", verified.subject()),
        Err(error) => println!("   orders service: rejected ({error})"),
    }
    revocations.revoke_session(session);
    match verifier.verify::<serde_json::Value>(&jwt) {
        Ok(_) => println!("   after logging this session out: accepted"),
        Err(error) => println!("   after logging this session out: rejected ({error})"),
    }
    Ok(())
}

fn show(what: &str, result: Result<sealed_session::Session<UserSession>, Error>) {
    match result {
        Ok(session) => println!("   {what}: accepted (user {})", session.subject()),
        Err(error) => println!("   {what}: rejected ({error})"),
    }
}
