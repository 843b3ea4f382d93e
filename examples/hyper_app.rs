//! The session on plain hyper 1, without a framework: a small server-rendered app where anyone
//! logs in with a name, counts, and logs out.
//!
//! ```sh
//! cargo run -p sealed-session-examples --example hyper_app --features http -- 127.0.0.1:8080
//! ```
//!
//! It listens on the address given as its first argument (default `127.0.0.1:3000`; port 0
//! picks a free one) and prints `listening on http://ADDRESS`. Set `SESSION_KEY` (from
//! `Key::generate().to_base64()`) to keep sessions across restarts. No JavaScript: every action
//! is a form.
//!
//! What the session needs of each request is three calls of [`SessionManager`]: the body is
//! collected first (with a size limit, since the CSRF token may be in it), then
//! `open_request` opens the cookie and makes the CSRF checks — a POST from another site, or one
//! that carries a session without its token, is answered 403 before any route runs — then the
//! route reads or changes the session through its handle, and `write_to` puts the cookies the
//! change calls for into the response (also a roll past half-life, or the removal of a cookie
//! that can never open).
//!
//! Routes: `GET /` (who is logged in, the counter, and the forms with the CSRF token),
//! `POST /login` (body `user=NAME`), `POST /count` and `POST /logout` (body
//! `csrf_token=TOKEN`). "Log out" revokes the session in a list of this process (a copy of the
//! cookie no longer opens either) and removes the cookie.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, LOCATION};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use sealed_session::http::{SessionCookie, SessionHandle, SessionManager};
use sealed_session::{Error, Key, Keyring, RevocationList, Sealer};
use serde::{Deserialize, Serialize};
use time::Duration;
use tokio::net::TcpListener;

/// The largest request body read. The forms here are a few hundred bytes; a larger body is
/// refused before it is held in memory whole.
const BODY_LIMIT: usize = 16 * 1024;

/// What the session holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Counter {
    count: u64,
}

/// Everything a request needs, shared by every connection.
#[derive(Clone)]
struct App {
    sessions: SessionManager<Counter>,
}

impl App {
    /// With this session key, and a revocation list in this process for the log-outs.
    fn new(key: impl Into<Keyring>) -> Result<App, Error> {
        let max_lifetime = Duration::days(1);
        // Kept by the sealer, so that the session's `log_out` revokes through it; an entry
        // lives a little longer than any session it can reject.
        let revocations = Arc::new(RevocationList::new(max_lifetime + Duration::minutes(5)));
        let sealer = Sealer::builder(key, "session")
            .with_ttl(Duration::hours(8))
            .with_max_lifetime(max_lifetime)
            .with_revocations(revocations)
            .build()?;
        let cookie = SessionCookie::new("__Host-session");
        cookie.validate()?;
        Ok(App {
            sessions: SessionManager::new(sealer, cookie),
        })
    }

    /// One request: collect the body, open the session (refusing a forged request), route,
    /// write the cookies.
    async fn handle(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, BODY_LIMIT).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) if error.is::<LengthLimitError>() => {
                return text(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large");
            }
            Err(error) => {
                eprintln!("request body not read: {error}");
                return text(StatusCode::BAD_REQUEST, "the body did not arrive");
            }
        };
        let request = Request::from_parts(parts, body);
        let session = match self.sessions.open_request(&request) {
            Ok(session) => session,
            // Why goes to the log; telling the visitor which check failed helps only a forger.
            Err(refusal) => {
                eprintln!("request refused: {refusal}");
                return text(
                    refusal.status(),
                    "refused: not sent from this site's own page",
                );
            }
        };
        if let Some(problem) = session.problem() {
            eprintln!("session cookie not used: {problem}");
        }
        let mut response = route(&request, &session);
        session.write_to(response.headers_mut());
        response
    }
}

