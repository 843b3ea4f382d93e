//! `sealed-session`: make keys, seal and open tokens, inspect them safely, manage revocation
//! snapshots. Keys are read from an environment variable or a private file, never from the
//! command line.
#![forbid(unsafe_code)]

mod duration;
mod inspect;
mod jwe_export;
mod jwks;
mod jwks_serve;
mod jws_sign;
mod jws_verify;
mod keys;
mod print;
mod revocations;
mod snapshot;

use std::io::{Read as _, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use sealed_session::jwt::JwsSigningKey;
use sealed_session::{Compression, Dictionary, Error, Format, Key, Sealer, SealerBuilder};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use keys::KeySource;

/// The exit codes, for `--help` (a macro, so that `concat!` can put examples before them).
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0  success
  1  another error (configuration, key, file)
  2  bad usage
  3  malformed token
  4  invalid token (changed, or another key or purpose), unknown key id or unknown dictionary
     (jws verify: also another issuer or audience, or an algorithm that is not the key's)
  5  expired, or past the session's maximum lifetime
  6  revoked
  7  too large
  8  not yet valid"
    };
}

/// Keys, tokens and revocation snapshots of sealed-session.
#[derive(Parser, Debug)]
#[command(version, about, after_help = exit_codes!())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Make a new key: a 32-byte sealing key in base64, or an Ed25519 signing key pair.
    #[command(after_help = "Examples:
  sealed-session keygen > session.key && chmod 600 session.key
  sealed-session keygen --ed25519 --out signing.key --kid 2026-12   # prints the public JWK Set")]
    Keygen {
        /// An Ed25519 key pair for signed JWTs (EdDSA) instead of a sealing key.
        #[arg(long)]
        ed25519: bool,
        /// With --ed25519: the file to write the private key (seed, base64) to; mode 600.
        #[arg(long, value_name = "PATH", requires = "ed25519")]
        out: Option<PathBuf>,
        /// With --ed25519: the kid of the public JWK (default: its RFC 7638 thumbprint).
        #[arg(long, requires = "ed25519")]
        kid: Option<String>,
    },
    /// Seal a session: state JSON from a file or stdin; prints the token.
    #[command(after_help = "Example:
  echo '{\"roles\":[\"admin\"]}' | SESSION_KEY=$(cat session.key) sealed-session seal --subject user-42")]
    Seal {
        #[command(flatten)]
        key: KeySource,
        /// The session's subject (user id).
        #[arg(long)]
        subject: String,
        /// The sealer's purpose.
        #[arg(long, default_value = "session")]
        purpose: String,
        /// How long the token is valid: 90s, 30m, 8h, 7d. At most --max-lifetime.
        #[arg(long, default_value = "24h", value_parser = duration::parse)]
        ttl: Duration,
        /// The maximum lifetime of sessions, as the service sets it: a longer --ttl is refused,
        /// since the token would only last this long.
        #[arg(long, default_value = "7d", value_parser = duration::parse)]
        max_lifetime: Duration,
        /// State JSON file ("-" or absent: stdin).
        #[arg(long, value_name = "PATH")]
        state: Option<PathBuf>,
        /// When to compress.
        #[arg(long, value_enum, default_value_t = CompressionArg::Auto)]
        compression: CompressionArg,
        /// A dictionary file to compress with (compact format only).
        #[arg(long, value_name = "PATH")]
        dictionary: Option<PathBuf>,
        /// The token's format.
        #[arg(long, value_enum, default_value_t = FormatArg::Compact)]
        format: FormatArg,
        /// The longest token to produce, in characters. The default fits one cookie.
        #[arg(long, value_name = "N", default_value_t = Sealer::DEFAULT_MAX_TOKEN_LEN)]
        max_token_len: usize,
    },
    /// Open a token: prints its subject, session id, times and state as JSON.
    #[command(after_help = concat!("Examples:
  sealed-session open --key-file session.key < token
  sealed-session open --key-file session.key --at 2030-01-01T00:00:00Z --revocations revoked.bin < token

