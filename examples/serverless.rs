//! The session flow as one function from `http::Request` to `http::Response`: the shape a
//! serverless handler has (`lambda_http` calls it with `http::Request<lambda_http::Body>`). The
//! library's [`SessionManager`] does the session's part: `open_request` before the routes
//! (the cookie opened, the CSRF checks made), `write_to` after them (the new token, a removal,
//! a roll past half-life, or nothing).
//!
//! ```sh
//! cd examples                                                 # the sealed-session-examples package
//! cargo run --example serverless --features http              # a scripted walk through the flow
//! cargo run --example serverless --features lambda            # the real AWS Lambda entry point
//! REDIS_URL=redis://127.0.0.1/ REVOCATION_KEY=... \
//!   cargo run --example serverless --features http,redis     # log out everywhere, shared
//! ```
//!
//! Routes: `GET /` (who is logged in, the counter and the CSRF token), `POST /login` (body
//! `user=NAME`), `POST /count`, `POST /logout` and `POST /logout-everywhere` (a form body
//! `csrf_token=TOKEN`, or the header `x-csrf-token`). Every POST whose browser says it comes
//! from another site (`Sec-Fetch-Site`, `Origin`) is refused with 403, the login too (login
//! CSRF); so is every POST that carries a session but not its token. The token is derived from
//! the session's id under the session key: the state holds no CSRF field. Behind API Gateway's
//! HTTP API (payload v2) or a function URL, request cookies arrive in the event's `cookies`
//! array and `lambda_http` turns them into a `Cookie` header; each `Set-Cookie` header of the
//! response goes back as one entry of the response's `cookies` array, so chunked sessions work.
//! A REST API (v1) or an ALB needs multi-value headers turned on to carry more than one
//! `Set-Cookie`.
//!
//! # Logging out, when every warm container is its own process
//!
//! A revocation list in the process would reach only the container that served the request,
//! and be lost at its next cold start. So the list is kept in Redis: built with the `redis`
//! feature and with `REDIS_URL` set, the app binds its list to Redis and gives it to the
//! sealer, so that the session's own `log_out` and `log_out_everywhere` revoke in it.
//! `REVOCATION_KEY` (a `Key` in base64, the same in every container) keys the hashes that
//! travel; without it a fresh key is drawn, which no other container shares: a one-container
//! demo only. Each invocation first catches up with what other containers revoked (at most once
//! a second; on Lambda, `handle_invocation` runs it off the executor and gives it at most
//! 200 ms, then serves from what the container knows); a cold start whose first load failed refuses every session (and keeps its cookie)
//! rather than let a revoked one in. `/logout` revokes the session, `/logout-everywhere` every
//! session of the user, and each publishes the revocation before answering; when Redis cannot
//! be reached the answer is 503 "try again", without the cookie's removal (the revocation stays
//! queued, for the next request here).
//!
//! Without Redis there is no shared list: `/logout` only removes the cookie (a copy of it keeps
//! opening until it expires), and `/logout-everywhere` answers 501.

use std::sync::Arc;

use http::{Method, Request, Response, StatusCode};
use sealed_session::http::{SessionCookie, SessionHandle, SessionManager};
use sealed_session::{Compression, Error, Key, Keyring, Sealer};
use serde::{Deserialize, Serialize};
use time::Duration;

use shared::SharedRevocations;

/// The longest an invocation waits for the catch-up with the other containers' revocations.
const INVOCATION_CATCH_UP: std::time::Duration = std::time::Duration::from_millis(200);

/// A session lasts at most this long from its login.
const MAX_LIFETIME: Duration = Duration::days(1);

/// What the session holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Counter {
    count: u64,
}

/// Built once per cold start, shared by every invocation.
#[derive(Clone)]
pub struct App {
    sessions: SessionManager<Counter>,
    /// The revocations every container shares, when Redis is configured.
    shared: Option<Arc<SharedRevocations>>,
}

/// A log-out made here whose revocation could not be published to the other containers.
struct NotPublished;

