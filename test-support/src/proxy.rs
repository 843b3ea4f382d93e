//! A TCP proxy on 127.0.0.1 that a test can re-point, pause and sever: the endpoint a platform
//! re-points at a promoted replica after a failover (as a managed Redis's primary endpoint
//! does), or the replication link between two servers, held still so that a replica misses
//! what its primary took.

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// A running proxy: every connection to `port` is forwarded to the current target.
pub struct Proxy {
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    shared: Arc<Shared>,
}

struct Shared {
    target: AtomicU16,
    paused: AtomicBool,
    stopped: AtomicBool,
    /// Counts severs: a pump started before the last one drops what it holds.
    generation: AtomicU64,
    open: Mutex<Vec<TcpStream>>,
}

impl Proxy {
    /// Starts a proxy to `target` (a port on 127.0.0.1) on a free port.
    pub fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("its address").port();
        let shared = Arc::new(Shared {
            target: AtomicU16::new(target),
            paused: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            open: Mutex::new(Vec::new()),
        });
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if accepting.stopped.load(Ordering::Acquire) {
                    break;
                }
                let Ok(client) = client else { continue };
                let target = accepting.target.load(Ordering::Acquire);
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                accepting.forward(client, server);
            }
        });
        Proxy { port, shared }
    }

    /// Its URL, for a Redis client.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// New connections go to `target`; the open ones are severed, as a failover closes them.
    pub fn redirect(&self, target: u16) {
        self.shared.target.store(target, Ordering::Release);
        self.sever();
    }

    /// Holds every byte in flight, both ways, until [`Proxy::resume`] (or a sever, which drops
    /// them): a link that stalls.
    pub fn pause(&self) {
        self.shared.paused.store(true, Ordering::Release);
    }

    /// Forwards again.
    pub fn resume(&self) {
        self.shared.paused.store(false, Ordering::Release);
    }

    /// Closes every open connection, dropping what was held.
    pub fn sever(&self) {
        self.shared.generation.fetch_add(1, Ordering::AcqRel);
        let open = std::mem::take(
            &mut *self
                .shared
                .open
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for stream in open {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Shared {
    /// Pumps both ways between `client` and `server` on two threads.
    fn forward(self: &Arc<Self>, client: TcpStream, server: TcpStream) {
        let (Ok(client_back), Ok(server_back)) = (client.try_clone(), server.try_clone()) else {
            return;
        };
        {
            let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            for stream in [&client, &server] {
                if let Ok(stream) = stream.try_clone() {
                    open.push(stream);
                }
            }
        }
        let up = Arc::clone(self);
        std::thread::spawn(move || up.pump(client, server));
        let down = Arc::clone(self);
        std::thread::spawn(move || down.pump(server_back, client_back));
    }

    /// Copies `from` to `to` until either closes; while paused, holds what was read.
    fn pump(&self, mut from: TcpStream, mut to: TcpStream) {
        let generation = self.generation.load(Ordering::Acquire);
        let mut buffer = [0_u8; 16 * 1024];
        loop {
            let read = match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(read) => read,
            };
            while self.paused.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(5));
                if self.generation.load(Ordering::Acquire) != generation {
                    break; // severed: what was held is dropped
                }
            }
            if self.generation.load(Ordering::Acquire) != generation {
                break;
            }
            if to.write_all(&buffer[..read]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::Release);
        self.sever();
        // Wake the accepting thread so that it sees the stop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}