/// The app itself: what each route does with the session. A form that worked is answered
/// with a redirect to the page, so that reloading it posts nothing again.
fn route(request: &Request<Bytes>, session: &SessionHandle<Counter>) -> Response<Full<Bytes>> {
    match (request.method(), request.uri().path()) {
        (&Method::GET, "/") => html(page(session)),
        (&Method::POST, "/login") => {
            let name = form_field(request.body(), "user").unwrap_or_default();
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 64 {
                return text(StatusCode::BAD_REQUEST, "a user name of 1 to 64 characters");
            }
            match session.log_in(name, Counter { count: 0 }) {
                Ok(()) => see_other("/"),
                Err(error) => failed(&error),
            }
        }
        (&Method::POST, "/count") => match session.require_login() {
            Ok(user) => {
                let counted = Counter {
                    count: user.state().count + 1,
                };
                match session.update(counted) {
                    Ok(()) => see_other("/"),
                    Err(error) => failed(&error),
                }
            }
            Err(login_required) => text(login_required.status(), "log in first"),
        },
        (&Method::POST, "/logout") => {
            session.log_out();
            see_other("/")
        }
        _ => text(StatusCode::NOT_FOUND, "no such page"),
    }
}

/// The page: who is logged in and the counter, with a form for each action; every form of a
/// session carries its CSRF token (`csrf_field`).
fn page(session: &SessionHandle<Counter>) -> String {
    let body = match (session.subject(), session.state()) {
        (Some(user), Some(Counter { count })) => format!(
            "<h1>logged in as <span id=\"user\">{}</span></h1>\
             <p>count <span id=\"count\">{count}</span></p>\
             <form method=\"post\" action=\"/count\">{}<button>count</button></form>\
             <form method=\"post\" action=\"/logout\">{}<button>log out</button></form>",
            escape(&user),
            session.csrf_field(),
            session.csrf_field(),
        ),
        _ => "<h1>not logged in</h1>\
              <form method=\"post\" action=\"/login\">\
              <input name=\"user\" placeholder=\"any name\"> <button>log in</button></form>"
            .to_owned(),
    };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>sealed-session on hyper</title>\
         </head><body>{body}</body></html>"
    )
}

/// The user name is the visitor's own text: escaped before it goes into the page.
fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// The first value of the field `name` of an `application/x-www-form-urlencoded` body,
/// decoded as a browser encodes it.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(field, _)| field == name)
        .map(|(_, value)| value.into_owned())
}

/// The error goes to the log; the visitor gets a text that tells nothing about our insides.
fn failed(error: &Error) -> Response<Full<Bytes>> {
    eprintln!("request failed: {error}");
    match error {
        Error::CookieBudget => text(StatusCode::PAYLOAD_TOO_LARGE, "the session is full"),
        _ => text(StatusCode::INTERNAL_SERVER_ERROR, "that did not work"),
    }
}

/// A response with this body and content type.
fn respond(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A plain-text answer: the refusals and the errors.
fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    respond(status, "text/plain; charset=utf-8", body.to_owned())
}

/// The page.
fn html(page: String) -> Response<Full<Bytes>> {
    respond(StatusCode::OK, "text/html; charset=utf-8", page)
}

/// `303 See Other`: the browser follows it with a GET.
fn see_other(location: &'static str) -> Response<Full<Bytes>> {
    let mut response = text(StatusCode::SEE_OTHER, "");
    response
        .headers_mut()
        .insert(LOCATION, HeaderValue::from_static(location));
    response
}