impl App {
    /// From `SESSION_KEY` (base64), or a fresh key; with the revocations shared through Redis
    /// when `REDIS_URL` is set (and `REVOCATION_KEY`, see above).
    ///
    /// # Errors
    ///
    /// A `SESSION_KEY` or `REVOCATION_KEY` that is not a key, a `REDIS_URL` that is not one (or
    /// is set in a build without the `redis` feature), or settings that cannot work.
    pub fn from_env() -> Result<App, Error> {
        let key = match std::env::var_os("SESSION_KEY") {
            Some(_) => Keyring::from_env("SESSION_KEY")?,
            None => Keyring::new(Key::generate()),
        };
        App::new(key, SharedRevocations::from_env()?)
    }

    /// With this session key, and the shared revocations, if any.
    ///
    /// # Errors
    ///
    /// Settings that cannot work.
    pub fn new(key: impl Into<Keyring>, shared: Option<SharedRevocations>) -> Result<App, Error> {
        let mut sealer = Sealer::builder(key, "session")
            .with_ttl(Duration::hours(8))
            .with_max_lifetime(MAX_LIFETIME)
            .with_compression(Compression::Never);
        if let Some(shared) = &shared {
            sealer = sealer.with_revocations(shared.list());
        }
        let cookie = SessionCookie::new("__Host-session");
        cookie.validate()?;
        Ok(App {
            sessions: SessionManager::new(sealer.build()?, cookie),
            shared: shared.map(Arc::new),
        })
    }

    /// One request, start to end: catch up with the other containers' revocations, open the
    /// session (refusing a forged request), act, write the cookies.
    pub fn handle<B: AsRef<[u8]>>(&self, request: &Request<B>) -> Response<String> {
        if let Some(shared) = &self.shared {
            shared.catch_up();
        }
        self.respond(request)
    }

    /// One invocation on tokio (the Lambda entry point): the catch-up runs off the executor
    /// and is given at most [`INVOCATION_CATCH_UP`]; past it, the invocation serves from what
    /// this container knows (a cold start that never loaded refuses every session, and keeps
    /// the cookies), and the catch-up finishes in the background.
    #[cfg_attr(not(feature = "lambda"), allow(dead_code))]
    pub async fn handle_invocation<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
    ) -> Response<String> {
        if let Some(shared) = &self.shared {
            shared.catch_up_within(INVOCATION_CATCH_UP).await;
        }
        self.respond(request)
    }

    /// Everything after the catch-up.
    fn respond<B: AsRef<[u8]>>(&self, request: &Request<B>) -> Response<String> {
        let session = match self.sessions.open_request(request) {
            Ok(session) => session,
            // Why goes to the log; the answer says no more than a form of this site would.
            Err(refusal) => {
                eprintln!("request refused: {refusal}");
                let body = "refused: not sent from this site's own page".to_owned();
                return text(refusal.status(), body);
            }
        };
        if let Some(problem) = session.problem() {
            eprintln!("session cookie not used: {problem}");
        }
        let (status, body) = match self.route(request, &session) {
            Ok(answer) => answer,
            // Without `write_to`: the cookie is kept, so that the user can try again (from any
            // container); this one already refuses it, and publishes the revocation with its
            // next request that reaches Redis.
            Err(NotPublished) => {
                return text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "not logged out everywhere yet: try again".to_owned(),
                );
            }
        };
        let mut response = text(status, body);
        session.write_to(response.headers_mut());
        response
    }

    /// The app itself: what each route does with the session.
    fn route<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
        session: &SessionHandle<Counter>,
    ) -> Result<(StatusCode, String), NotPublished> {
        let user = session.require_login().ok();
        let answer = match (request.method(), request.uri().path(), user) {
            (&Method::GET, "/", Some(user)) => (
                StatusCode::OK,
                format!(
                    "logged in as {}; count {}; csrf {}",
                    user.subject(),
                    user.state().count,
                    session.csrf_token().unwrap_or_default()
                ),
            ),
            (&Method::GET, "/", None) => (StatusCode::OK, "not logged in".to_owned()),
            (&Method::POST, "/login", _) => match form_field(request.body().as_ref(), "user") {
                Some(name) if !name.is_empty() => match session.log_in(&name, Counter { count: 0 })
                {
                    Ok(()) => (StatusCode::OK, format!("logged in as {name}")),
                    Err(error) => failed(&error),
                },
                _ => (StatusCode::BAD_REQUEST, "user=NAME".to_owned()),
            },
            (&Method::POST, "/count", Some(user)) => {
                let count = user.state().count + 1;
                match session.update(Counter { count }) {
                    Ok(()) => (StatusCode::OK, format!("count {count}")),
                    Err(error) => failed(&error),
                }
            }
            (&Method::POST, "/logout", Some(_)) => {
                session.log_out();
                self.publish()?;
                (StatusCode::OK, "logged out".to_owned())
            }
            (&Method::POST, "/logout-everywhere", Some(_)) => {
                if self.shared.is_none() {
                    return Ok((
                        StatusCode::NOT_IMPLEMENTED,
                        "needs REDIS_URL: a per-process list would reach only this container"
                            .to_owned(),
                    ));
                }
                match session.log_out_everywhere() {
                    Ok(()) => {
                        self.publish()?;
                        (StatusCode::OK, "logged out everywhere".to_owned())
                    }
                    Err(error) => failed(&error),
                }
            }
            (&Method::POST, _, None) => (StatusCode::UNAUTHORIZED, "not logged in".to_owned()),
            _ => (StatusCode::NOT_FOUND, "no such page".to_owned()),
        };
        Ok(answer)
    }

    /// Sends the revocations just made (through the sealer's list, which is the shared one) to
    /// the other containers, before the answer says they are made. Without Redis there is
    /// nothing to send.
    fn publish(&self) -> Result<(), NotPublished> {
        let Some(shared) = &self.shared else {
            return Ok(());
        };
        shared.publish().map_err(|error| {
            eprintln!("revocation not published: {error}");
            NotPublished
        })
    }
}