", exit_codes!()))]
    Open {
        #[command(flatten)]
        key: KeySource,
        /// The token ("-" or absent: stdin). Prefer stdin: an argument shows in `ps` and in the
        /// shell's history.
        token: Option<String>,
        /// The sealer's purpose.
        #[arg(long, default_value = "session")]
        purpose: String,
        /// Open as of this time (RFC 3339), instead of now.
        #[arg(long, value_parser = parse_time)]
        at: Option<OffsetDateTime>,
        /// A dictionary the token may have been compressed with.
        #[arg(long, value_name = "PATH")]
        dictionary: Option<PathBuf>,
        /// The token's format.
        #[arg(long, value_enum, default_value_t = FormatArg::Compact)]
        format: FormatArg,
        /// Check the token against this revocation snapshot.
        #[arg(long, value_name = "PATH")]
        revocations: Option<PathBuf>,
        /// The maximum lifetime of sessions, as the service sets it.
        #[arg(long, default_value = "7d", value_parser = duration::parse)]
        max_lifetime: Duration,
        /// The longest token to accept, in characters; a longer one is refused unread (exit 7).
        /// The default fits one cookie.
        #[arg(long, value_name = "N", default_value_t = Sealer::DEFAULT_MAX_TOKEN_LEN)]
        max_token_len: usize,
    },
    /// Show what a token shows anyone, without a key: its kind, header, key id and lengths.
    /// Nothing is decrypted or verified.
    #[command(after_help = "Example:
  sealed-session inspect < token-from-bug-report")]
    Inspect {
        /// The token ("-" or absent: stdin). Prefer stdin: an argument shows in `ps` and in the
        /// shell's history.
        token: Option<String>,
    },
    /// Work on a revocation snapshot file (written atomically), or on the revocations shared
    /// through Redis (with the `redis` feature).
    #[command(after_help = "Examples:
  sealed-session revocations --snapshot revoked.bin revoke-user user-42
  sealed-session revocations --snapshot revoked.bin show
  REVOCATION_KEY=... sealed-session revocations --redis redis://127.0.0.1/ --namespace shop revoke-user user-42
  REVOCATION_KEY=... sealed-session revocations --redis rediss://cache.internal:6380/ --redis-ca ca.pem --namespace shop show")]
    Revocations {
        /// The snapshot file.
        #[arg(long, value_name = "PATH", required_unless_present = "redis")]
        snapshot: Option<PathBuf>,
        /// Act on the revocations shared through this Redis instead (`redis://host:port/`, or
        /// `rediss://host:port/` for TLS: the server's certificate is verified, for that host).
        #[arg(long, value_name = "URL", conflicts_with = "snapshot")]
        redis: Option<String>,
        /// With a `rediss://` URL: the CA certificates (a PEM file) that sign the server's
        /// certificate, instead of the system's roots.
        #[arg(
            long,
            value_name = "PATH",
            requires = "redis",
            conflicts_with = "snapshot"
        )]
        redis_ca: Option<PathBuf>,
        /// With --redis: the deployment's namespace.
        #[arg(
            long,
            default_value = "default",
            requires = "redis",
            conflicts_with = "snapshot"
        )]
        namespace: String,
        /// With --redis: the environment variable holding the shared revocation key (base64).
        #[arg(long, value_name = "NAME", default_value = "REVOCATION_KEY")]
        revocation_key_env: String,
        #[command(subcommand)]
        action: RevocationAction,
    },
    /// Sign and verify JWTs (JWS) between services: EdDSA (Ed25519) or HS256.
    Jws {
        #[command(subcommand)]
        action: JwsAction,
    },
    /// Publish the public keys of Ed25519 signing keys as a JWK Set, or serve a key
    /// schedule's set.
    Jwks {
        #[command(subcommand)]
        action: JwksAction,
    },
    /// Share the key of JWE tokens (`seal --format jwe`) with a service in another language.
    Jwe {
        #[command(subcommand)]
        action: JweAction,
    },
}

