//! A real `redis-server` for a test: on 127.0.0.1, on a free port, in a throwaway directory,
//! without persistence; stopped (killed) when dropped. Fails, never skips, without the binary.
//!
//! [`RedisServer::start_tls`] starts one that speaks TLS only, with a server certificate signed
//! by a [`TestCa`] that the test makes: Debian's `redis-server` is built with TLS.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};

/// A running `redis-server`, killed when dropped.
pub struct RedisServer {
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    child: Option<Child>,
    /// For a TLS server: the CA that signed its certificate, and a name the certificate holds.
    tls: Option<(Vec<u8>, String)>,
}

impl RedisServer {
    /// Starts a server on a free port.
    pub fn start() -> RedisServer {
        RedisServer::start_on(free_port())
    }

    /// Starts a server on `port` (to restart one after a kill).
    pub fn start_on(port: u16) -> RedisServer {
        let dir = data_dir(port);
        let child = spawn(&dir, &["--port", &port.to_string()]);
        let server = RedisServer {
            port,
            child: Some(child),
            tls: None,
        };
        server.wait_until_up();
        server
    }

    /// Starts a server on a free port whose clock reads `seconds` off the host's (libfaketime,
    /// Debian's `libfaketime`, which `scripts/install-redis.sh` installs): a Redis on a host
    /// with another time.
    pub fn start_with_clock(seconds: i64) -> RedisServer {
        let port = free_port();
        let dir = data_dir(port);
        assert!(
            Path::new(LIBFAKETIME).exists(),
            "{LIBFAKETIME} is missing: run scripts/install-redis.sh (scripts/test.sh does)"
        );
        let clock = [
            ("LD_PRELOAD", LIBFAKETIME.to_owned()),
            ("FAKETIME", format!("{seconds:+}s")),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1".to_owned()),
            ("DONT_FAKE_MONOTONIC", "1".to_owned()),
        ];
        let child = spawn_with(&dir, &["--port", &port.to_string()], &clock);
        let server = RedisServer {
            port,
            child: Some(child),
            tls: None,
        };
        server.wait_until_up();
        server
    }

    /// Starts a server on a free port that speaks TLS only (no plain port), with a certificate
    /// for `127.0.0.1` and `localhost` signed by `ca`. It asks no certificate of its clients.
    pub fn start_tls(ca: &TestCa) -> RedisServer {
        RedisServer::start_tls_for(ca, &["127.0.0.1", "localhost"])
    }

    /// As [`RedisServer::start_tls`], with a certificate for `names` (host names or IP
    /// addresses) only: to show that a client checks the name. Up when a TLS `PING` for the
    /// first name answers.
    pub fn start_tls_for(ca: &TestCa, names: &[&str]) -> RedisServer {
        let port = free_port();
        let dir = data_dir(port);
        let (certificate, key) = ca.server_certificate(names);
        let write = |name: &str, contents: &[u8]| {
            let path = dir.join(name);
            std::fs::write(&path, contents).expect("a file in the throwaway directory");
            path.into_os_string()
                .into_string()
                .expect("a UTF-8 temporary path")
        };
        let (certificate, key, ca_file) = (
            write("server.crt", certificate.as_bytes()),
            write("server.key", key.as_bytes()),
            write("ca.crt", &ca.pem()),
        );
        let child = spawn(
            &dir,
            &[
                "--port",
                "0",
                "--tls-port",
                &port.to_string(),
                "--tls-cert-file",
                &certificate,
                "--tls-key-file",
                &key,
                "--tls-ca-cert-file",
                &ca_file,
                "--tls-auth-clients",
                "no",
            ],
        );
        let server = RedisServer {
            port,
            child: Some(child),
            tls: Some((ca.pem(), names.first().expect("a name").to_string())),
        };
        server.wait_until_up();
        server
    }