/// A plain-text response.
fn text(status: StatusCode, body: String) -> Response<String> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
}

/// The error goes to the log; the visitor gets a text that tells nothing about our insides.
fn failed(error: &Error) -> (StatusCode, String) {
    eprintln!("request failed: {error}");
    let (status, text) = match error {
        Error::CookieBudget => (StatusCode::PAYLOAD_TOO_LARGE, "the session is full"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "that did not work"),
    };
    (status, text.to_owned())
}

/// The value of the field `name` of an `application/x-www-form-urlencoded` body, with `+` as a
/// space and no other percent-decoding (enough for the plain names here).
fn form_field(body: &[u8], name: &str) -> Option<String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(field, _)| *field == name)
        .map(|(_, value)| value.replace('+', " "))
}

/// The revocation list of every container, kept in Redis.
#[cfg(feature = "redis")]
mod shared {
    use std::sync::Arc;

    use sealed_session::redis::{RedisSync, SyncOptions};
    use sealed_session::{Error, Key, RevocationList};
    use time::Duration;

    /// How long the list keeps a revocation: the longest a session lives, and an hour more.
    const HORIZON: Duration = Duration::hours(25);
    const _: () = assert!(HORIZON.whole_seconds() > super::MAX_LIFETIME.whole_seconds());

    pub struct SharedRevocations {
        list: Arc<RevocationList>,
        sync: Arc<RedisSync>,
    }

    impl SharedRevocations {
        /// From `REDIS_URL` and `REVOCATION_KEY`; none without `REDIS_URL`.
        pub fn from_env() -> Result<Option<SharedRevocations>, Error> {
            let Ok(url) = std::env::var("REDIS_URL") else {
                return Ok(None);
            };
            let secret = match std::env::var_os("REVOCATION_KEY") {
                Some(_) => Key::from_env("REVOCATION_KEY")?,
                None => {
                    eprintln!(
                        "REVOCATION_KEY not set: a fresh key, which no other container shares \
                         (their revocations will not match ours): for a one-container demo only"
                    );
                    Key::generate()
                }
            };
            SharedRevocations::connect(&url, &secret).map(Some)
        }

        /// Binds a list keyed by `secret` to the Redis at `url`, and loads it. With the default
        /// start policy (fail closed), no session opens until a load has succeeded.
        pub fn connect(url: &str, secret: &Key) -> Result<SharedRevocations, Error> {
            let list = Arc::new(RevocationList::new_shared(HORIZON, secret));
            let sync = RedisSync::connect(Arc::clone(&list), url, SyncOptions::new("serverless"))?;
            Ok(SharedRevocations {
                list,
                sync: Arc::new(sync),
            })
        }

        pub fn list(&self) -> Arc<RevocationList> {
            Arc::clone(&self.list)
        }