/// The `jws` commands.
#[derive(Subcommand, Debug)]
enum JwsAction {
    /// Sign a JWT: claims JSON (an object) from a file or stdin; prints the token.
    #[command(after_help = "Examples:
  echo '{\"scope\":\"read\"}' | sealed-session jws sign --key-file signing.key --issuer https://auth.example --subject user-42 --audience orders
  echo '{}' | JWS_SIGNING_KEY=$(cat shared.secret) sealed-session jws sign --hs256 --kid s1 --issuer auth --subject user-42 --audience orders --ttl 1m")]
    Sign(jws_sign::SignArgs),
    /// Verify a JWT: prints its subject, times, token id and claims as JSON.
    #[command(after_help = concat!("Examples:
  sealed-session jws verify --jwks jwks.json --issuer https://auth.example --audience orders < token
  sealed-session jws verify --hs256 --kid s1 --key-file shared.secret --issuer auth --audience orders --at 2030-01-01T00:00:00Z < token

", exit_codes!()))]
    Verify(jws_verify::VerifyArgs),
}

/// The `jwks` commands.
#[derive(Subcommand, Debug)]
enum JwksAction {
    /// Print the public JWK Set of one or more Ed25519 keys: publish the old and the new key
    /// together while tokens signed with the old one live. Nothing secret is printed.
    #[command(after_help = "Example:
  sealed-session jwks print --key-file old.key --kid 2026-06 --key-file new.key --kid 2026-12 > jwks.json")]
    Print(jwks::PrintArgs),
    /// Serve the JWK Set of a key schedule over HTTP, as a service would, for local testing:
    /// a new key each period, the next published a period ahead (`jws sign --master-env` signs
    /// with the current one). Prints the URL first.
    #[command(after_help = "Example:
  JWS_MASTER_KEY=$(sealed-session keygen) sealed-session jwks serve --period 1h --listen 127.0.0.1:8080")]
    Serve(jwks_serve::ServeArgs),
}

/// The `jwe` commands.
#[derive(Subcommand, Debug)]
enum JweAction {
    /// Write the JWE keys of a purpose, a secret JWK Set, to a new file of mode 600, for a
    /// service that decrypts (and can make) these sessions. Never printed.
    #[command(after_help = "Example:
  sealed-session jwe export-key --key-file session.key --purpose session --out session.jwks")]
    ExportKey(jwe_export::ExportKeyArgs),
}

#[derive(Subcommand, Debug)]
enum RevocationAction {
    /// Log a user out everywhere (creates the snapshot if it is missing).
    #[command(after_help = "Example:
  sealed-session revocations --snapshot revoked.bin revoke-user user-42 --horizon 8d")]
    RevokeUser {
        subject: String,
        /// The horizon of a new snapshot: at least the maximum lifetime plus the leeway
        /// (default 8d). With --redis, the namespace's stored horizon is used; this is needed
        /// only for a namespace no instance has connected to yet.
        #[arg(long, value_parser = duration::parse)]
        horizon: Option<Duration>,
    },
    /// Log one session out, by its id and when it began (from your logs).
    #[command(after_help = "Example:
  sealed-session revocations --snapshot revoked.bin revoke-session oKGio6SlpqeoqaqrrK2urw --authenticated-at 2030-01-01T12:00:00Z")]
    RevokeSession {
        session_id: String,
        /// When the session began (RFC 3339): its authenticated-at.
        #[arg(long, value_parser = parse_time)]
        authenticated_at: OffsetDateTime,
        /// The horizon of a new snapshot (default 8d). With --redis, the namespace's stored
        /// horizon is used; this is needed only for a namespace no instance has connected to yet.
        #[arg(long, value_parser = duration::parse)]
        horizon: Option<Duration>,
    },
    /// Forget what can no longer matter (older than the horizon).
    #[command(after_help = "Example:
  sealed-session revocations --snapshot revoked.bin prune")]
    Prune,
    /// Counts, horizon, watermark and size.
    #[command(after_help = "Example:
  sealed-session revocations --snapshot revoked.bin show")]
    Show,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CompressionArg {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Compact,
    Jwe,
}

/// A failure: what to print on stderr, and the exit code.
#[derive(Debug)]
pub struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    /// A failure of the setup (key, file, settings): exit code 1.
    pub fn config(message: String) -> Failure {
        Failure { message, code: 1 }
    }

