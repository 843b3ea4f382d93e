//! `jwks serve`: plays service A for local testing — serves the JWK Set of a key schedule
//! (`jwt::KeySchedule`, the master secret from the environment) at `/.well-known/jwks.json`,
//! with the library's caching headers (`Cache-Control`, `ETag`, `304`), so that a verifier can
//! be pointed at it; `jws sign --master-env` signs tokens it verifies.

use std::io::{BufRead as _, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

use clap::Args;
use sealed_session::jwt::{JwsIssuer, KeySchedule};
use time::Duration;

use crate::{Failure, duration};

/// The options of `jwks serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    schedule: ScheduleArgs,
    /// The address to listen on (port 0 picks a free one; loopback unless you mean otherwise).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Answer this many requests, then exit (default: serve until stopped).
    #[arg(long, value_name = "N")]
    requests: Option<u64>,
}

/// A key schedule's settings, shared with `jws sign --master-env`.
#[derive(Args, Debug, Clone)]
pub struct ScheduleArgs {
    /// The environment variable holding the schedule's master secret (32 bytes, base64, as
    /// `sealed-session keygen` prints): every key is derived from it.
    #[arg(long, value_name = "NAME", default_value = "JWS_MASTER_KEY")]
    pub master_env: String,
    /// How long each key signs: a new key each period, published a period before.
    #[arg(long, default_value = "1d", value_parser = duration::parse)]
    pub period: Duration,
    /// The TTL of the tokens signed: each previous key stays published for it.
    #[arg(long, default_value = "5m", value_parser = duration::parse)]
    pub ttl: Duration,
}

impl ScheduleArgs {
    /// The rotating issuer named `issuer` of this schedule.
    pub fn issuer(&self, issuer: &str) -> Result<JwsIssuer, Failure> {
        let schedule =
            KeySchedule::ed25519_from_env(&self.master_env, self.period).map_err(|error| {
                Failure::config(format!(
                    "{error} (a master secret: base64 from `sealed-session keygen`)"
                ))
            })?;
        Ok(JwsIssuer::rotating(schedule, issuer).with_ttl(self.ttl))
    }
}

/// Serves the schedule's set until stopped (or `--requests` answers); says where first.
pub fn run(args: ServeArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let issuer = args.schedule.issuer("sealed-session-cli")?;
    let listener = TcpListener::bind(args.listen)
        .map_err(|error| Failure::config(format!("cannot listen on {}: {error}", args.listen)))?;
    let address = listener
        .local_addr()
        .map_err(|error| Failure::config(format!("no address: {error}")))?;
    crate::write_line(
        out,
        &format!("serving http://{address}/.well-known/jwks.json"),
    )?;
    out.flush()
        .map_err(|error| Failure::config(format!("cannot write: {error}")))?;
    let mut answered = 0;
    for stream in listener.incoming() {
        if args.requests.is_some_and(|limit| answered >= limit) {
            break;
        }
        // A client that goes away mid-request is its own problem: serve the next.
        if let Ok(stream) = stream
            && answer(&issuer, stream).is_ok()
        {
            answered += 1;
        }
        if args.requests.is_some_and(|limit| answered >= limit) {
            break;
        }
    }
    Ok(())
}

/// Reads one request's head and answers it: the set at `/.well-known/jwks.json` (or
/// `/jwks.json`), `404` elsewhere; the connection is closed after.
fn answer(issuer: &JwsIssuer, stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let mut headers = http::HeaderMap::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.trim_end().split_once(':')
            && let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.trim().as_bytes()),
                http::HeaderValue::from_str(value.trim()),
            )
        {
            headers.append(name, value);
        }
    }
    let mut stream = stream;
    if !matches!(path.as_str(), "/.well-known/jwks.json" | "/jwks.json") {
        return stream.write_all(
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
    }
    let response = issuer.jwks_response(&headers);
    let mut head = format!("HTTP/1.1 {}\r\n", response.status());
    for (name, value) in response.headers() {
        head.push_str(&format!(
            "{name}: {}\r\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        response.body().len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(response.body().as_bytes())
}