        /// What other containers revoked since (at most once per `min_catch_up_interval`).
        /// When Redis cannot be reached, the list keeps what it knows.
        pub fn catch_up(&self) {
            if let Err(error) = self.sync.catch_up() {
                eprintln!("revocations not caught up: {error}");
            }
        }

        /// As `catch_up`, on tokio's blocking pool, for at most `limit`: past it, the
        /// invocation goes on with what the list holds, and the catch-up ends in the background.
        pub async fn catch_up_within(&self, limit: std::time::Duration) {
            match tokio::time::timeout(limit, self.sync.catch_up_async()).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => eprintln!("revocations not caught up: {error}"),
                Err(_) => eprintln!("revocations not caught up within {limit:?}"),
            }
        }

        /// Publishes the revocations made here now (and catches up), whatever the interval:
        /// `Ok` once Redis has them.
        pub fn publish(&self) -> Result<(), Error> {
            self.sync.flush()
        }
    }
}

/// Without the `redis` feature there are no shared revocations: this type has no values.
#[cfg(not(feature = "redis"))]
mod shared {
    use std::sync::Arc;

    use sealed_session::{Error, RevocationList};

    pub enum SharedRevocations {}

    impl SharedRevocations {
        /// None; a `REDIS_URL` that this build cannot use is a configuration error, not a
        /// silent per-process list.
        pub fn from_env() -> Result<Option<SharedRevocations>, Error> {
            match std::env::var_os("REDIS_URL") {
                Some(_) => Err(Error::Config(
                    "REDIS_URL is set, but this build has no `redis` feature",
                )),
                None => Ok(None),
            }
        }

        pub fn list(&self) -> Arc<RevocationList> {
            match *self {}
        }

        pub fn catch_up(&self) {
            match *self {}
        }

        pub async fn catch_up_within(&self, _limit: std::time::Duration) {
            match *self {}
        }

        pub fn publish(&self) -> Result<(), Error> {
            match *self {}
        }
    }
}

#[cfg(feature = "lambda")]
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = App::from_env()?;
    lambda_http::run(lambda_http::service_fn(
        move |request: lambda_http::Request| {
            let app = app.clone();
            async move { Ok::<_, lambda_http::Error>(app.handle_invocation(&request).await) }
        },
    ))
    .await
}

/// The content type of a form's body, the one the CSRF token is read from.
#[cfg(any(test, not(feature = "lambda")))]
const FORM: &str = "application/x-www-form-urlencoded";

#[cfg(not(feature = "lambda"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = App::from_env()?;
    let mut cookies: Vec<String> = Vec::new();
    let mut call =
        |method: &str, path: &str, body: &str| -> Result<String, Box<dyn std::error::Error>> {
            let mut request = Request::builder()
                .method(method)
                .uri(path)
                .header("cookie", cookies.join("; "));
            if method == "POST" {
                // As a browser posts a form: the CSRF token is read from a form body only.
                request = request.header("content-type", FORM);
            }
            let response = app.handle(&request.body(body.to_owned())?);
            for set_cookie in response.headers().get_all("set-cookie") {
                let pair = set_cookie
                    .to_str()?
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .to_owned();
                let name = pair.split('=').next().unwrap_or("").to_owned();
                cookies.retain(|cookie| !cookie.starts_with(&format!("{name}=")));
                if !set_cookie.to_str()?.contains("Max-Age=0") {
                    cookies.push(pair);
                }
            }
            println!(
                "{method} {path} -> {} {}",
                response.status(),
                response.body()
            );
            Ok(response.body().clone())
        };
    call("GET", "/", "")?;
    call("POST", "/login", "user=ada")?;
    let page = call("GET", "/", "")?;
    let csrf = page.rsplit("csrf ").next().unwrap_or("").to_owned();
    call("POST", "/count", &format!("csrf_token={csrf}"))?;
    call("POST", "/count", "csrf_token=forged")?;
    call("POST", "/logout", &format!("csrf_token={csrf}"))?;
    call("GET", "/", "")?;
    call("POST", "/login", "user=ada")?;
    let page = call("GET", "/", "")?;
    let csrf = page.rsplit("csrf ").next().unwrap_or("").to_owned();
    // 501 without REDIS_URL; with it, every session of ada ends, in every container.
    call("POST", "/logout-everywhere", &format!("csrf_token={csrf}"))?;
    call("GET", "/", "")?;
    Ok(())
}

