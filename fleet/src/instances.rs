//! The instances: `fleet-app` processes with the same keys, the same Redis and namespace, each
//! on a free port of 127.0.0.1 that it prints once bound. Each holds the write end of the
//! other's standard input (`EXIT_WITH_STDIN`), so that no instance outlives the harness; all
//! are killed when the [`Fleet`] is dropped. Each in a process group of its own, so that a
//! Ctrl-C at the terminal reaches the harness only, which stops the load, reports, and then
//! stops them.

use std::io::{BufRead as _, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use sealed_session::Key;
use sealed_session_fleet::api::env;

use crate::HarnessError;

/// What every instance is started with.
#[derive(Clone)]
pub struct Settings {
    pub app: PathBuf,
    pub redis_url: String,
    pub namespace: String,
    pub ttl_seconds: u64,
    pub follow_ms: u64,
    /// `None`: the library's default.
    pub max_backoff_ms: Option<u64>,
    /// More variables for every instance (a scenario's: serverless mode, a leeway).
    pub env: Vec<(&'static str, String)>,
}

/// One running instance.
pub struct Instance {
    pub port: u16,
    child: Child,
    /// Never written: it closes when the harness goes.
    _stdin: Option<ChildStdin>,
}

/// The running instances, killed when dropped.
pub struct Fleet {
    settings: Settings,
    keys: Keys,
    instances: Vec<Instance>,
}

impl Fleet {
    /// Starts `count` instances with `settings` and fresh keys (the same for all), each on a
    /// free port; returns once every one listens.
    ///
    /// # Errors
    ///
    /// An instance cannot be started, or stops before it listens (its reason is on standard
    /// error).
    pub fn start(settings: &Settings, count: usize) -> Result<Fleet, HarnessError> {
        Fleet::start_sharing(settings, count, &Key::generate())
    }

    /// [`Fleet::start`] with `revocation_key` as the instances' `REVOCATION_KEY`: to publish
    /// revocations for them from outside.
    ///
    /// # Errors
    ///
    /// As [`Fleet::start`].
    pub fn start_sharing(
        settings: &Settings,
        count: usize,
        revocation_key: &Key,
    ) -> Result<Fleet, HarnessError> {
        let keys = Keys {
            session: Key::generate().to_base64(),
            revocation: revocation_key.to_base64(),
        };
        let mut fleet = Fleet {
            settings: settings.clone(),
            keys,
            instances: Vec::with_capacity(count),
        };
        for _ in 0..count {
            let instance = spawn(&fleet.settings, &fleet.keys, 0, &[])?;
            fleet.instances.push(instance);
        }
        Ok(fleet)
    }

    /// The instances' process ids, in order.
    pub fn pids(&self) -> Vec<u32> {
        self.instances
            .iter()
            .map(|instance| instance.child.id())
            .collect()
    }

    /// The session keys every instance started with (`SESSION_KEYS`).
    pub fn session_keys(&self) -> &str {
        &self.keys.session
    }

    /// Stops instance `index` (`SIGKILL`: take it out of rotation first) and starts a new
    /// process on the same port, cold, with `env` over the fleet's settings; returns once it
    /// listens.
    ///
    /// # Errors
    ///
    /// The new process cannot be started, or stops before it listens.
    pub fn restart(
        &mut self,
        index: usize,
        env: &[(&'static str, String)],
    ) -> Result<(), HarnessError> {
        let instance = &mut self.instances[index];
        let port = instance.port;
        let _ = instance.child.kill();
        let _ = instance.child.wait();
        self.instances[index] = spawn(&self.settings, &self.keys, port, env)?;
        Ok(())
    }

    /// Sends `signal` (`STOP`, `CONT`) to instance `index`, as a platform freezes and thaws a
    /// function between invocations.
    ///
    /// # Errors
    ///
    /// `kill` cannot be run or fails.
    pub fn signal(&self, index: usize, signal: &str) -> Result<(), HarnessError> {
        let pid = self.instances[index].child.id().to_string();
        let status = Command::new("kill")
            .args([format!("-{signal}"), pid])
            .status()
            .map_err(|error| HarnessError(format!("cannot run kill: {error}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(HarnessError(format!(
                "kill -{signal} of instance {index} failed: {status}"
            )))
        }
    }

    /// Their ports, in order.
    pub fn ports(&self) -> Vec<u16> {
        self.instances
            .iter()
            .map(|instance| instance.port)
            .collect()
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for instance in &mut self.instances {
            let _ = instance.child.kill();
            let _ = instance.child.wait();
        }
    }
}

struct Keys {
    session: String,
    revocation: String,
}

/// Starts an instance on `port` (0: a free one), with `overrides` over the settings.
fn spawn(
    settings: &Settings,
    keys: &Keys,
    port: u16,
    overrides: &[(&'static str, String)],
) -> Result<Instance, HarnessError> {
    let mut command = Command::new(&settings.app);
    command
        .env(env::PORT, port.to_string())
        .env(env::SESSION_KEYS, &keys.session)
        .env(env::REVOCATION_KEY, &keys.revocation)
        .env(env::REDIS_URL, &settings.redis_url)
        .env(env::NAMESPACE, &settings.namespace)
        .env(env::TTL_SECONDS, settings.ttl_seconds.to_string())
        .env(env::FOLLOW_MS, settings.follow_ms.to_string())
        .env(env::EXIT_WITH_STDIN, "1")
        .env_remove(env::MAX_BACKOFF_MS)
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(max_backoff_ms) = settings.max_backoff_ms {
        command.env(env::MAX_BACKOFF_MS, max_backoff_ms.to_string());
    }
    for (name, value) in settings.env.iter().chain(overrides) {
        command.env(name, value);
    }
    let mut child = command
        .spawn()
        .map_err(|error| HarnessError(format!("cannot run {}: {error}", settings.app.display())))?;
    let stdin = child.stdin.take();
    let port = child.stdout.take().and_then(|stdout| {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).ok()?;
        port_of(&line)
    });
    match port {
        Some(port) => Ok(Instance {
            port,
            child,
            _stdin: stdin,
        }),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            Err(HarnessError(format!(
                "{} did not start (no `listening on http://127.0.0.1:PORT` line)",
                settings.app.display()
            )))
        }
    }
}

/// The port of a `listening on http://127.0.0.1:PORT` line.
fn port_of(line: &str) -> Option<u16> {
    line.trim()
        .strip_prefix("listening on http://127.0.0.1:")?
        .parse()
        .ok()
}

/// `fleet-app` beside the running harness (cargo builds both binaries into one directory).
///
/// # Errors
///
/// It is not there.
pub fn app_beside_harness() -> Result<PathBuf, HarnessError> {
    beside_harness("fleet-app")
}

/// The program `name` beside the running harness.
///
/// # Errors
///
/// It is not there.
pub fn beside_harness(name: &str) -> Result<PathBuf, HarnessError> {
    let exe = std::env::current_exe()
        .map_err(|error| HarnessError(format!("cannot locate the harness: {error}")))?;
    let app = exe
        .parent()
        .unwrap_or(Path::new("."))
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if app.exists() {
        Ok(app)
    } else {
        Err(HarnessError(format!(
            "{} is missing: build it (cargo build -p sealed-session-fleet), or --app PATH",
            app.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_port_is_read_from_the_line() {
        assert_eq!(
            super::port_of("listening on http://127.0.0.1:4242\n"),
            Some(4242)
        );
        assert_eq!(super::port_of("listening on http://0.0.0.0:4242"), None);
        assert_eq!(super::port_of(""), None);
    }
}
