//! A real Redis Cluster for a test: primaries on 127.0.0.1 (free ports, and free cluster-bus
//! ports 10000 above them), in throwaway directories, made one cluster by
//! `redis-cli --cluster create`; killed when dropped. And a slot migration, key by key, done
//! as `redis-cli --cluster reshard` does it, with a pause between keys for the test to act in.
//! Fails, never skips, without `redis-server` and `redis-cli`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running cluster, killed when dropped.
pub struct RedisCluster {
    /// The primaries' ports, on 127.0.0.1.
    pub ports: Vec<u16>,
    children: Vec<Child>,
    dir: PathBuf,
}

/// A port that is free, with the one 10000 above it (the cluster bus) free too.
fn free_cluster_port() -> u16 {
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("its address").port();
        if port < 55_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

impl RedisCluster {
    /// Starts `primaries` servers and makes them one cluster, every slot covered.
    pub fn start(primaries: usize) -> RedisCluster {
        let dir = std::env::temp_dir().join(format!(
            "sealed-session-cluster-{}-{}",
            std::process::id(),
            free_cluster_port()
        ));
        std::fs::create_dir_all(&dir).expect("a throwaway directory");
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned());
        let mut cluster = RedisCluster {
            ports: Vec::new(),
            children: Vec::new(),
            dir,
        };
        for _ in 0..primaries {
            let port = free_cluster_port();
            let node_dir = cluster.dir.join(port.to_string());
            std::fs::create_dir_all(&node_dir).expect("a node directory");
            let child = Command::new(&binary)
                .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
                .args(["--cluster-enabled", "yes", "--cluster-node-timeout", "5000"])
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .arg("--dir")
                .arg(&node_dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|error| {
                    panic!("cannot start {binary} ({error}): run scripts/install-redis.sh (scripts/test.sh does)")
                });
            cluster.ports.push(port);
            cluster.children.push(child);
        }
        for &port in &cluster.ports {
            cluster.wait_until_up(port);
        }
        let nodes: Vec<String> = cluster
            .ports
            .iter()
            .map(|port| format!("127.0.0.1:{port}"))
            .collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&nodes)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|error| {
                panic!("cannot run redis-cli ({error}): run scripts/install-redis.sh (scripts/test.sh does)")
            });
        assert!(created.success(), "redis-cli --cluster create failed");
        cluster.wait_until_ok();
        cluster
    }

    /// The nodes' URLs, for a cluster client.
    pub fn urls(&self) -> Vec<String> {
        self.ports
            .iter()
            .map(|port| format!("redis://127.0.0.1:{port}/"))
            .collect()
    }

    /// A plain connection to the node on `port`, for the test's own commands.
    pub fn connection(&self, port: u16) -> redis::Connection {
        redis::Client::open(format!("redis://127.0.0.1:{port}/"))
            .and_then(|client| client.get_connection())
            .expect("connects")
    }

    /// The slot of `key`, as the cluster computes it.
    pub fn slot_of(&self, key: &str) -> u16 {
        redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut self.connection(self.ports[0]))
            .expect("CLUSTER KEYSLOT answers")
    }

    /// The port of the primary that owns `slot`, as the first node that knows sees it.
    pub fn owner_of(&self, slot: u16) -> u16 {
        self.ports
            .iter()
            .find_map(|&port| {
                let slots: redis::Value = redis::cmd("CLUSTER")
                    .arg("SLOTS")
                    .query(&mut self.connection(port))
                    .ok()?;
                owner_in_slots(&slots, slot)
            })
            .unwrap_or_else(|| panic!("no node owns slot {slot}"))
    }

    /// The keys of `slot` that the node on `port` holds.
    pub fn keys_in_slot(&self, port: u16, slot: u16) -> Vec<String> {
        redis::cmd("CLUSTER")
            .arg("GETKEYSINSLOT")
            .arg(slot)
            .arg(100)
            .query(&mut self.connection(port))
            .expect("CLUSTER GETKEYSINSLOT answers")
    }

    /// Moves `slot` from the node on `from` to the node on `to`, one key at a time, calling
    /// `between` after each key (while the slot is half moved, clients get `ASK`), then hands
    /// the slot over on every node (clients get `MOVED`).
    pub fn migrate_slot(&self, slot: u16, from: u16, to: u16, mut between: impl FnMut()) {
        let id = |port| -> String {
            redis::cmd("CLUSTER")
                .arg("MYID")
                .query(&mut self.connection(port))
                .expect("CLUSTER MYID answers")
        };
        let (from_id, to_id) = (id(from), id(to));
        let setslot = |port: u16, how: &str, node: &str| {
            redis::cmd("CLUSTER")
                .arg("SETSLOT")
                .arg(slot)
                .arg(how)
                .arg(node)
                .query::<()>(&mut self.connection(port))
                .expect("CLUSTER SETSLOT answers");
        };
        setslot(to, "IMPORTING", &from_id);
        setslot(from, "MIGRATING", &to_id);
        loop {
            let keys = self.keys_in_slot(from, slot);
            let Some(key) = keys.first() else { break };
            redis::cmd("MIGRATE")
                .arg("127.0.0.1")
                .arg(to)
                .arg("")
                .arg(0)
                .arg(5000)
                .arg("KEYS")
                .arg(key)
                .query::<()>(&mut self.connection(from))
                .expect("MIGRATE answers");
            between();
        }
        setslot(to, "NODE", &to_id);
        setslot(from, "NODE", &to_id);
        for &port in &self.ports {
            if port != to && port != from {
                setslot(port, "NODE", &to_id);
            }
        }
    }

    fn wait_until_up(&self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(mut connection) = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
                .and_then(|c| c.get_connection())
                && redis::cmd("PING").query::<String>(&mut connection).is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server on port {port} did not come up");
    }

    /// Waits until every node says the cluster is whole.
    fn wait_until_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let ok = self.ports.iter().all(|&port| {
                redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query::<String>(&mut self.connection(port))
                    .is_ok_and(|info| info.contains("cluster_state:ok"))
            });
            if ok {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the cluster did not become ok");
    }
}

/// The port of the primary serving `slot` in a `CLUSTER SLOTS` reply.
fn owner_in_slots(reply: &redis::Value, slot: u16) -> Option<u16> {
    let redis::Value::Array(ranges) = reply else {
        return None;
    };
    ranges.iter().find_map(|range| {
        let redis::Value::Array(fields) = range else {
            return None;
        };
        let number = |value: &redis::Value| match value {
            redis::Value::Int(number) => Some(*number),
            _ => None,
        };
        let (start, end) = (number(fields.first()?)?, number(fields.get(1)?)?);
        if !(start..=end).contains(&i64::from(slot)) {
            return None;
        }
        let redis::Value::Array(primary) = fields.get(2)? else {
            return None;
        };
        number(primary.get(1)?).and_then(|port| u16::try_from(port).ok())
    })
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