#[cfg(all(test, feature = "redis"))]
use sealed_session_test_support::redis_server;

#[cfg(test)]
mod tests {
    use super::*;

    /// A browser's cookie jar, and the headers it sends with a form of the app's own page.
    #[derive(Clone, Default)]
    struct Client {
        cookies: Vec<String>,
    }

    impl Client {
        fn call(
            &mut self,
            app: &App,
            method: &str,
            path: &str,
            headers: &[(&str, &str)],
            body: &str,
        ) -> Response<String> {
            let mut request = Request::builder()
                .method(method)
                .uri(path)
                .header("host", "app.example");
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if !self.cookies.is_empty() {
                request = request.header("cookie", self.cookies.join("; "));
            }
            let response = app.handle(&request.body(body.to_owned()).expect("a request"));
            for set_cookie in response.headers().get_all("set-cookie") {
                let set_cookie = set_cookie.to_str().expect("ASCII");
                let pair = set_cookie.split(';').next().unwrap_or("");
                let name = pair.split('=').next().unwrap_or("");
                self.cookies
                    .retain(|cookie| !cookie.starts_with(&format!("{name}=")));
                if !set_cookie.contains("Max-Age=0") {
                    self.cookies.push(pair.to_owned());
                }
            }
            response
        }

        /// A request as the client would send it (its cookies), for a handler to answer.
        #[cfg(feature = "redis")]
        fn request(&self, method: &str, path: &str) -> Request<String> {
            let mut request = Request::builder()
                .method(method)
                .uri(path)
                .header("host", "app.example");
            if !self.cookies.is_empty() {
                request = request.header("cookie", self.cookies.join("; "));
            }
            request.body(String::new()).expect("a request")
        }

        fn get(&mut self, app: &App) -> Response<String> {
            self.call(app, "GET", "/", &[], "")
        }

        fn post(&mut self, app: &App, path: &str, body: &str) -> Response<String> {
            let own_page = [
                ("origin", "https://app.example"),
                ("sec-fetch-site", "same-origin"),
                ("content-type", FORM),
            ];
            self.call(app, "POST", path, &own_page, body)
        }

        fn log_in(&mut self, app: &App, user: &str) {
            let response = self.post(app, "/login", &format!("user={user}"));
            assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
            assert!(!self.cookies.is_empty());
        }

        /// The session's CSRF token, read from the page.
        fn csrf_token(&mut self, app: &App) -> String {
            let page = self.get(app);
            let token = page.body().rsplit("csrf ").next().unwrap_or("");
            assert_eq!(token.len(), 86, "a token on the page: {}", page.body());
            token.to_owned()
        }

        /// The form body with the session's CSRF token.
        fn csrf(&mut self, app: &App) -> String {
            format!("csrf_token={}", self.csrf_token(app))
        }
    }

    /// An app without shared revocations, as `from_env` builds it without `REDIS_URL`.
    fn per_process() -> App {
        App::new(Key::generate(), None).expect("app")
    }

    /// Defect: `/login` checked nothing, so a form on another site could log the visitor's
    /// browser into the attacker's account (login CSRF).
    #[test]
    fn login_csrf_cross_site_post_is_refused() {
        let app = per_process();
        let evil = [
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ];
        let mut victim = Client::default();
        let response = victim.call(&app, "POST", "/login", &evil, "user=mallory");
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(response.headers().get_all("set-cookie").iter().count(), 0);
        for headers in [
            &[("origin", "https://evil.example")][..],
            &[("sec-fetch-site", "same-site")],
            &[("origin", "null")],
        ] {
            let response = victim.call(&app, "POST", "/login", headers, "user=mallory");
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
        }
        assert!(victim.cookies.is_empty());
        victim.log_in(&app, "ada");
        assert!(victim.get(&app).body().starts_with("logged in as ada"));
    }

