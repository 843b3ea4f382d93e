//! The session flow as one function from `http::Request` to `http::Response`: the shape a
//! serverless handler has (`lambda_http` calls it with `http::Request<lambda_http::Body>`).
//!
//! ```sh
//! cargo run --example serverless --features http              # a scripted walk through the flow
//! cargo run --example serverless --features lambda            # the real AWS Lambda entry point
//! ```
//!
//! Routes: `GET /` (who is logged in, the counter and the CSRF token), `POST /login` (body
//! `user=NAME`), `POST /count` and `POST /logout` (body `csrf=TOKEN`). Behind API Gateway's HTTP
//! API (payload v2) or a function URL, request cookies arrive in the event's `cookies` array and
//! `lambda_http` turns them into a `Cookie` header; each `Set-Cookie` header of the response goes
//! back as one entry of the response's `cookies` array, so chunked sessions work. A REST API
//! (v1) or an ALB needs multi-value headers turned on to carry more than one `Set-Cookie`.

use std::sync::Arc;

use http::{Method, Request, Response, StatusCode};
use sealed_session::http::SessionCookie;
use sealed_session::{Compression, Key, RevocationList, Sealer, Session};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;
use time::{Duration, OffsetDateTime};

/// What the session holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Counter {
    count: u64,
    csrf: String,
}

/// Built once per cold start, shared by every invocation.
#[derive(Clone)]
pub struct App {
    sealer: Sealer,
    cookie: SessionCookie,
    revocations: Arc<RevocationList>,
}

impl App {
    /// From `SESSION_KEY` (base64), or a fresh key.
    ///
    /// # Errors
    ///
    /// A `SESSION_KEY` that is not a key, or settings that cannot work.
    pub fn from_env() -> Result<App, sealed_session::Error> {
        let key = match std::env::var("SESSION_KEY") {
            Ok(text) => Key::from_base64(&text)?,
            Err(_) => Key::generate(),
        };
        let revocations = Arc::new(RevocationList::new(Duration::days(1) + Duration::hours(1)));
        let sealer = Sealer::new(key, "session")
            .with_ttl(Duration::hours(8))
            .with_max_lifetime(Duration::days(1))
            .with_compression(Compression::Never)
            .with_revocations(Arc::clone(&revocations));
        sealer.validate()?;
        let cookie = SessionCookie::new("__Host-session");
        cookie.validate()?;
        Ok(App {
            sealer,
            cookie,
            revocations,
        })
    }

