//! The session cookie in a real browser: headless Debian Chromium, driven through WebDriver
//! (chromedriver, with `fantoccini`), against `examples/axum_app.rs` on 127.0.0.1, with the
//! secure defaults on (`__Host-`, `Secure`, `HttpOnly`, `SameSite=Lax`: Chromium accepts them on
//! loopback over plain HTTP).
//!
//! The test starts and stops its own server, driver and browsers, and fails — it never skips —
//! when `chromium` or `chromedriver` is missing (`.ci/run` and `scripts/test.sh` install them).
//!
//! Beside it, plain HTTP requests to the same app (no browser) for what a browser will not let a
//! test do: a cross-site form post with forged headers, and a copied cookie replayed.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::cookies::Cookie;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const NAME: &str = "__Host-session";

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Builds the example app and returns its executable (cargo's own report of the path).
fn build_app() -> PathBuf {
    let output = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--example",
            "axum_app",
            "--features",
            "axum",
        ])
        .args(["--message-format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::inherit())
        .output()
        .expect("cargo runs");
    assert!(output.status.success(), "the example app builds");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "axum_app")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the example's executable")
}

/// What the app wrote to its standard error so far (its log), echoed into the test's output.
type Log = Arc<Mutex<String>>;

/// Starts the app on a free port; returns it, its base URL and its log.
fn start_app(executable: &Path) -> (Running, String, Log) {
    let mut child = Command::new(executable)
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the app starts");
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let log = Log::default();
    let kept = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("app: {line}");
            let mut log = kept
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            log.push_str(&line);
            log.push('\n');
        }
    });
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the app prints its address");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (Running(child), url, log)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

fn start_driver() -> (Running, String) {
    for tool in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(tool).exists(),
            "{tool} is missing: install Debian's chromium and chromium-driver (scripts/test.sh does)"
        );
    }
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver listens within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (Running(child), format!("http://127.0.0.1:{port}"))
}

/// A fresh browser, with its own profile: one "device".
async fn browser(driver: &str, profile: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1000,700",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(driver)
        .await
        .expect("a WebDriver session")
}

async fn text(client: &Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|error| panic!("#{id} on the page: {error}"))
        .text()
        .await
        .expect("text")
}

/// Clicks a form's button and waits for the page it leads to (every button here submits a form).
async fn click(client: &Client, id: &str) {
    let old = client.find(Locator::Css("html")).await.expect("a page");
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|error| panic!("#{id} on the page: {error}"))
        .click()
        .await
        .expect("click");
    // The old document goes stale once the new one has replaced it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while old.tag_name().await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "a new page within 10 s after #{id}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wait_loaded(client).await;
}

async fn wait_loaded(client: &Client) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state = client
            .execute("return document.readyState", Vec::new())
            .await
            .ok();
        if state.as_ref().and_then(|value| value.as_str()) == Some("complete") {
            return;
        }
        assert!(Instant::now() < deadline, "the page loads within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The session's cookies in the browser's jar (WebDriver lists HttpOnly ones too).
async fn session_cookies(client: &Client) -> Vec<Cookie<'static>> {
    let mut cookies: Vec<_> = client
        .get_all_cookies()
        .await
        .expect("cookies")
        .into_iter()
        .filter(|cookie| cookie.name().starts_with(NAME))
        .collect();
    cookies.sort_by(|a, b| a.name().cmp(b.name()));
    cookies
}