    /// Defect: an error answered with the library's error text; the visitor now gets a neutral
    /// one (the error goes to the log).
    #[test]
    fn error_text_is_not_shown_to_the_visitor() {
        let app = per_process();
        let mut client = Client::default();
        // A user name too long to seal (`Error::TooLarge`).
        let response = client.post(&app, "/login", &format!("user={}", "a".repeat(8 * 1024)));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.body(), "that did not work");
        assert!(client.cookies.is_empty());
    }

    /// Every POST of a session needs that session's CSRF token, in the form or in the header;
    /// one missing, forged or another session's is refused before the route runs, and changes
    /// nothing.
    #[test]
    fn a_post_of_a_session_needs_its_csrf_token() {
        let app = per_process();
        let mut ada = Client::default();
        ada.log_in(&app, "ada");
        let mut bob = Client::default();
        bob.log_in(&app, "bob");
        let bobs_token = bob.csrf(&app);
        for body in ["", "csrf_token=forged", bobs_token.as_str()] {
            let response = ada.post(&app, "/count", body);
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{body}");
            assert_eq!(response.headers().get_all("set-cookie").iter().count(), 0);
        }
        assert!(
            ada.get(&app)
                .body()
                .starts_with("logged in as ada; count 0")
        );
        let csrf = ada.csrf(&app);
        assert_eq!(ada.post(&app, "/count", &csrf).body(), "count 1");
        let token = ada.csrf_token(&app);
        let from_a_script = [
            ("sec-fetch-site", "same-origin"),
            ("x-csrf-token", token.as_str()),
        ];
        let response = ada.call(&app, "POST", "/count", &from_a_script, "");
        assert_eq!(response.body(), "count 2");
        assert!(
            ada.get(&app)
                .body()
                .starts_with("logged in as ada; count 2")
        );
    }

    /// Defect: "log out everywhere" revoked in a list of this process alone, which reached only
    /// the warm container that served it. Without Redis the app now says it cannot, and "log
    /// out" removes the cookie only.
    #[test]
    fn log_out_everywhere_without_redis_answers_501() {
        let app = per_process();
        let mut client = Client::default();
        client.log_in(&app, "ada");
        let csrf = client.csrf(&app);
        let response = client.post(&app, "/logout-everywhere", &csrf);
        assert_eq!(response.status(), StatusCode::NOT_IMPLEMENTED);
        assert!(response.body().contains("REDIS_URL"), "{}", response.body());
        assert!(client.get(&app).body().starts_with("logged in as ada"));
        let response = client.post(&app, "/logout", &csrf);
        assert_eq!(response.status(), StatusCode::OK);
        assert!(client.cookies.is_empty());
    }

    /// Several containers of one deployment sharing a real Redis.
    #[cfg(feature = "redis")]
    mod across_containers {
        use std::net::TcpListener;

        use sealed_session::redis::SyncOptions;

        use super::*;
        use crate::redis_server::{RedisServer, remove_data};

        /// What every container of a deployment is configured with.
        struct Deployment {
            session_key: Key,
            revocation_key: Key,
            url: String,
        }

        impl Deployment {
            fn new(url: String) -> Deployment {
                Deployment {
                    session_key: Key::generate(),
                    revocation_key: Key::generate(),
                    url,
                }
            }

            /// A cold start: a new container, which loads the revocations from Redis.
            fn container(&self) -> App {
                let shared = SharedRevocations::connect(&self.url, &self.revocation_key)
                    .expect("a Redis URL");
                App::new(self.session_key.clone(), Some(shared)).expect("app")
            }
        }

        /// A warm container asks Redis at most once per `min_catch_up_interval`: within it,
        /// it may not know yet what another revoked. Waits that long.
        fn past_catch_up_interval() {
            let interval = SyncOptions::new("serverless").min_catch_up_interval;
            std::thread::sleep(interval.unsigned_abs() + std::time::Duration::from_millis(100));
        }

        fn logged_out(response: &Response<String>) -> bool {
            response.body() == "not logged in"
        }

        /// Defect: "log out everywhere" reached only the warm container that served it, and
        /// was lost at its next cold start. Now another warm container refuses the sessions
        /// after its next catch-up, and a cold start loads the revocation.
        #[test]
        fn log_out_everywhere_reaches_another_container_through_redis() {
            let server = RedisServer::start();
            let deployment = Deployment::new(server.url());
            let (a, b) = (deployment.container(), deployment.container());
            let mut phone = Client::default();
            phone.log_in(&a, "ada");
            let mut laptop = Client::default();
            laptop.log_in(&b, "ada");
            assert!(phone.get(&b).body().starts_with("logged in as ada"));
            let copied = phone.clone();

            let csrf = phone.csrf(&a);
            let response = phone.post(&a, "/logout-everywhere", &csrf);
            assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
            assert!(phone.cookies.is_empty());

            past_catch_up_interval();
            for mut client in [copied.clone(), laptop] {
                assert!(logged_out(&client.get(&b)), "container B refuses it");
            }
            let c = deployment.container();
            assert!(
                logged_out(&copied.clone().get(&c)),
                "a cold start refuses it"
            );
            phone.log_in(&b, "ada");
            assert!(
                phone.get(&a).body().starts_with("logged in as ada"),
                "a new login opens"
            );
            let port = server.port;
            drop(server);
            remove_data(port);
        }

        /// Defect: `/logout` only removed the cookie: a copy of it still opened, in every
        /// container. Now the session is revoked in all of them; the user's other sessions
        /// stay.
        #[test]
        fn log_out_revokes_the_session_in_every_container() {
            let server = RedisServer::start();
            let deployment = Deployment::new(server.url());
            let (a, b) = (deployment.container(), deployment.container());
            let mut phone = Client::default();
            phone.log_in(&a, "ada");
            let mut laptop = Client::default();
            laptop.log_in(&a, "ada");
            assert!(phone.get(&b).body().starts_with("logged in as ada"));
            let mut copied = phone.clone();

            let csrf = phone.csrf(&a);
            let response = phone.post(&a, "/logout", &csrf);
            assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
            assert!(phone.cookies.is_empty());

            past_catch_up_interval();
            assert!(logged_out(&copied.get(&b)), "container B refuses the copy");
            assert!(laptop.get(&b).body().starts_with("logged in as ada"));
            let port = server.port;
            drop(server);
            remove_data(port);
        }

        /// When the revocation cannot be published, the answer says so (503) and keeps the
        /// cookie for another try; the revocation stays queued and is published with the next
        /// request this container serves once Redis is back.
        #[test]
        fn revocation_not_published_answers_503_and_stays_queued() {
            let mut server = RedisServer::start();
            let port = server.port;
            let deployment = Deployment::new(server.url());
            let a = deployment.container();
            let mut phone = Client::default();
            phone.log_in(&a, "ada");
            let csrf = phone.csrf(&a);
            let copied = phone.clone();

            server.kill();
            let response = phone.post(&a, "/logout-everywhere", &csrf);
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(response.body(), "not logged out everywhere yet: try again");
            assert_eq!(response.headers().get_all("set-cookie").iter().count(), 0);
            assert_eq!(phone.cookies, copied.cookies, "the cookie is kept");
            assert!(
                logged_out(&phone.get(&a)),
                "this container refuses it already"
            );

            let server = RedisServer::start_on(port);
            past_catch_up_interval();
            let _ = Client::default().get(&a);
            let cold = deployment.container();
            assert!(
                logged_out(&copied.clone().get(&cold)),
                "published once Redis is back"
            );
            drop(server);
            remove_data(port);
        }

        /// The Lambda path: each invocation catches up under its own limit, off the executor.
        /// With Redis answering, a revocation made in another container is refused at the
        /// next invocation; with Redis silent (a stalled server), the invocation still answers
        /// within about the limit, as a fail-closed cold start does: no session, cookie kept.
        #[tokio::test(flavor = "current_thread")]
        async fn an_invocation_catches_up_within_its_limit() {
            let server = RedisServer::start();
            let deployment = Deployment::new(server.url());
            let (a, b) = (deployment.container(), deployment.container());
            let mut phone = Client::default();
            phone.log_in(&a, "ada");
            let copied = phone.clone();
            let csrf = phone.csrf(&a);
            assert_eq!(
                phone.post(&a, "/logout-everywhere", &csrf).status(),
                StatusCode::OK
            );
            past_catch_up_interval();
            let invocation = copied.request("GET", "/");
            assert_eq!(
                b.handle_invocation(&invocation).await.body(),
                "not logged in"
            );

            let silent = TcpListener::bind("127.0.0.1:0").expect("a free port");
            let silent_url = format!(
                "redis://127.0.0.1:{}/",
                silent.local_addr().expect("its address").port()
            );
            let stalled = Deployment {
                url: silent_url,
                ..deployment
            };
            let cold = stalled.container();
            let mut laptop = Client::default();
            laptop.log_in(
                &App::new(stalled.session_key.clone(), None).expect("app"),
                "bob",
            );
            past_catch_up_interval(); // so that this invocation does ask the stalled server
            let started = std::time::Instant::now();
            let response = cold.handle_invocation(&laptop.request("GET", "/")).await;
            let took = started.elapsed();
            assert_eq!(response.body(), "not logged in");
            assert_eq!(response.headers().get_all("set-cookie").iter().count(), 0);
            assert!(
                took < INVOCATION_CATCH_UP + std::time::Duration::from_millis(300),
                "the invocation took {took:?}"
            );
            drop(silent);
            let port = server.port;
            drop(server);
            remove_data(port);
        }

        /// A cold start whose first load failed (Redis down) opens no session, since one
        /// revoked elsewhere could be among them, and keeps the cookies: an outage logs nobody
        /// out.
        #[test]
        fn cold_start_without_redis_refuses_sessions_and_keeps_cookies() {
            let closed = TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .expect("a free port")
                .port();
            let deployment = Deployment::new(format!("redis://127.0.0.1:{closed}/"));
            let issuing = App::new(deployment.session_key.clone(), None).expect("app");
            let mut phone = Client::default();
            phone.log_in(&issuing, "ada");
            let cookies = phone.cookies.clone();

            let cold = deployment.container();
            let response = phone.get(&cold);
            assert!(logged_out(&response));
            assert_eq!(response.headers().get_all("set-cookie").iter().count(), 0);
            assert_eq!(phone.cookies, cookies);
        }
    }
}

