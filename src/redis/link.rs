//! Where the sync talks to: one server (a primary, behind whatever endpoint the platform
//! re-points at failover), or a Redis Cluster, whose client follows `MOVED` and `ASK`. The
//! namespace's keys share one hash tag, so one slot: every exchange goes to that slot's
//! primary, a `MULTI` included, and `WAIT` is asked of that primary alone.
//!
//! While the slot migrates, key by key, a `MULTI` that names a key already moved is refused
//! (`ASK`) and cannot be split across the two nodes (a write on the importing node would make
//! the key there before its migration, which then fails): the exchange fails, keeps what it
//! was publishing, and is tried again after the backoff, until the slot has moved (`MOVED`,
//! which the client follows).

use std::time::Duration;

use ::redis::cluster::{ClusterClient, ClusterConfig, ClusterConnection};
use ::redis::cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, Slot, SlotAddr};
use ::redis::{Cmd, ConnectionLike, RedisResult, Value};

/// What to connect to.
pub(super) enum Target {
    Server(::redis::Client),
    Cluster(ClusterClient),
}

/// An open connection to a [`Target`].
pub(super) enum Link {
    Server(::redis::Connection),
    Cluster(Box<ClusterConnection>),
}

impl Target {
    /// Opens a connection; `timeout` bounds the connect and every command.
    pub(super) fn connect(&self, timeout: Duration) -> RedisResult<Link> {
        let link = match self {
            Target::Server(client) => Link::Server(client.get_connection_with_timeout(timeout)?),
            Target::Cluster(client) => Link::Cluster(Box::new(
                client.get_connection_with_config(
                    ClusterConfig::new()
                        .set_connection_timeout(timeout)
                        .set_response_timeout(timeout),
                )?,
            )),
        };
        link.set_timeouts(timeout, timeout)?;
        Ok(link)
    }
}

impl Link {
    /// The read and write timeouts of every command from now on.
    pub(super) fn set_timeouts(&self, read: Duration, write: Duration) -> RedisResult<()> {
        match self {
            Link::Server(connection) => {
                connection.set_read_timeout(Some(read))?;
                connection.set_write_timeout(Some(write))
            }
            Link::Cluster(connection) => {
                connection.set_read_timeout(Some(read))?;
                connection.set_write_timeout(Some(write))
            }
        }
    }

    /// `WAIT replicas timeout` on the primary that took this connection's writes to `key`:
    /// how many of its replicas acknowledged them.
    pub(super) fn wait(&mut self, key: &str, replicas: u32, timeout_ms: u64) -> RedisResult<i64> {
        let mut wait = ::redis::cmd("WAIT");
        wait.arg(replicas).arg(timeout_ms);
        match self {
            Link::Server(connection) => wait.query(connection),
            Link::Cluster(connection) => {
                // A cluster client sends WAIT to every primary; ours is the key's.
                let route = Route::with_slot(Slot::for_key(key), SlotAddr::Master);
                let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(route));
                ::redis::from_redis_value(connection.route_command(&wait, routing)?)
                    .map_err(Into::into)
            }
        }
    }

    fn inner(&mut self) -> &mut dyn ConnectionLike {
        match self {
            Link::Server(connection) => connection,
            Link::Cluster(connection) => connection.as_mut(),
        }
    }
}

impl ConnectionLike for Link {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        self.inner().req_packed_command(cmd)
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        self.inner().req_packed_commands(cmd, offset, count)
    }

    fn req_command(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        self.inner().req_command(cmd)
    }

    fn get_db(&self) -> i64 {
        match self {
            Link::Server(connection) => connection.get_db(),
            Link::Cluster(connection) => connection.get_db(),
        }
    }

    /// The cluster client refuses pipelines in general (their commands may name keys of many
    /// slots), yet sends one to the node of its first command's key: every pipeline of the
    /// sync names keys of the namespace's one slot only, first, so that node is the right one.
    fn supports_pipelining(&self) -> bool {
        true
    }

    fn check_connection(&mut self) -> bool {
        self.inner().check_connection()
    }

    fn is_open(&self) -> bool {
        match self {
            Link::Server(connection) => connection.is_open(),
            Link::Cluster(connection) => connection.is_open(),
        }
    }
}