    /// One request, start to end: open the session, act, write the cookies.
    pub fn handle<B: AsRef<[u8]>>(&self, request: &Request<B>) -> Response<String> {
        let now = OffsetDateTime::now_utc();
        let read = self.cookie.read_headers(request.headers());
        let session = read
            .token
            .as_deref()
            .and_then(|token| self.sealer.open_at::<Counter>(token, now).ok());
        let form = form(request.body().as_ref());
        let csrf_ok = |session: &Session<Counter>| {
            let sent = form
                .iter()
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.as_str());
            sent.is_some_and(|sent| {
                bool::from(sent.as_bytes().ct_eq(session.state().csrf.as_bytes()))
            })
        };
        let (status, body, token) = match (request.method(), request.uri().path(), &session) {
            (&Method::GET, "/", Some(session)) => (
                StatusCode::OK,
                format!(
                    "logged in as {}; count {}; csrf {}",
                    session.subject(),
                    session.state().count,
                    session.state().csrf
                ),
                // Roll the session once it is past half its life.
                session
                    .is_past_half_life_at(now)
                    .then(|| self.sealer.reseal_at(session, session.state(), now).ok())
                    .flatten(),
            ),
            (&Method::GET, "/", None) => (StatusCode::OK, "not logged in".to_owned(), None),
            (&Method::POST, "/login", _) => {
                match form
                    .iter()
                    .find(|(k, _)| k == "user")
                    .map(|(_, v)| v.as_str())
                {
                    Some(user) if !user.is_empty() => {
                        let state = Counter {
                            count: 0,
                            csrf: Key::generate().to_base64(),
                        };
                        match self.sealer.seal_at(user, &state, now) {
                            Ok(token) => {
                                (StatusCode::OK, format!("logged in as {user}"), Some(token))
                            }
                            Err(error) => {
                                (StatusCode::INTERNAL_SERVER_ERROR, error.to_string(), None)
                            }
                        }
                    }
                    _ => (StatusCode::BAD_REQUEST, "user=NAME".to_owned(), None),
                }
            }
            (&Method::POST, "/count", Some(session)) if csrf_ok(session) => {
                let mut state = session.state().clone();
                state.count += 1;
                let count = state.count;
                match self.sealer.reseal_at(session, &state, now) {
                    Ok(token) => (StatusCode::OK, format!("count {count}"), Some(token)),
                    Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string(), None),
                }
            }
            (&Method::POST, "/logout", Some(session)) if csrf_ok(session) => {
                return self.respond(StatusCode::OK, "logged out".to_owned(), self.cookie.clear());
            }
            (&Method::POST, "/logout-everywhere", Some(session)) if csrf_ok(session) => {
                self.revocations.revoke_user(session.subject());
                return self.respond(
                    StatusCode::OK,
                    "logged out everywhere".to_owned(),
                    self.cookie.clear(),
                );
            }
            (&Method::POST, _, Some(_)) => {
                (StatusCode::FORBIDDEN, "bad CSRF token".to_owned(), None)
            }
            (&Method::POST, _, None) => {
                (StatusCode::UNAUTHORIZED, "not logged in".to_owned(), None)
            }
            _ => (StatusCode::NOT_FOUND, "no such page".to_owned(), None),
        };
        let set_cookies = match token {
            Some(token) => {
                let expires_at = self
                    .sealer
                    .open_at::<Counter>(&token, now)
                    .map(|session| session.expires_at())
                    .unwrap_or(now);
                match self.cookie.write_at(&token, expires_at, now) {
                    Ok(headers) => headers,
                    Err(error) => {
                        return self.respond(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            error.to_string(),
                            Vec::new(),
                        );
                    }
                }
            }
            // A cookie came in that could not be used: clear it so it stops coming back.
            None if read.present && session.is_none() => self.cookie.clear(),
            None => Vec::new(),
        };
        self.respond(status, body, set_cookies)
    }

    fn respond(
        &self,
        status: StatusCode,
        body: String,
        set_cookies: Vec<String>,
    ) -> Response<String> {
        let mut response = Response::new(body);
        *response.status_mut() = status;
        self.cookie.append_to(response.headers_mut(), set_cookies);
        response
    }
}

/// `application/x-www-form-urlencoded` pairs, without percent-decoding beyond `+` (enough for
/// the names and tokens here: base64url and plain words).
fn form(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace('+', " ")))
        .collect()
}

#[cfg(feature = "lambda")]
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = App::from_env()?;
    lambda_http::run(lambda_http::service_fn(
        move |request: lambda_http::Request| {
            let response = app.handle(&request);
            async move { Ok::<_, lambda_http::Error>(response) }
        },
    ))
    .await
}

#[cfg(not(feature = "lambda"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = App::from_env()?;
    let mut cookies: Vec<String> = Vec::new();
    let mut call =
        |method: &str, path: &str, body: &str| -> Result<String, Box<dyn std::error::Error>> {
            let request = Request::builder()
                .method(method)
                .uri(path)
                .header("cookie", cookies.join("; "))
                .body(body.to_owned())?;
            let response = app.handle(&request);
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
    call("POST", "/count", &format!("csrf={csrf}"))?;
    call("POST", "/count", "csrf=forged")?;
    call("POST", "/logout", &format!("csrf={csrf}"))?;
    call("GET", "/", "")?;
    Ok(())
}

#[cfg(all(test, feature = "lambda"))]
mod tests {
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
        let path_on_disk = format!("{}/tests/vectors/lambda/{file}", env!("CARGO_MANIFEST_DIR"));
        let mut event: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path_on_disk).expect("event"))
                .expect("JSON");
        event["rawPath"] = path.into();
        event["requestContext"]["http"]["method"] = method.into();
        event["requestContext"]["http"]["path"] = path.into();
        event["cookies"] = cookies.to_vec().into();
        if let Some(headers) = event["headers"].as_object_mut() {
            headers.remove("cookie");
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
                &format!("csrf={csrf}"),
            ));
            assert_eq!(counted.body(), "count 1");
            let forged = app.handle(&event(file, "POST", "/count", &cookies, "csrf=forged"));
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