    /// Its URL, for a Redis client: `rediss://127.0.0.1:<port>/` for a TLS server.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}://127.0.0.1:{}/", self.port)
    }

    /// A connection, for the test's own commands (to a TLS server: trusting its CA).
    pub fn connection(&self) -> redis::Connection {
        match &self.tls {
            None => redis::Client::open(self.url()),
            Some((ca, _)) => {
                if rustls::crypto::CryptoProvider::get_default().is_none() {
                    let _ = rustls::crypto::ring::default_provider().install_default();
                }
                let certificates = redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(ca.clone()),
                };
                redis::Client::build_with_tls(self.url(), certificates)
            }
        }
        .and_then(|client| client.get_connection())
        .expect("connects")
    }

    fn wait_until_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let up = match &self.tls {
                None => redis::Client::open(self.url())
                    .and_then(|c| c.get_connection())
                    .and_then(|mut connection| redis::cmd("PING").query::<String>(&mut connection))
                    .is_ok(),
                Some((ca, name)) => tls_ping(self.port, ca, name).is_ok(),
            };
            if up {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server on port {} did not come up", self.port);
    }

    /// Kills the server (an outage); what it had written to its append-only file survives.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Removes a server's directory once the test is done with every restart of it.
pub fn remove_data(port: u16) {
    let _ = std::fs::remove_dir_all(data_dir(port));
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// The throwaway directory of the server on `port`, created.
fn data_dir(port: u16) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sealed-session-redis-{}-{port}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("a throwaway directory");
    dir
}

/// libfaketime's library for programs with threads, as Debian installs it.
pub const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// `redis-server` on 127.0.0.1, its data in `dir`, with `listen` (the ports, TLS settings).
fn spawn(dir: &Path, listen: &[&str]) -> Child {
    spawn_with(dir, listen, &[])
}

/// [`spawn`] with more environment variables.
fn spawn_with(dir: &Path, listen: &[&str], env: &[(&str, String)]) -> Child {
    let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned());
    Command::new(&binary)
        .envs(env.iter().map(|(name, value)| (name, value)))
        .args(["--bind", "127.0.0.1"])
        .args(listen)
        .args(["--save", "", "--appendonly", "yes", "--appendfsync", "always"])
        .args(["--daemonize", "no"])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| {
            panic!("cannot start {binary} ({error}): run scripts/install-redis.sh (scripts/test.sh does)")
        })
}

/// `PING` over TLS to 127.0.0.1:`port`, the server verified as `name` against `ca_pem`
/// (rustls on `ring`, set up here: nothing process-wide).
fn tls_ping(port: u16, ca_pem: &[u8], name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(ca_pem) {
        roots.add(certificate?)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let session =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from(name.to_owned())?)?;
    let tcp = TcpStream::connect(("127.0.0.1", port))?;
    tcp.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut stream = rustls::StreamOwned::new(session, tcp);
    stream.write_all(b"PING\r\n")?;
    let mut answer = [0; 7];
    stream.read_exact(&mut answer)?;
    if &answer != b"+PONG\r\n" {
        return Err("not PONG".into());
    }
    Ok(())
}

/// A certificate authority made by a test (a new P-256 key each time), and the server
/// certificates it signs.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    /// A new CA named `name`.
    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("a CA key");
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, key).expect("a CA certificate"),
        }
    }

    /// Its certificate (PEM): what a client trusts.
    pub fn pem(&self) -> Vec<u8> {
        self.issuer.pem().into_bytes()
    }

    /// A server certificate for `names` (host names or IP addresses), signed by this CA, and
    /// its private key: both PEM.
    pub fn server_certificate(&self, names: &[&str]) -> (String, String) {
        let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("server certificate parameters");
        params
            .distinguished_name
            .push(DnType::CommonName, "sealed-session test server");
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().expect("a server key");
        let certificate = params
            .signed_by(&key, &self.issuer)
            .expect("a server certificate");
        (certificate.pem(), key.serialize_pem())
    }
}
