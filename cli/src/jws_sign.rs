//! `jws sign`: a signed JWT for another service, from a key in the environment or a private
//! file, with the application's claims (a JSON object) beside the registered ones.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use sealed_session::Error;
use sealed_session::jwt::JwsIssuer;
use time::Duration;

use crate::jwks_serve::ScheduleArgs;
use crate::keys::JwsKeySource;
use crate::{Failure, duration};

/// The options of `jws sign`.
#[derive(Args, Debug)]
pub struct SignArgs {
    #[command(flatten)]
    key: JwsKeySource,
    /// Sign with the current key of a key schedule whose master secret is in this environment
    /// variable (as `jwks serve` publishes it), instead of --key-env or --key-file.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["key_file", "hs256", "kid"])]
    master_env: Option<String>,
    /// With --master-env: the schedule's period.
    #[arg(long, default_value = "1d", value_parser = duration::parse, requires = "master_env")]
    period: Duration,
    /// The issuer (`iss`): the name the verifiers expect.
    #[arg(long)]
    issuer: String,
    /// The subject (`sub`): the user or service the token speaks for.
    #[arg(long)]
    subject: String,
    /// The audience (`aud`): the service the token is for.
    #[arg(long)]
    audience: String,
    /// How long the token is valid: 90s, 5m, 8h, 7d.
    #[arg(long, default_value = "5m", value_parser = duration::parse)]
    ttl: Duration,
    /// The `kid` header (default: the key's RFC 7638 thumbprint, as `keygen --ed25519` and
    /// `jwks print` name it). It must be the kid the verifiers know the key by.
    #[arg(long)]
    kid: Option<String>,
    /// The claims: a JSON file holding an object ("-" or absent: stdin). Registered claim
    /// names (iss, sub, aud, exp, nbf, iat, jti, auth_time) are refused: the options set them.
    #[arg(long, value_name = "PATH")]
    claims: Option<PathBuf>,
}

/// Signs a token as `args` say and writes it to `out`.
pub fn run(args: SignArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let claims = crate::read_input(args.claims.as_deref())?;
    let claims: serde_json::Value = serde_json::from_str(&claims)
        .map_err(|error| Failure::config(format!("the claims are not JSON: {error}")))?;
    if !claims.is_object() {
        return Err(Failure::config(
            "the claims must be a JSON object, such as {\"scope\":\"read\"}".into(),
        ));
    }
    let mut issuer = match &args.master_env {
        Some(name) => ScheduleArgs {
            master_env: name.clone(),
            period: args.period,
            ttl: args.ttl,
        }
        .issuer(&args.issuer)?,
        None => JwsIssuer::new(args.key.load()?, &args.issuer).with_ttl(args.ttl),
    };
    if let Some(kid) = &args.kid {
        issuer = issuer.with_kid(kid);
    }
    let token = issuer
        .issue(&args.subject, &args.audience, &claims)
        .map_err(|error| match error {
            // The claims are checked above and the TTL is at least a second: what is left is
            // a registered name among the claims.
            Error::Config(why) => Failure::config(format!(
                "{why}: --issuer, --subject and --audience set iss, sub and aud, and signing \
                 sets iat, exp, jti and auth_time; remove them (and nbf) from the claims"
            )),
            other => Failure::of(other),
        })?;
    crate::write_line(out, &token)
}