    /// Options that contradict each other, which clap cannot see: exit code 2.
    fn usage(message: String) -> Failure {
        Failure { message, code: 2 }
    }

    fn of(error: Error) -> Failure {
        let code = match error {
            Error::Malformed | Error::StateMismatch => 3,
            Error::Invalid
            | Error::UnknownKey
            | Error::UnknownDictionary
            | Error::AlgorithmMismatch
            | Error::WrongIssuer
            | Error::WrongAudience => 4,
            Error::Expired | Error::LifetimeExceeded => 5,
            Error::Revoked => 6,
            Error::TooLarge => 7,
            Error::NotYetValid => 8,
            _ => 1,
        };
        Failure {
            message: error.to_string(),
            code,
        }
    }

    /// A signed token refused (`jws verify`): as [`Failure::of`], except that the verifier's
    /// `Error::Config` names an algorithm it does not support (PS256, RS384…), the token's
    /// fault and not the setup's: exit code 4, with the verifier's words.
    fn of_jws(error: Error) -> Failure {
        match error {
            Error::Config(why) => Failure {
                message: why.to_owned(),
                code: 4,
            },
            other => Failure::of(other),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("sealed-session: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Keygen { ed25519: false, .. } => {
            let key = Key::try_generate().map_err(Failure::of)?;
            println!("{}", key.to_base64());
        }
        Command::Keygen {
            ed25519: true,
            out,
            kid,
        } => {
            let key = JwsSigningKey::generate_ed25519().map_err(Failure::of)?;
            let out = out.ok_or_else(|| {
                Failure::config(
                    "--ed25519 needs --out PATH for the private key (never printed)".into(),
                )
            })?;
            keys::write_private_file(&out, &format!("{}\n", key.to_base64()))?;
            let issuer = sealed_session::jwt::JwsIssuer::new(key, "");
            let kid = kid.unwrap_or_else(|| issuer.kid().to_owned());
            let issuer = issuer.with_kid(&kid);
            println!("{}", issuer.public_jwk_set());
        }
        Command::Seal {
            key,
            subject,
            purpose,
            ttl,
            max_lifetime,
            state,
            compression,
            dictionary,
            format,
            max_token_len,
        } => {
            // The sealer would cut the token's life down to the maximum lifetime without a
            // word; whoever asked for a longer TTL must hear that it cannot be had.
            if ttl > max_lifetime {
                return Err(Failure::usage(format!(
                    "--ttl {} is longer than --max-lifetime {}: the token would only last {}; \
                     shorten --ttl or raise --max-lifetime",
                    duration::show(ttl),
                    duration::show(max_lifetime),
                    duration::show(max_lifetime),
                )));
            }
            let state = read_input(state.as_deref())?;
            let state: serde_json::Value = serde_json::from_str(&state)
                .map_err(|error| Failure::config(format!("the state is not JSON: {error}")))?;
            let sealer = sealer(&key, &purpose, dictionary.as_deref(), format)?
                .with_max_token_len(max_token_len)
                .with_ttl(ttl)
                .with_max_lifetime(max_lifetime)
                .with_compression(match compression {
                    CompressionArg::Auto => Compression::Auto,
                    CompressionArg::Always => Compression::Always,
                    CompressionArg::Never => Compression::Never,
                })
                .build()
                .map_err(Failure::of)?;
            println!("{}", sealer.seal(&subject, &state).map_err(Failure::of)?);
        }
        Command::Open {
            key,
            token,
            purpose,
            at,
            dictionary,
            format,
            revocations,
            max_lifetime,
            max_token_len,
        } => {
            let token = match token.as_deref() {
                None | Some("-") => read_input(None)?,
                Some(token) => token.to_owned(),
            };
            let mut sealer = sealer(&key, &purpose, dictionary.as_deref(), format)?
                .with_max_token_len(max_token_len)
                .with_max_lifetime(max_lifetime);
            if let Some(path) = revocations {
                sealer = sealer.with_revocations(Arc::new(snapshot::read(&path)?));
            }
            let sealer = sealer.build().map_err(Failure::of)?;
            let now = at.unwrap_or_else(OffsetDateTime::now_utc);
            let session = sealer
                .open_at::<serde_json::Value>(token.trim(), now)
                .map_err(Failure::of)?;
            let time = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
            let view = serde_json::json!({
                "subject": session.subject(),
                "session_id": session.session_id().to_string(),
                "issued_at": time(session.issued_at()),
                "authenticated_at": time(session.authenticated_at()),
                "expires_at": time(session.expires_at()),
                "state": session.state(),
            });
            // The subject and the state are whatever was sealed (from a user's input, say):
            // escaped for the terminal.
            println!("{}", print::json(&view));
        }
        Command::Inspect { token } => {
            let token = match token.as_deref() {
                None | Some("-") => read_input(None)?,
                Some(token) => token.to_owned(),
            };
            let view = inspect::inspect(token.trim());
            // The header is the token maker's text: escaped for the terminal.
            println!("{}", print::json(&view));
        }
        Command::Revocations {
            snapshot: Some(path),
            action,
            ..
        } => revocations::on_snapshot(&path, action)?,
        Command::Revocations {
            redis: Some(url),
            redis_ca,
            namespace,
            revocation_key_env,
            action,
            ..
        } => {
            let target = revocations::RedisTarget {
                url: &url,
                ca: redis_ca.as_deref(),
                namespace: &namespace,
                key_env: &revocation_key_env,
            };
            revocations::on_redis(&target, action)?;
        }
        Command::Jws {
            action: JwsAction::Sign(args),
        } => jws_sign::run(args, &mut std::io::stdout().lock())?,
        Command::Jws {
            action: JwsAction::Verify(args),
        } => jws_verify::run(args, &mut std::io::stdout().lock())?,
        Command::Jwks {
            action: JwksAction::Print(args),
        } => jwks::run(args, &mut std::io::stdout().lock())?,
        Command::Jwks {
            action: JwksAction::Serve(args),
        } => jwks_serve::run(args, &mut std::io::stdout().lock())?,
        Command::Jwe {
            action: JweAction::ExportKey(args),
        } => jwe_export::run(args, &mut std::io::stdout().lock())?,
        Command::Revocations { .. } => {
            return Err(Failure::config(
                "name --snapshot PATH or --redis URL".into(),
            ));
        }
    }
    Ok(())
}

/// The settings `seal` and `open` share.
fn sealer(
    key: &KeySource,
    purpose: &str,
    dictionary: Option<&std::path::Path>,
    format: FormatArg,
) -> Result<SealerBuilder, Failure> {
    let mut sealer = Sealer::builder(key.load()?, purpose);
    if format == FormatArg::Jwe {
        sealer = sealer.with_format(Format::Jwe);
    }
    if let Some(path) = dictionary {
        let bytes = std::fs::read(path)
            .map_err(|error| Failure::config(format!("cannot read {}: {error}", path.display())))?;
        sealer = sealer.with_dictionary(Dictionary::new(bytes));
    }
    Ok(sealer)
}

/// A file's contents, or stdin's for none or "-".
fn read_input(path: Option<&std::path::Path>) -> Result<String, Failure> {
    match path {
        Some(path) if path.as_os_str() != "-" => std::fs::read_to_string(path)
            .map_err(|error| Failure::config(format!("cannot read {}: {error}", path.display()))),
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|error| Failure::config(format!("cannot read stdin: {error}")))?;
            Ok(text)
        }
    }
}

/// Writes `text` and a newline to `out`: a stdout that cannot be written (a pipe whose reader
/// left) is a failure with a message, where `println!` would panic.
fn write_line(out: &mut dyn Write, text: &str) -> Result<(), Failure> {
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|error| Failure::config(format!("cannot write the output: {error}")))
}

fn parse_time(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| format!("not an RFC 3339 time: {text}"))
}
