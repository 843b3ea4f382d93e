//! The session cookie in a real browser: headless Debian Chromium, driven through WebDriver
//! (chromedriver, with `fantoccini`), against `examples/axum_app.rs` on 127.0.0.1, with the
//! secure defaults on (`__Host-`, `Secure`, `HttpOnly`, `SameSite=Lax`: Chromium accepts them on
//! loopback over plain HTTP).
//!
//! The test starts and stops its own server, driver and browsers, and fails — it never skips —
//! when `chromium` or `chromedriver` is missing (`.ci/run` and `scripts/test.sh` install them).

use std::io::{BufRead as _, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// Starts the app on a free port; returns it and its base URL.
fn start_app(executable: &Path) -> (Running, String) {
    let mut child = Command::new(executable)
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the app starts");
    let stdout = child.stdout.take().expect("piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the app prints its address");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (Running(child), url)
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
    let (_app, url) = start_app(&executable);
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

    // Grow until chunked, reload, and the session is still there, whole.
    while session_cookies(&phone).await.len() < 2 {
        click(&phone, "grow").await;
        assert_eq!(text(&phone, "who").await, "ada");
    }
    phone.refresh().await.expect("reloads");
    assert_eq!(text(&phone, "counter").await, "2");
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
        if source.contains("cookie budget") {
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
    assert!(text(&phone, "problem").await.contains("invalid"));
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

    // And "log out" here leaves no cookie behind.
    log_in(&laptop, &url, "grace").await;
    click(&laptop, "logout").await;
    assert!(session_cookies(&laptop).await.is_empty());

    phone.close().await.expect("closes");
    laptop.close().await.expect("closes");
    let _ = std::fs::remove_dir_all(&profiles);
    println!(
        "browser test: {:.1} s; screenshot at {}",
        started.elapsed().as_secs_f64(),
        shot_path.display()
    );
}

fn tempdir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sealed-session-browser-{what}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}