#[cfg(all(test, feature = "lambda"))]
mod lambda_events {
    use super::*;

    /// Requests built from the API Gateway v2 and function URL events that `lambda_http` ships
    /// (copied into `tests/vectors/lambda/`), with our cookie in the event's `cookies` array.
    fn event(
        file: &str,
        method: &str,
        path: &str,
        cookies: &[String],
        body: &str,
    ) -> lambda_http::Request {
        let mut event =
            sealed_session_test_support::vectors::vector_file(&format!("lambda/{file}"));
        event["rawPath"] = path.into();
        event["requestContext"]["http"]["method"] = method.into();
        event["requestContext"]["http"]["path"] = path.into();
        event["cookies"] = cookies.to_vec().into();
        if let Some(headers) = event["headers"].as_object_mut() {
            headers.remove("cookie");
        }
        if method == "POST" {
            event["headers"]["content-type"] = FORM.into();
        }
        event["body"] = body.into();
        event["isBase64Encoded"] = false.into();
        lambda_http::request::from_str(&event.to_string()).expect("a lambda_http request")
    }

    fn stored(response: &Response<String>) -> Vec<String> {
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter(|value| !value.contains("Max-Age=0"))
            .map(|value| value.split(';').next().unwrap_or("").to_owned())
            .collect()
    }

