//! `jws verify`: checks a signed JWT as a service would, against a public JWK Set or a shared
//! HS256 secret, and prints what it says; a refusal exits with `open`'s codes.

use std::io::Write;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Args;
use sealed_session::Sealer;
use sealed_session::jwt::{DEFAULT_MAX_JWS_LEN, JwsIssuer, JwsVerifier, VerifyingKeys};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::keys::JwsKeySource;
use crate::{Failure, duration, print};

/// The options of `jws verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The token ("-" or absent: stdin). Prefer stdin: an argument shows in `ps` and in the
    /// shell's history.
    token: Option<String>,
    /// The trusted public keys: a JWK Set file, as `keygen --ed25519` or `jwks print` writes.
    #[arg(long, value_name = "PATH", required_unless_present = "hs256", conflicts_with_all = ["hs256", "key_file"])]
    jwks: Option<PathBuf>,
    /// With --hs256 (the shared secret from --key-env or --key-file): the kid the secret is
    /// trusted under (default: its RFC 7638 thumbprint, as `jws sign --hs256` names it).
    // `requires` alone lets `--jwks --kid` through: clap waives the requirement of an
    // argument (`--hs256`) that conflicts with one present (`--jwks`).
    #[arg(long, requires = "hs256", conflicts_with = "jwks")]
    kid: Option<String>,
    #[command(flatten)]
    key: JwsKeySource,
    /// The issuer (`iss`) the token must have.
    #[arg(long)]
    issuer: String,
    /// The audience (`aud`) the token must include.
    #[arg(long)]
    audience: String,
    /// Verify as of this time (RFC 3339), instead of now.
    #[arg(long, value_parser = crate::parse_time)]
    at: Option<OffsetDateTime>,
    /// Clock skew tolerated on exp, nbf, iat and auth_time: 0s to 1h.
    #[arg(long, default_value = "60s", value_parser = parse_leeway)]
    leeway: Duration,
    /// The longest token to accept, in characters; a longer one is refused unread (exit 7).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_JWS_LEN)]
    max_token_len: usize,
}

/// Verifies the token as `args` say and writes its subject, times, id and claims to `out`.
pub fn run(args: VerifyArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let keys = match &args.jwks {
        Some(path) => {
            let set = std::fs::read_to_string(path).map_err(|error| {
                Failure::config(format!("cannot read {}: {error}", path.display()))
            })?;
            VerifyingKeys::from_jwk_set(&set)
                .map_err(|error| Failure::config(format!("{}: {error}", path.display())))?
        }
        None => shared_secret(&args.key, args.kid.as_deref())?,
    };
    let token = match args.token.as_deref() {
        None | Some("-") => crate::read_input(None)?,
        Some(token) => token.to_owned(),
    };
    let verifier = JwsVerifier::new(keys, &args.issuer, &args.audience)
        .with_leeway(args.leeway)
        .with_max_token_len(args.max_token_len);
    let now = args.at.unwrap_or_else(OffsetDateTime::now_utc);
    let verified = verifier
        .verify_at::<serde_json::Value>(token.trim(), now)
        .map_err(Failure::of_jws)?;
    let time = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let view = serde_json::json!({
        // `subject()` reads an absent `sub` as "": shown as null instead, as it is.
        "subject": verified.claims().get("sub").map(|_| verified.subject()),
        "issued_at": verified.issued_at().map(time),
        "authenticated_at": verified.authenticated_at().map(time),
        "expires_at": time(verified.expires_at()),
        "token_id": verified.token_id(),
        "claims": verified.claims(),
    });
    // The claims are the token maker's text: escaped for the terminal.
    crate::write_line(out, &print::json(&view))
}

/// The HS256 secret of `key` as the one trusted key, under `kid` or else its thumbprint (the
/// kid `jws sign --hs256` gives it by default).
fn shared_secret(key: &JwsKeySource, kid: Option<&str>) -> Result<VerifyingKeys, Failure> {
    let key = key.load()?;
    let secret = URL_SAFE_NO_PAD
        .decode(key.to_base64())
        .map_err(|_| Failure::config("the HS256 secret cannot be read back".into()))?;
    let kid = match kid {
        Some(kid) => kid.to_owned(),
        None => JwsIssuer::new(key, "").kid().to_owned(),
    };
    VerifyingKeys::new()
        .with_hs256(&kid, &secret)
        .map_err(Failure::of)
}

/// `--leeway`: a duration as the other options read it, or zero (`0s`: no tolerance), at
/// most [`Sealer::MAX_LEEWAY`]. The verifier would cut a longer one to that without a word;
/// whoever asked for more must hear that it cannot be had.
fn parse_leeway(text: &str) -> Result<Duration, String> {
    let zero = text
        .strip_suffix(['s', 'm', 'h', 'd'])
        .is_some_and(|number| !number.is_empty() && number.bytes().all(|byte| byte == b'0'));
    let leeway = if zero {
        Duration::ZERO
    } else {
        duration::parse(text)?
    };
    if leeway > Sealer::MAX_LEEWAY {
        return Err(format!(
            "a leeway of at most {} is allowed: {text}",
            duration::show(Sealer::MAX_LEEWAY)
        ));
    }
    Ok(leeway)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leeway_is_zero_to_an_hour() {
        assert_eq!(parse_leeway("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_leeway("00m"), Ok(Duration::ZERO));
        assert_eq!(parse_leeway("60s"), Ok(Duration::seconds(60)));
        assert_eq!(parse_leeway("1h"), Ok(Duration::hours(1)));
        for text in ["61m", "2h", "1d", "", "s", "-1s", "0", "0é"] {
            assert!(parse_leeway(text).is_err(), "{text:?}");
        }
    }
}