fn names(cookies: &[Cookie<'static>]) -> Vec<String> {
    cookies
        .iter()
        .map(|cookie| cookie.name().to_owned())
        .collect()
}

async fn log_in(client: &Client, url: &str, user: &str) {
    client.goto(url).await.expect("the page loads");
    client
        .find(Locator::Id("user"))
        .await
        .expect("login form")
        .send_keys(user)
        .await
        .expect("types");
    click(client, "login").await;
    assert_eq!(text(client, "who").await, user);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_in_a_real_browser() {
    let started = Instant::now();
    let executable = build_app();
    let (_app, url, _log) = start_app(&executable);
    let (_driver, driver) = start_driver();
    let profiles = tempdir("profiles");
    let phone = browser(&driver, &profiles.join("phone")).await;
    let laptop = browser(&driver, &profiles.join("laptop")).await;

    // Log in, and the session cookie has the secure attributes.
    log_in(&phone, &url, "ada").await;
    let cookies = session_cookies(&phone).await;
    assert_eq!(names(&cookies), [NAME], "one cookie");
    assert_eq!(cookies[0].http_only(), Some(true));
    assert_eq!(cookies[0].secure(), Some(true));
    assert_eq!(cookies[0].path(), Some("/"));

    // Count across requests.
    click(&phone, "count").await;
    click(&phone, "count").await;
    assert_eq!(text(&phone, "counter").await, "2");

    // A form on another origin — another loopback port, so the same site, and `SameSite=Lax`
    // lets the browser send the session cookie with its POST — posts to the app with a made-up
    // token: the layer refuses it (403, `Sec-Fetch-Site: same-site`) before any handler runs,
    // and the counter stays. The app's own forms (same origin) go on working.
    let other_site = serve_page(&format!(
        "<!doctype html><form method=\"post\" action=\"{url}/count\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"made-up\">\
         <button id=\"attack\" type=\"submit\">win a prize</button></form>"
    ));
    assert_ne!(other_site, url);
    phone
        .goto(&other_site)
        .await
        .expect("the other origin's page");
    click(&phone, "attack").await;
    let refused = phone.source().await.expect("source");
    assert!(
        refused.contains("the request comes from another site"),
        "{refused}"
    );
    phone.goto(&url).await.expect("back");
    assert_eq!(
        text(&phone, "counter").await,
        "2",
        "the forged post changed nothing"
    );
    click(&phone, "count").await;
    assert_eq!(
        text(&phone, "counter").await,
        "3",
        "the app's own form works"
    );

    // Grow until chunked, reload, and the session is still there, whole.
    while session_cookies(&phone).await.len() < 2 {
        click(&phone, "grow").await;
        assert_eq!(text(&phone, "who").await, "ada");
    }
    phone.refresh().await.expect("reloads");
    assert_eq!(text(&phone, "counter").await, "3");
    let chunked = session_cookies(&phone).await;
    assert_eq!(names(&chunked), [format!("{NAME}.0"), format!("{NAME}.1")]);
    for cookie in &chunked {
        assert!(cookie.name().len() + cookie.value().len() <= 4096);
    }

    // Screenshot of the logged-in page, into the test's output folder.
    let shot = phone.screenshot().await.expect("screenshot");
    let shot_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-logged-in.png");
    std::fs::write(&shot_path, shot).expect("screenshot written");

    // Past the budget: an error page, and no cookie over the browser's limit is ever sent.
    let mut refused = false;
    for _ in 0..6 {
        click(&phone, "grow").await;
        let source = phone.source().await.expect("source");
        if source.contains("the session is full") {
            refused = true;
            break;
        }
    }
    assert!(refused, "growing past the budget is refused");
    for cookie in session_cookies(&phone).await {
        assert!(cookie.name().len() + cookie.value().len() <= 4096);
    }
    phone.goto(&url).await.expect("back");
    assert_eq!(
        text(&phone, "who").await,
        "ada",
        "the previous session stays"
    );

    // Shrink: one cookie again, and no stale chunk in the jar.
    click(&phone, "shrink").await;
    assert_eq!(names(&session_cookies(&phone).await), [NAME]);
    assert_eq!(text(&phone, "filler").await, "0");

    // Tamper with a chunk through the driver: "no session", and the cookies are cleared.
    click(&phone, "grow").await;
    click(&phone, "grow").await;
    click(&phone, "grow").await;
    let chunks = session_cookies(&phone).await;
    assert!(chunks.len() >= 2, "{:?}", names(&chunks));
    let mut bent = chunks[1].clone();
    let mut value = bent.value().to_owned();
    let flipped = if value.ends_with('A') { 'B' } else { 'A' };
    value.pop();
    value.push(flipped);
    bent.set_value(value);
    phone.delete_cookie(bent.name()).await.expect("deleted");
    phone.add_cookie(bent).await.expect("added");
    phone.goto(&url).await.expect("loads");
    assert_eq!(text(&phone, "status").await, "not logged in");
    let source = phone.source().await.expect("source");
    assert!(
        !source.contains("invalid") && !source.contains("refused"),
        "the reason stays in the log"
    );
    phone.refresh().await.expect("reloads");
    assert!(
        session_cookies(&phone).await.is_empty(),
        "the broken cookie is cleared"
    );

    // Log out everywhere from one device; the other loses its session on its next request.
    log_in(&phone, &url, "ada").await;
    log_in(&laptop, &url, "ada").await;
    click(&phone, "logout-everywhere").await;
    assert_eq!(text(&phone, "status").await, "not logged in");
    laptop.refresh().await.expect("reloads");
    assert_eq!(text(&laptop, "status").await, "not logged in");

    // And "log out" here leaves no cookie behind, and a copy of it taken before no longer opens.
    log_in(&laptop, &url, "grace").await;
    let copied = session_cookies(&laptop).await;
    click(&laptop, "logout").await;
    assert!(session_cookies(&laptop).await.is_empty());
    for cookie in copied {
        laptop.add_cookie(cookie).await.expect("put back");
    }
    laptop.refresh().await.expect("reloads");
    assert_eq!(text(&laptop, "status").await, "not logged in");

    // The same forged post against an app whose layer has the CSRF checks turned off: the
    // browser sends the `SameSite=Lax` cookie from the other port's page, and the post counts.
    // This is what the checks above stop.
    let unprotected = start_unprotected_app().await;
    laptop
        .goto(&unprotected)
        .await
        .expect("the unprotected app");
    assert_eq!(text(&laptop, "count").await, "0");
    let other_site = serve_page(&format!(
        "<!doctype html><form method=\"post\" action=\"{unprotected}/count\">\
         <button id=\"attack\" type=\"submit\">win a prize</button></form>"
    ));
    laptop
        .goto(&other_site)
        .await
        .expect("the other origin's page");
    click(&laptop, "attack").await;
    laptop.goto(&unprotected).await.expect("back");
    assert_eq!(
        text(&laptop, "count").await,
        "1",
        "without the checks, SameSite=Lax let the other port's form through"
    );

    phone.close().await.expect("closes");
    laptop.close().await.expect("closes");
    let _ = std::fs::remove_dir_all(&profiles);
    println!(
        "browser test: {:.1} s; screenshot at {}",
        started.elapsed().as_secs_f64(),
        shot_path.display()
    );
}

/// An app in this process on a free loopback port whose session layer has the CSRF checks off
/// (`CsrfProtection::dangerous_disabled`): `GET /` starts a session and shows its count, `POST
/// /count` adds one. Its cookie has a name of its own (cookies are not kept per port).
async fn start_unprotected_app() -> String {
    use axum::routing::{get, post};
    use sealed_session::http::{CsrfProtection, SessionCookie, SessionHandle, SessionLayer};

    async fn show(session: SessionHandle<u32>) -> axum::response::Html<String> {
        if session.state().is_none() {
            session.log_in("ada", 0).expect("fits");
        }
        let count = session.state().unwrap_or_default();
        axum::response::Html(format!("<p id=\"count\">{count}</p>"))
    }
    async fn count(session: SessionHandle<u32>) -> axum::response::Redirect {
        if let Some(count) = session.state() {
            session.update(count + 1).expect("fits");
        }
        axum::response::Redirect::to("/")
    }
    let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    let layer = SessionLayer::<u32>::new(sealer, SessionCookie::new("__Host-unprotected"))
        .with_csrf(CsrfProtection::dangerous_disabled());
    let app = axum::Router::new()
        .route("/", get(show))
        .route("/count", post(count))
        .layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Serves `html` to every request on another loopback port (another origin than the app's),
/// from a thread that lives as long as the test; returns its URL.
fn serve_page(html: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{html}",
        html.len()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            // The request's head, then the page; the browser's request is not looked at.
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                line.clear();
            }
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    url
}

fn tempdir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sealed-session-browser-{what}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}

/// A reply to a plain HTTP request.
struct Reply {
    status: u16,
    /// The `Set-Cookie` header values.
    set_cookies: Vec<String>,
    body: String,
}

/// One HTTP/1.1 request to the app at `url` (as a client other than a browser can send it), on
/// a connection of its own that the app closes after answering.
fn http(url: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let host = url.strip_prefix("http://").expect("an http:// URL");
    let mut stream = TcpStream::connect(host).expect("the app accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("sent");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("an answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {head}"));
    let set_cookies = lines
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, value)| value.trim().to_owned())
        .collect();
    Reply {
        status,
        set_cookies,
        body: body.to_owned(),
    }
}

/// The cookies a client keeps: what the app set, less what it removed.
#[derive(Clone, Default)]
struct Jar(Vec<(String, String)>);

impl Jar {
    fn keep(&mut self, reply: &Reply) {
        for set_cookie in &reply.set_cookies {
            let pair = set_cookie.split(';').next().unwrap_or("");
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            self.0.retain(|(kept, _)| kept != name);
            if !set_cookie.contains("Max-Age=0") {
                self.0.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn get(url: &str, jar: &Jar) -> Reply {
    post_or_get(url, "GET", "/", jar, &[], "")
}

fn post(url: &str, path: &str, jar: &Jar, headers: &[(&str, &str)], body: &str) -> Reply {
    post_or_get(url, "POST", path, jar, headers, body)
}

fn post_or_get(
    url: &str,
    method: &str,
    path: &str,
    jar: &Jar,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let cookie = jar.header();
    let mut all = headers.to_vec();
    if !cookie.is_empty() {
        all.push(("Cookie", &cookie));
    }
    http(url, method, path, &all, body)
}

/// The headers a browser sends with a form posted from the app's own page.
fn own_page(url: &str) -> [(&str, &str); 2] {
    [("Origin", url), ("Sec-Fetch-Site", "same-origin")]
}

const NOT_LOGGED_IN: &str = "<h1 id=\"status\">not logged in</h1>";

fn log_in_over_http(url: &str, user: &str) -> Jar {
    let reply = post(
        url,
        "/login",
        &Jar::default(),
        &own_page(url),
        &format!("user={user}"),
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let mut jar = Jar::default();
    jar.keep(&reply);
    assert!(!jar.0.is_empty(), "a session cookie");
    jar
}

/// The CSRF token of the forms on the logged-in page.
fn csrf(url: &str, jar: &Jar) -> String {
    let page = get(url, jar).body;
    let (_, rest) = page
        .split_once("name=\"csrf_token\" value=\"")
        .unwrap_or_else(|| panic!("a form with a CSRF token: {page}"));
    rest.split('"').next().unwrap_or("").to_owned()
}

/// Waits until the app's log holds `text` (its log is read on another thread).
fn wait_for_log(log: &Log, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if now.contains(text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the log holds {text:?} within 10 s: {now}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Defect: `/login` checked nothing, so a form on another site could post to it and log the
/// visitor's browser into the attacker's account (login CSRF). Every POST now refuses a request
/// that its browser says comes from another site.
#[test]
fn login_csrf_cross_site_post_is_refused() {
    let (_app, url, _log) = start_app(&build_app());
    let nobody = Jar::default();
    let evil = [
        ("Origin", "https://evil.example"),
        ("Sec-Fetch-Site", "cross-site"),
    ];
    let reply = post(&url, "/login", &nobody, &evil, "user=mallory");
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(reply.set_cookies.is_empty(), "{:?}", reply.set_cookies);

    // Either header alone tells; a sibling site, another port and an opaque origin are not the
    // app either. (When a browser sends `Sec-Fetch-Site`, its word decides, as in Go's
    // `CrossOriginProtection`: a proxy that rewrites `Host` then breaks nothing.)
    let other_port = "http://127.0.0.1:1";
    for headers in [
        &[("Origin", "https://evil.example")][..],
        &[("Sec-Fetch-Site", "cross-site")],
        &[("Sec-Fetch-Site", "same-site")],
        &[("Origin", "null")],
        &[("Origin", other_port)],
    ] {
        let reply = post(&url, "/login", &nobody, headers, "user=mallory");
        assert_eq!(reply.status, 403, "{headers:?}");
        assert!(reply.set_cookies.is_empty(), "{headers:?}");
    }

    // The app's own form logs in; so does a request the user made by hand (`none`), and one from
    // a client that sends neither header.
    for headers in [&own_page(&url)[..], &[("Sec-Fetch-Site", "none")], &[]] {
        let reply = post(&url, "/login", &nobody, headers, "user=ada");
        assert_eq!(reply.status, 303, "{headers:?}: {}", reply.body);
        assert!(!reply.set_cookies.is_empty(), "{headers:?}");
    }

    // The forms of a session are checked the same way, before their CSRF token.
    let jar = log_in_over_http(&url, "ada");
    let token = csrf(&url, &jar);
    // From the app's own page but without the session's token, or with another session's:
    // refused too.
    let other_token = csrf(&url, &log_in_over_http(&url, "bob"));
    for body in [
        String::new(),
        format!("csrf_token={other_token}"),
        "csrf_token=made-up".into(),
    ] {
        let reply = post(&url, "/count", &jar, &own_page(&url), &body);
        assert_eq!(reply.status, 403, "{body}: {}", reply.body);
        assert!(reply.set_cookies.is_empty());
    }
    let reply = post(&url, "/count", &jar, &evil, &format!("csrf_token={token}"));
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(reply.set_cookies.is_empty());
    assert!(
        get(&url, &jar)
            .body
            .contains("<span id=\"counter\">0</span>")
    );
}

/// Defect: the page told the visitor why their session cookie was refused ("invalid token"),
/// and an error page showed the library's error text. Both go to the app's log now; the
/// visitor sees the page anyone without a session sees, or a neutral text.
#[test]
fn refused_session_reason_is_not_shown_to_the_visitor() {
    let (_app, url, log) = start_app(&build_app());
    let anyone = get(&url, &Jar::default());
    assert!(anyone.body.contains(NOT_LOGGED_IN), "{}", anyone.body);

    let mut jar = log_in_over_http(&url, "ada");
    let value = &mut jar.0[0].1;
    let flipped = if value.ends_with('A') { 'B' } else { 'A' };
    value.pop();
    value.push(flipped);
    let refused = get(&url, &jar);
    assert_eq!(refused.status, 200);
    assert_eq!(
        refused.body, anyone.body,
        "a refused cookie shows what no cookie shows"
    );
    assert!(
        !refused.set_cookies.is_empty(),
        "the broken cookie is cleared"
    );
    wait_for_log(&log, "previous session refused: ");

    // Past the cookie budget: a neutral text, and the error in the log.
    let mut jar = log_in_over_http(&url, "grace");
    let token = format!("csrf_token={}", csrf(&url, &jar));
    let full = (0..10)
        .map(|_| {
            let reply = post(&url, "/grow", &jar, &own_page(&url), &token);
            jar.keep(&reply);
            reply
        })
        .find(|reply| reply.status == 413)
        .expect("the session outgrows its budget");
    assert!(full.body.contains("the session is full"), "{}", full.body);
    assert!(!full.body.contains("budget"), "{}", full.body);
    wait_for_log(&log, "session does not fit the cookie budget");
}

/// Defect: "log out" only removed the cookie, so a copy of it taken before (another tab in
/// flight, a stolen cookie) still opened the session. Logging out here and everywhere now
/// revokes.
#[test]
fn logged_out_cookie_replayed_is_refused() {
    let (_app, url, _log) = start_app(&build_app());
    let jar = log_in_over_http(&url, "ada");
    let token = format!("csrf_token={}", csrf(&url, &jar));
    let copied = jar.clone();
    let reply = post(&url, "/logout", &jar, &own_page(&url), &token);
    assert_eq!(reply.status, 303, "{}", reply.body);
    let mut after = jar;
    after.keep(&reply);
    assert!(after.0.is_empty(), "the cookie is removed");
    let replayed = get(&url, &copied);
    assert!(replayed.body.contains(NOT_LOGGED_IN), "{}", replayed.body);

    // Everywhere: both devices' cookies, copied before, no longer open.
    let phone = log_in_over_http(&url, "grace");
    let laptop = log_in_over_http(&url, "grace");
    let token = format!("csrf_token={}", csrf(&url, &phone));
    let reply = post(&url, "/logout-everywhere", &phone, &own_page(&url), &token);
    assert_eq!(reply.status, 303, "{}", reply.body);
    for jar in [&phone, &laptop] {
        let replayed = get(&url, jar);
        assert!(replayed.body.contains(NOT_LOGGED_IN), "{}", replayed.body);
    }
}