    #[test]
    fn the_flow_through_lambda_http_events() {
        let app = App::from_env().expect("app");
        for file in [
            "apigw_v2_proxy_request.json",
            "lambda_function_url_request.json",
        ] {
            let login = app.handle(&event(file, "POST", "/login", &[], "user=ada"));
            assert_eq!(login.status(), StatusCode::OK, "{file}");
            let cookies = stored(&login);
            assert_eq!(cookies.len(), 1);
            let page = app.handle(&event(file, "GET", "/", &cookies, ""));
            assert!(
                page.body().starts_with("logged in as ada; count 0"),
                "{file}: {}",
                page.body()
            );
            let csrf = page
                .body()
                .rsplit("csrf ")
                .next()
                .expect("token")
                .to_owned();
            let counted = app.handle(&event(
                file,
                "POST",
                "/count",
                &cookies,
                &format!("csrf_token={csrf}"),
            ));
            assert_eq!(counted.body(), "count 1");
            let forged = app.handle(&event(
                file,
                "POST",
                "/count",
                &cookies,
                "csrf_token=forged",
            ));
            assert_eq!(forged.status(), StatusCode::FORBIDDEN);
            let broken = [format!("{}x", cookies[0])];
            let refused = app.handle(&event(file, "GET", "/", &broken, ""));
            assert_eq!(refused.body(), "not logged in");
            assert!(
                refused.headers().get_all("set-cookie").iter().count() >= 1,
                "cleared"
            );
        }
    }
}
