//! One keep-alive HTTP/1.1 connection to one instance (hyper's client handshake over a tokio
//! `TcpStream`), opened on first use and again after it breaks; and the requests a browser's
//! same-origin `fetch` sends.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, COOKIE, HOST, ORIGIN, SET_COOKIE};
use http::{HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use sealed_session_fleet::api::CSRF_HEADER;

/// The longest a request may take before it counts as unanswered.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What came back.
pub struct Reply {
    pub status: StatusCode,
    /// Every `Set-Cookie` header, in order.
    pub set_cookies: Vec<String>,
    pub body: Bytes,
}

/// Why no reply came.
#[derive(Debug)]
pub enum Failure {
    Connect(std::io::Error),
    Http(hyper::Error),
    Timeout,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Connect(error) => write!(f, "cannot connect: {error}"),
            Failure::Http(error) => write!(f, "HTTP: {error}"),
            Failure::Timeout => write!(f, "no answer in {} s", REQUEST_TIMEOUT.as_secs()),
        }
    }
}

/// A keep-alive connection to the instance on one port of 127.0.0.1.
pub struct Connection {
    address: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    pub fn new(port: u16) -> Connection {
        Connection {
            address: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            sender: None,
        }
    }

    /// Sends `request` and reads the whole answer, within [`REQUEST_TIMEOUT`].
    pub async fn send(&mut self, request: Request<Full<Bytes>>) -> Result<Reply, Failure> {
        let result = tokio::time::timeout(REQUEST_TIMEOUT, self.exchange(request)).await;
        let reply = result.unwrap_or(Err(Failure::Timeout));
        if reply.is_err() {
            // Whatever state it is in, the next request starts on a new connection.
            self.sender = None;
        }
        reply
    }

    async fn exchange(&mut self, request: Request<Full<Bytes>>) -> Result<Reply, Failure> {
        let address = self.address;
        let (sender, reused) = match self.sender.take() {
            Some(sender) if !sender.is_closed() => (sender, true),
            _ => (connect(address).await?, false),
        };
        let sender = self.sender.insert(sender);
        let sent = match sender.ready().await {
            Ok(()) => sender.try_send_request(request).await,
            Err(_) if reused => {
                // The kept-alive connection closed while idle: a new one, as a browser opens.
                *sender = connect(address).await?;
                sender.ready().await.map_err(Failure::Http)?;
                sender.try_send_request(request).await
            }
            Err(error) => return Err(Failure::Http(error)),
        };
        let response = match sent {
            Ok(response) => response,
            Err(mut error) => match error.take_message() {
                // The kept-alive connection was closed by its server (a process just replaced)
                // before the request was written: a browser, or a balancer, sends it again on a
                // new connection, once. A request that was written is never sent twice.
                Some(request) if reused => {
                    *sender = connect(address).await?;
                    sender.ready().await.map_err(Failure::Http)?;
                    sender.send_request(request).await.map_err(Failure::Http)?
                }
                _ => return Err(Failure::Http(error.into_error())),
            },
        };
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(Failure::Http)?.to_bytes();
        let set_cookies = parts
            .headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .collect();
        Ok(Reply {
            status: parts.status,
            set_cookies,
            body,
        })
    }
}

/// A new connection to `address`, its driver spawned.
async fn connect(address: SocketAddr) -> Result<SendRequest<Full<Bytes>>, Failure> {
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(Failure::Connect)?;
    stream.set_nodelay(true).map_err(Failure::Connect)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(Failure::Http)?;
    // Drives the connection until it closes; its errors show in the requests on it.
    tokio::spawn(connection);
    Ok(sender)
}

/// A `GET` of `path` from the instance on `port`, carrying `cookie`.
pub fn get(port: u16, path: &str, cookie: Option<&str>) -> Request<Full<Bytes>> {
    build(Method::GET, port, path, cookie, None, None)
}

/// A `POST` of `path` as a browser's same-origin `fetch` sends it: `Sec-Fetch-Site`,
/// `Origin`, the session's CSRF token in its header, and `form` (URL-encoded) as the body.
pub fn post(
    port: u16,
    path: &str,
    cookie: Option<&str>,
    csrf: Option<&str>,
    form: Option<String>,
) -> Request<Full<Bytes>> {
    build(Method::POST, port, path, cookie, csrf, form)
}

fn build(
    method: Method,
    port: u16,
    path: &str,
    cookie: Option<&str>,
    csrf: Option<&str>,
    form: Option<String>,
) -> Request<Full<Bytes>> {
    let host = format!("127.0.0.1:{port}");
    let mut request = Request::new(Full::new(Bytes::from(form.clone().unwrap_or_default())));
    *request.method_mut() = method.clone();
    *request.uri_mut() = path.parse().unwrap_or_default();
    let headers = request.headers_mut();
    let mut insert = |name, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    insert(HOST, &host);
    if let Some(cookie) = cookie {
        insert(COOKIE, cookie);
    }
    if method == Method::POST {
        insert(ORIGIN, &format!("http://{host}"));
        insert(
            http::HeaderName::from_static("sec-fetch-site"),
            "same-origin",
        );
        if let Some(csrf) = csrf {
            insert(http::HeaderName::from_static(CSRF_HEADER), csrf);
        }
        if form.is_some() {
            insert(CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
    }
    request
}
