//! A small HTTP/1.1 server on loopback for the remote key set's tests: it serves what the test
//! tells it, misbehaves on demand, counts requests, and can be stopped (every connection
//! closed) to play an issuer that went down.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the server answers.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// The document, with `Cache-Control: max-age=1` and an `ETag` (`304` to a match).
    Serve(String),
    /// A megabyte, its length declared in `Content-Length` or not (chunked).
    TooLarge { declared: bool },
    /// A redirect to another origin (127.0.0.2, same port).
    RedirectElsewhere,
    /// A redirect to another path of this origin, which serves the document.
    RedirectHome(String),
    /// This status, with no body.
    Status(u16),
    /// Reads the request and never answers.
    Hang,
}

pub struct TestServer {
    port: u16,
    behaviour: Arc<Mutex<Behaviour>>,
    requests: Arc<AtomicUsize>,
    revalidations: Arc<AtomicUsize>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl TestServer {
    pub async fn start(behaviour: Behaviour) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let port = listener.local_addr().expect("an address").port();
        let server = TestServer {
            port,
            behaviour: Arc::new(Mutex::new(behaviour)),
            requests: Arc::default(),
            revalidations: Arc::default(),
            tasks: Arc::default(),
        };
        let behaviour = Arc::clone(&server.behaviour);
        let requests = Arc::clone(&server.requests);
        let revalidations = Arc::clone(&server.revalidations);
        let tasks = Arc::clone(&server.tasks);
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let connection = tokio::spawn(serve(
                    stream,
                    port,
                    Arc::clone(&behaviour),
                    Arc::clone(&requests),
                    Arc::clone(&revalidations),
                ));
                tasks
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(connection);
            }
        });
        server
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(accept);
        server
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/jwks", self.port)
    }

    pub fn behave(&self, behaviour: Behaviour) {
        *self
            .behaviour
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = behaviour;
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn revalidations(&self) -> usize {
        self.revalidations.load(Ordering::SeqCst)
    }

    /// Closes the listener and every connection.
    pub async fn stop(&self) {
        let tasks: Vec<JoinHandle<()>> = self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
            .collect();
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            task.abort();
        }
    }
}

fn entity_tag(body: &str) -> String {
    format!(
        "\"{:x}\"",
        body.len() * 31 + body.bytes().map(usize::from).sum::<usize>()
    )
}

/// Answers the requests of one connection, one after another.
async fn serve(
    mut stream: TcpStream,
    port: u16,
    behaviour: Arc<Mutex<Behaviour>>,
    requests: Arc<AtomicUsize>,
    revalidations: Arc<AtomicUsize>,
) {
    let mut buffer = Vec::new();
    loop {
        let head = loop {
            if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
                buffer.drain(..end + 4);
                break head;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => buffer.extend_from_slice(&chunk[..read]),
            }
        };
        requests.fetch_add(1, Ordering::SeqCst);
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let if_none_match = head
            .lines()
            .find_map(|line| line.strip_prefix("if-none-match:"))
            .map(|value| value.trim().to_owned());
        let current = behaviour
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let written = match current {
            Behaviour::Serve(body) => {
                document(&mut stream, &body, if_none_match, &revalidations).await
            }
            Behaviour::RedirectHome(body) if path == "/home" => {
                document(&mut stream, &body, if_none_match, &revalidations).await
            }
            Behaviour::RedirectHome(_) => redirect(&mut stream, "/home").await,
            Behaviour::RedirectElsewhere => {
                redirect(&mut stream, &format!("http://127.0.0.2:{port}/jwks")).await
            }
            Behaviour::Status(code) => {
                let head = format!("HTTP/1.1 {code} Whatever\r\ncontent-length: 0\r\n\r\n");
                stream.write_all(head.as_bytes()).await
            }
            Behaviour::TooLarge { declared } => too_large(&mut stream, declared).await,
            Behaviour::Hang => {
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                return;
            }
        };
        if written.is_err() {
            return;
        }
    }
}

async fn document(
    stream: &mut TcpStream,
    body: &str,
    if_none_match: Option<String>,
    revalidations: &AtomicUsize,
) -> std::io::Result<()> {
    let tag = entity_tag(body);
    if if_none_match.as_deref() == Some(tag.as_str()) {
        revalidations.fetch_add(1, Ordering::SeqCst);
        let head =
            format!("HTTP/1.1 304 Not Modified\r\ncache-control: max-age=1\r\netag: {tag}\r\n\r\n");
        return stream.write_all(head.as_bytes()).await;
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncache-control: max-age=1\r\netag: {tag}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await
}

async fn redirect(stream: &mut TcpStream, location: &str) -> std::io::Result<()> {
    let head = format!("HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n");
    stream.write_all(head.as_bytes()).await
}

async fn too_large(stream: &mut TcpStream, declared: bool) -> std::io::Result<()> {
    let chunk = vec![b' '; 1024];
    if declared {
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1048576\r\n\r\n")
            .await?;
        for _ in 0..1024 {
            stream.write_all(&chunk).await?;
        }
        return Ok(());
    }
    stream
        .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        .await?;
    for _ in 0..1024 {
        stream.write_all(b"400\r\n").await?;
        stream.write_all(&chunk).await?;
        stream.write_all(b"\r\n").await?;
    }
    stream.write_all(b"0\r\n\r\n").await
}