/// Serves every connection accepted on `listener`, each in a task of its own.
async fn serve(listener: TcpListener, app: App) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, a connection reset before it was accepted: the next
            // one may work; a pause keeps the loop from spinning meanwhile.
            Err(error) => {
                eprintln!("accept failed: {error}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let app = app.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let app = app.clone();
                async move { Ok::<_, Infallible>(app.handle(request).await) }
            });
            if let Err(error) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection failed: {error}");
            }
        });
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned())
        .parse()?;
    // SESSION_KEY="NEW,OLD" (from `sealed-session keygen`); unset: a fresh key for this run.
    let key = match std::env::var_os("SESSION_KEY") {
        Some(_) => Keyring::from_env("SESSION_KEY")?,
        None => Keyring::new(Key::generate()),
    };
    let app = App::new(key)?;
    let listener = TcpListener::bind(address).await?;
    println!("listening on http://{}", listener.local_addr()?);
    serve(listener, app).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use hyper_util::client::legacy::Client;
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;

    use super::*;

    /// Starts the app on a free port of 127.0.0.1, in this test's runtime.
    async fn start() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().expect("its address");
        let app = App::new(Key::generate()).expect("app");
        tokio::spawn(serve(listener, app));
        address
    }

    /// What came back: the status, the `Set-Cookie` headers and the body.
    struct Answer {
        status: StatusCode,
        set_cookies: Vec<String>,
        body: String,
    }

    /// A browser of the app: a cookie jar, and the headers it sends with a form of the app's
    /// own page.
    #[derive(Clone)]
    struct Browser {
        client: Client<HttpConnector, Full<Bytes>>,
        address: SocketAddr,
        cookies: Vec<String>,
    }

    impl Browser {
        fn new(address: SocketAddr) -> Browser {
            Browser {
                client: Client::builder(TokioExecutor::new()).build_http(),
                address,
                cookies: Vec::new(),
            }
        }

        async fn send(
            &mut self,
            method: Method,
            path: &str,
            headers: &[(&str, &str)],
            body: &str,
        ) -> Answer {
            let mut request = Request::builder()
                .method(method)
                .uri(format!("http://{}{path}", self.address));
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if !self.cookies.is_empty() {
                request = request.header("cookie", self.cookies.join("; "));
            }
            let request = request
                .body(Full::new(Bytes::from(body.to_owned())))
                .expect("a request");
            let response = self.client.request(request).await.expect("an answer");
            let status = response.status();
            let set_cookies: Vec<String> = response
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|value| value.to_str().expect("ASCII").to_owned())
                .collect();
            for set_cookie in &set_cookies {
                let pair = set_cookie.split(';').next().unwrap_or("");
                let name = pair.split('=').next().unwrap_or("");
                self.cookies
                    .retain(|cookie| !cookie.starts_with(&format!("{name}=")));
                if !set_cookie.contains("Max-Age=0") {
                    self.cookies.push(pair.to_owned());
                }
            }
            let body = response
                .into_body()
                .collect()
                .await
                .expect("the body")
                .to_bytes();
            Answer {
                status,
                set_cookies,
                body: String::from_utf8(body.to_vec()).expect("UTF-8"),
            }
        }

        async fn page(&mut self) -> String {
            let answer = self.send(Method::GET, "/", &[], "").await;
            assert_eq!(answer.status, StatusCode::OK);
            answer.body
        }

        /// A form of the app's own page, as a browser posts it.
        async fn post(&mut self, path: &str, body: &str) -> Answer {
            let origin = format!("http://{}", self.address);
            let own_page = [
                ("content-type", "application/x-www-form-urlencoded"),
                ("sec-fetch-site", "same-origin"),
                ("origin", origin.as_str()),
            ];
            self.send(Method::POST, path, &own_page, body).await
        }

        async fn log_in(&mut self, user: &str) {
            let answer = self.post("/login", &format!("user={user}")).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
            assert_eq!(self.cookies.len(), 1);
        }

        /// The form body with the session's CSRF token, read from the page's first form.
        async fn csrf(&mut self) -> String {
            let page = self.page().await;
            format!(
                "csrf_token={}",
                between(&page, "name=\"csrf_token\" value=\"", "\"")
            )
        }

        /// The counter on the page.
        async fn count(&mut self) -> u64 {
            let page = self.page().await;
            between(&page, "<span id=\"count\">", "<")
                .parse()
                .expect("a count")
        }
    }

    /// The text of `page` between the first `start` and the `end` after it.
    fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
        let (_, rest) = page
            .split_once(start)
            .unwrap_or_else(|| panic!("{start:?} in {page}"));
        rest.split_once(end).map_or(rest, |(text, _)| text)
    }

    /// The whole flow over a connection: log in, count with the session's token in the form,
    /// log out. The log-out removes the cookie, and a copy of it kept from before no longer
    /// opens (revoked); the server clears that copy too.
    #[tokio::test]
    async fn log_in_count_and_log_out() {
        let mut browser = Browser::new(start().await);
        assert!(browser.page().await.contains("not logged in"));
        browser.log_in("ada+lovelace").await;
        let page = browser.page().await;
        assert!(
            page.contains("logged in as <span id=\"user\">ada lovelace</span>"),
            "{page}"
        );
        assert_eq!(browser.count().await, 0);
        let csrf = browser.csrf().await;
        assert_eq!(csrf.len(), "csrf_token=".len() + 86);
        let counted = browser.post("/count", &csrf).await;
        assert_eq!(counted.status, StatusCode::SEE_OTHER, "{}", counted.body);
        let new_token = counted.set_cookies.iter().filter(|cookie| {
            cookie.starts_with("__Host-session=") && !cookie.contains("Max-Age=0")
        });
        assert_eq!(new_token.count(), 1, "{:?}", counted.set_cookies);
        assert_eq!(browser.count().await, 1);

        let mut copy = browser.clone();
        let csrf = browser.csrf().await;
        let logged_out = browser.post("/logout", &csrf).await;
        assert_eq!(logged_out.status, StatusCode::SEE_OTHER);
        assert!(
            logged_out
                .set_cookies
                .iter()
                .any(|cookie| cookie.starts_with("__Host-session=") && cookie.contains("Max-Age=0")),
            "{:?}",
            logged_out.set_cookies
        );
        assert!(browser.cookies.is_empty());
        assert!(browser.page().await.contains("not logged in"));

        assert_eq!(copy.cookies.len(), 1);
        assert!(copy.page().await.contains("not logged in"), "revoked");
        assert!(copy.cookies.is_empty(), "the revoked cookie is cleared");
    }

    /// A POST of a session without its CSRF token, with a forged one or with another session's,
    /// is refused before the route runs: 403, no cookie written, the counter as it was.
    #[tokio::test]
    async fn count_without_the_token_is_refused() {
        let address = start().await;
        let mut ada = Browser::new(address);
        ada.log_in("ada").await;
        let csrf = ada.csrf().await;
        assert_eq!(
            ada.post("/count", &csrf).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(ada.count().await, 1);
        let mut bob = Browser::new(address);
        bob.log_in("bob").await;
        let bobs_token = bob.csrf().await;

        for body in ["", "csrf_token=forged", bobs_token.as_str()] {
            let refused = ada.post("/count", body).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{body}");
            assert!(refused.set_cookies.is_empty(), "{body}");
        }
        assert_eq!(ada.count().await, 1);
        assert_eq!(bob.count().await, 0);
    }

    /// A form of another site is refused: the login (login CSRF: the visitor logged into the
    /// attacker's account), and a count even with the session's token, since the browser says
    /// where the form comes from.
    #[tokio::test]
    async fn cross_site_posts_are_refused() {
        let mut victim = Browser::new(start().await);
        let evil = [
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ];
        let login = victim
            .send(Method::POST, "/login", &evil, "user=mallory")
            .await;
        assert_eq!(login.status, StatusCode::FORBIDDEN);
        assert!(login.set_cookies.is_empty());
        assert!(victim.page().await.contains("not logged in"));

        victim.log_in("ada").await;
        let csrf = victim.csrf().await;
        let count = victim.send(Method::POST, "/count", &evil, &csrf).await;
        assert_eq!(count.status, StatusCode::FORBIDDEN);
        assert!(count.set_cookies.is_empty());
        assert_eq!(victim.count().await, 0);
    }

    /// A body over the limit is refused before the session is opened: nothing of it is held
    /// whole, nothing is written.
    #[tokio::test]
    async fn an_oversized_body_is_refused() {
        let mut browser = Browser::new(start().await);
        let name = "a".repeat(BODY_LIMIT);
        let answer = browser.post("/login", &format!("user={name}")).await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(answer.set_cookies.is_empty());
        assert!(browser.cookies.is_empty());
    }
}
