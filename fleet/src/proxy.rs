//! A TCP proxy on 127.0.0.1 in front of Redis, as a DNS name or a Sentinel-aware proxy stands
//! in front of a primary: the instances connect through it, and a failover points it at the
//! promoted replica and cuts every connection it had to the old primary (their next exchange
//! fails, and the syncs reconnect, through it, to the new one).

use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::HarnessError;

/// A running proxy; it stops with the runtime.
pub struct Proxy {
    port: u16,
    target: watch::Sender<u16>,
}

impl Proxy {
    /// Listens on a free port of 127.0.0.1 and forwards every connection to `target`.
    ///
    /// # Errors
    ///
    /// No port could be bound.
    pub async fn start(target: u16) -> Result<Proxy, HarnessError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|error| HarnessError(format!("the Redis proxy cannot listen: {error}")))?;
        let port = listener
            .local_addr()
            .map_err(|error| HarnessError(format!("the Redis proxy has no port: {error}")))?
            .port();
        let (sender, targets) = watch::channel(target);
        tokio::spawn(accept(listener, targets));
        Ok(Proxy {
            port,
            target: sender,
        })
    }

    /// `redis://127.0.0.1:PORT/`, the proxy's.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Forwards new connections to `port` from now on, and cuts the ones it had.
    pub fn retarget(&self, port: u16) {
        self.target.send_replace(port);
    }
}

async fn accept(listener: TcpListener, targets: watch::Receiver<u16>) {
    while let Ok((client, _)) = listener.accept().await {
        let mut targets = targets.clone();
        let target = *targets.borrow_and_update();
        tokio::spawn(async move {
            let address = SocketAddr::from((Ipv4Addr::LOCALHOST, target));
            let Ok(mut server) = TcpStream::connect(address).await else {
                return; // the client sees the connection close: Redis is down
            };
            let mut client = client;
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                _ = targets.changed() => {}
            }
        });
    }
}
