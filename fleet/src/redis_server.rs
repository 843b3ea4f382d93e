//! A `redis-server` for the run: on 127.0.0.1, on a free port, in a directory of its own, with
//! its append-only file on (`--appendonly yes`), so that a server killed and started again on
//! the same port comes back with what it had acknowledged. In a process group of its own, so
//! that a Ctrl-C at the terminal reaches the harness only, which stops it. Killed when dropped.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::HarnessError;

/// How long a starting server may take to answer `PING`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running (or killed) `redis-server`.
pub struct RedisServer {
    binary: PathBuf,
    dir: PathBuf,
    port: u16,
    /// More arguments (a replica's `--replicaof`).
    extra: Vec<String>,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts `binary` on a free port, its files in a directory of its own (removed when the
    /// server is dropped).
    ///
    /// # Errors
    ///
    /// The binary cannot be run (not installed: the run fails, it is never skipped), or the
    /// server does not answer in time.
    pub fn start(binary: &Path) -> Result<RedisServer, HarnessError> {
        RedisServer::start_with(binary, Vec::new())
    }

    /// Starts `binary` as a replica of the server on `primary`, and waits until it has synced.
    ///
    /// # Errors
    ///
    /// As [`RedisServer::start`], or it did not sync in time.
    pub fn start_replica(binary: &Path, primary: u16) -> Result<RedisServer, HarnessError> {
        let replica = RedisServer::start_with(
            binary,
            vec![
                "--replicaof".to_owned(),
                "127.0.0.1".to_owned(),
                primary.to_string(),
            ],
        )?;
        let deadline = Instant::now() + START_TIMEOUT;
        // Synced, and counted by the primary: with a diskless sync, the primary puts a replica
        // online (for `WAIT`) only at its first acknowledgement, up to a second later.
        let online = || -> Result<bool, HarnessError> {
            Ok(replica
                .cli(&["INFO", "replication"])?
                .contains("master_link_status:up")
                && cli(primary, &["INFO", "replication"])?.contains("state=online"))
        };
        // And a write on the primary acknowledged through `WAIT`, as the instances' will be.
        let acknowledges = || -> Result<bool, HarnessError> {
            let answer = cli_script(primary, "SET fleet:probe 1\nWAIT 1 100\n")?;
            Ok(answer.lines().nth(1).is_some_and(|line| line.trim() == "1"))
        };
        while !(online()? && acknowledges()?) {
            if Instant::now() >= deadline {
                return Err(HarnessError(format!(
                    "the replica on port {} did not sync with {primary} in {} s",
                    replica.port,
                    START_TIMEOUT.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(replica)
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Makes a replica a primary (`REPLICAOF NO ONE`), as a failover does.
    ///
    /// # Errors
    ///
    /// `redis-cli` failed.
    pub fn promote(&self) -> Result<(), HarnessError> {
        self.cli(&["REPLICAOF", "NO", "ONE"]).map(|_| ())
    }

    fn start_with(binary: &Path, extra: Vec<String>) -> Result<RedisServer, HarnessError> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!(
            "sealed-session-fleet-{}-{port}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|error| HarnessError(format!("cannot create {}: {error}", dir.display())))?;
        let mut server = RedisServer {
            binary: binary.to_owned(),
            dir,
            port,
            extra,
            child: None,
        };
        server.restart()?;
        Ok(server)
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Runs `redis-cli` against the server with `args`: its output.
    ///
    /// # Errors
    ///
    /// `redis-cli` cannot be run (scripts/install-redis.sh installs it) or fails.
    pub fn cli(&self, args: &[&str]) -> Result<String, HarnessError> {
        cli(self.port, args)
    }

    /// Kills the server (`SIGKILL`: a crash); what it acknowledged is in its append-only file.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on its port, from its append-only file, and waits until it
    /// answers `PING`.
    ///
    /// # Errors
    ///
    /// As [`RedisServer::start`].
    pub fn restart(&mut self) -> Result<(), HarnessError> {
        self.kill();
        let port = self.port.to_string();
        let child = Command::new(&self.binary)
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "yes", "--logfile", "redis.log"])
            // A replica syncs at once (the default waits 5 s for more replicas to share it).
            .args(["--repl-diskless-sync-delay", "0"])
            .args(&self.extra)
            .arg("--dir")
            .arg(&self.dir)
            .current_dir(&self.dir)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|error| {
                HarnessError(format!(
                    "cannot run {} ({error}): the fleet needs Redis 7 (scripts/install-redis.sh), \
                     or --redis-server PATH",
                    self.binary.display()
                ))
            })?;
        self.child = Some(child);
        self.wait_until_up()
    }

    fn wait_until_up(&mut self) -> Result<(), HarnessError> {
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if ping(self.port).is_ok() {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(exit)) = child.try_wait()
            {
                return Err(HarnessError(format!(
                    "redis-server on port {} stopped at once ({exit}); see {}",
                    self.port,
                    self.dir.join("redis.log").display()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(HarnessError(format!(
            "redis-server on port {} did not answer PING in {} s",
            self.port,
            START_TIMEOUT.as_secs()
        )))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `redis-cli` against the server on `port` with `args`: its output.
fn cli(port: u16, args: &[&str]) -> Result<String, HarnessError> {
    let output = Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .output()
        .map_err(|error| {
            HarnessError(format!(
                "cannot run redis-cli ({error}): scripts/install-redis.sh installs it"
            ))
        })?;
    if !output.status.success() {
        return Err(HarnessError(format!(
            "redis-cli {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs the commands of `script` (one a line) with `redis-cli` on one connection to the server
/// on `port`: its output.
fn cli_script(port: u16, script: &str) -> Result<String, HarnessError> {
    use std::io::Write as _;
    let mut child = Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| HarnessError(format!("cannot run redis-cli: {error}")))?;
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(script.as_bytes())
            .map_err(|error| HarnessError(format!("redis-cli: {error}")))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|error| HarnessError(format!("redis-cli: {error}")))?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `PING` in RESP over a plain connection: `Ok` once the server answers `+PONG` (not
/// `-LOADING` while it reads its append-only file).
fn ping(port: u16) -> std::io::Result<()> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    stream.set_read_timeout(Some(Duration::from_secs(1)))?;
    stream.write_all(b"PING\r\n")?;
    let mut answer = [0u8; 7];
    stream.read_exact(&mut answer)?;
    if &answer == b"+PONG\r\n" {
        Ok(())
    } else {
        Err(std::io::Error::other("not ready"))
    }
}

/// A port of 127.0.0.1 that was free a moment ago.
pub fn free_port() -> Result<u16, HarnessError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|error| HarnessError(format!("no free port on 127.0.0.1: {error}")))
}
