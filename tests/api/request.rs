//! The session of a request on plain `http` types (`http::SessionManager`): CSRF checks,
//! anonymous sessions and logins, a fleet that rotates its key, and the written cookies.
#![cfg(feature = "http")]

use http::{HeaderMap, Method, Request, Response};
use sealed_session::http::{CsrfProtection, CsrfRefusal, SessionCookie, SessionManager};
use sealed_session::{Keyring, Sealer};

use crate::common::{fixed_key, fixed_sealer};

type Cart = Vec<u32>;

fn manager(sealer: Sealer) -> SessionManager<Cart> {
    SessionManager::new(sealer, SessionCookie::new("__Host-session"))
}

/// The `Cookie` header a browser sends after `response`.
fn cookie_after(response: &Response<()>) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().expect("ASCII"))
        .filter(|value| !value.contains("Max-Age=0"))
        .map(|value| value.split(';').next().expect("pair").to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Runs `act` on the session of a request and returns the response with its cookies.
fn respond(
    manager: &SessionManager<Cart>,
    request: &Request<Vec<u8>>,
    act: impl FnOnce(&sealed_session::http::SessionHandle<Cart>),
) -> Result<Response<()>, CsrfRefusal> {
    let session = manager.open_request(request)?;
    act(&session);
    let mut response = Response::new(());
    session.write_to(response.headers_mut());
    Ok(response)
}

fn post(path: &str, cookie: &str, headers: &[(&str, &str)], body: &str) -> Request<Vec<u8>> {
    let mut request = Request::post(path).header("cookie", cookie);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(body.as_bytes().to_vec()).expect("request")
}

fn get(cookie: &str) -> Request<Vec<u8>> {
    Request::get("/")
        .header("cookie", cookie)
        .body(Vec::new())
        .expect("request")
}

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

/// An anonymous session (a cart before the login) and the login that follows: the login
/// starts a new session (another id, the user's subject, a later login time); the anonymous
/// token never becomes the user's — it still opens as the anonymous cart, and neither it nor
/// its CSRF tokens carry the login.
#[test]
fn an_anonymous_sessions_token_never_becomes_the_logged_in_one() {
    let sessions = manager(fixed_sealer(3));
    let visit = respond(&sessions, &get(""), |session| {
        session.start_anonymous(vec![7]).expect("fits");
        assert!(session.is_anonymous() && !session.is_logged_in());
        assert_eq!(session.subject(), None, "no user");
        assert!(session.require_login().is_err());
    })
    .expect("a GET is never refused");
    let anonymous = cookie_after(&visit);
    let (anonymous_id, anonymous_csrf) = {
        let session = sessions.open_request(&get(&anonymous)).expect("GET");
        (
            session.session_id(),
            session.csrf_token().expect("a session"),
        )
    };

    let login = post(
        "/login",
        &anonymous,
        &[FORM],
        &format!("user=ada&csrf_token={anonymous_csrf}"),
    );
    let logged_in = respond(&sessions, &login, |session| {
        let cart = session.state().expect("the anonymous cart");
        session.log_in("ada", cart).expect("fits");
    })
    .expect("the anonymous session's token is valid for its own login form");
    let user = cookie_after(&logged_in);
    assert_ne!(user, anonymous);

    let user_session = sessions.open_request(&get(&user)).expect("GET");
    assert_eq!(user_session.subject().as_deref(), Some("ada"));
    assert_eq!(user_session.state(), Some(vec![7]), "the cart carried over");
    assert_ne!(user_session.session_id(), anonymous_id, "a new session id");
    assert!(user_session.require_login().is_ok());

    // The anonymous token is still only the anonymous cart: never the user's session.
    let replayed = sessions.open_request(&get(&anonymous)).expect("GET");
    assert!(replayed.is_anonymous());
    assert_eq!(replayed.subject(), None);
    assert_eq!(replayed.session_id(), anonymous_id);
    // And the anonymous session's CSRF token does not pass for the user's session.
    let with_old_token = post(
        "/count",
        &user,
        &[FORM],
        &format!("csrf_token={anonymous_csrf}"),
    );
    assert_eq!(
        sessions.open_request(&with_old_token).err(),
        Some(CsrfRefusal::WrongToken)
    );
    // Nor can an empty subject log in: that is what anonymous means.
    let session = sessions.open_request(&get("")).expect("GET");
    assert!(session.log_in("", vec![]).is_err());
}

/// The CSRF checks of an unsafe request that carries a session: the token in a form field or
/// the header passes; none, another session's, or a damaged one is refused; a request from
/// another site is refused before its token is even looked at; a safe method is never checked.
#[test]
fn an_unsafe_request_with_a_session_needs_that_sessions_token() {
    let sessions = manager(fixed_sealer(3));
    let log_in = |user: &str| {
        let response = respond(&sessions, &get(""), |session| {
            session.log_in(user, vec![]).expect("fits");
        })
        .expect("GET");
        cookie_after(&response)
    };
    let (ada, bob) = (log_in("ada"), log_in("bob"));
    let token_of = |cookie: &str| {
        sessions
            .open_request(&get(cookie))
            .expect("GET")
            .csrf_token()
            .expect("a session")
    };
    let (ada_token, bob_token) = (token_of(&ada), token_of(&bob));
    let open = |request: Request<Vec<u8>>| sessions.open_request(&request).map(|_| ());

    assert_eq!(
        open(post(
            "/x",
            &ada,
            &[FORM],
            &format!("a=1&csrf_token={ada_token}")
        )),
        Ok(())
    );
    assert_eq!(
        open(post("/x", &ada, &[("x-csrf-token", &ada_token)], "")),
        Ok(())
    );
    assert_eq!(
        open(post("/x", &ada, &[FORM], "a=1")),
        Err(CsrfRefusal::MissingToken)
    );
    assert_eq!(
        open(post("/x", &ada, &[], &format!("csrf_token={ada_token}"))),
        Err(CsrfRefusal::MissingToken),
        "a body that is not a form is not searched"
    );
    assert_eq!(
        open(post(
            "/x",
            &ada,
            &[FORM],
            &format!("csrf_token={bob_token}")
        )),
        Err(CsrfRefusal::WrongToken)
    );
    assert_eq!(
        open(post(
            "/x",
            &ada,
            &[FORM],
            &format!("csrf_token={}", &ada_token[1..])
        )),
        Err(CsrfRefusal::WrongToken)
    );
    assert_eq!(
        open(post(
            "/x",
            &ada,
            &[FORM, ("sec-fetch-site", "cross-site")],
            &format!("csrf_token={ada_token}")
        )),
        Err(CsrfRefusal::CrossOrigin)
    );
    // Without a session, only the origin counts: the login form of a first visit.
    assert_eq!(open(post("/login", "", &[FORM], "user=ada")), Ok(()));
    assert_eq!(
        open(post(
            "/login",
            "",
            &[
                FORM,
                ("origin", "https://evil.example"),
                ("host", "app.example")
            ],
            "user=mallory"
        )),
        Err(CsrfRefusal::CrossOrigin),
        "login CSRF"
    );
    for method in [Method::GET, Method::HEAD, Method::OPTIONS] {
        let request = Request::builder()
            .method(method)
            .uri("/")
            .header("cookie", &ada)
            .header("sec-fetch-site", "cross-site")
            .body(Vec::new())
            .expect("request");
        assert!(sessions.open_request(&request).is_ok());
    }
    // The ways out, each named for what it gives up.
    let no_token = manager(fixed_sealer(3)).with_csrf(CsrfProtection::dangerous_without_token());
    assert!(
        no_token
            .open_request(&post("/x", &ada, &[FORM], ""))
            .is_ok()
    );
    assert_eq!(
        no_token
            .open_request(&post("/x", &ada, &[("sec-fetch-site", "cross-site")], ""))
            .err(),
        Some(CsrfRefusal::CrossOrigin)
    );
    let api = manager(fixed_sealer(3)).with_csrf(CsrfProtection::dangerous_disabled());
    assert!(
        api.open_request(&post("/x", &ada, &[("sec-fetch-site", "cross-site")], ""))
            .is_ok()
    );
}

/// A fleet in a rolling deploy: a form rendered by an instance on the old key is posted to an
/// instance that already seals with the new one (old key kept to open), and the other way
/// round before the new key is everywhere. A roll keeps the session id, so the tokens of
/// forms already on screen stay valid.
#[test]
fn csrf_tokens_pass_across_a_fleet_that_rotates_its_key_and_rolls_sessions() {
    let old = manager(Sealer::new(fixed_key(1), "session"));
    let both = manager(Sealer::new(
        Keyring::new(fixed_key(2)).with_previous(fixed_key(1)),
        "session",
    ));
    let response = respond(&old, &get(""), |session| {
        session.log_in("ada", vec![]).expect("fits");
    })
    .expect("GET");
    let cookie = cookie_after(&response);
    let token = old
        .open_request(&get(&cookie))
        .expect("GET")
        .csrf_token()
        .expect("a session");
    let form =
        |cookie: &str, token: &str| post("/count", cookie, &[FORM], &format!("csrf_token={token}"));
    let rolled = respond(&both, &form(&cookie, &token), |session| {
        session.update(vec![1]).expect("fits");
    })
    .expect("the old instance's token passes on the new one");
    let rolled = cookie_after(&rolled);
    assert!(
        both.open_request(&form(&rolled, &token)).is_ok(),
        "the token outlives the roll"
    );
    let new_token = both
        .open_request(&get(&rolled))
        .expect("GET")
        .csrf_token()
        .expect("a session");
    // An instance that never had the new key can open neither the token nor the cookie: it
    // refuses, keeps the cookie (not final for the token), and logs nobody out.
    let stale = old
        .open_request(&form(&rolled, &new_token))
        .expect("no session opened here, so no token to check");
    assert!(!stale.is_logged_in());
    let mut headers = HeaderMap::new();
    stale.write_to(&mut headers);
    assert!(headers.is_empty(), "the cookie is kept: {headers:?}");
}

/// Flash messages: left by one response, read once by the next request (whose response removes
/// them), kept until a page takes them, beside a logout; a forged one reads as nothing and is
/// removed.
#[test]
fn flash_messages_are_read_once() {
    let sessions = manager(fixed_sealer(3));
    let with = |cookie: &str| sessions.open_request(&get(cookie)).expect("GET");
    let finish = |session: &sealed_session::http::SessionHandle<Cart>| {
        let mut response = Response::new(());
        session.write_to(response.headers_mut());
        response
    };
    let login = with("");
    login.log_in("ada", vec![]).expect("fits");
    login.flash("welcome back").expect("small");
    login.flash("3 new messages").expect("small");
    let written = finish(&login);
    let flash_cookie = written
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().expect("ASCII"))
        .find(|value| value.starts_with("__Host-session-flash="))
        .expect("the flash cookie");
    assert!(flash_cookie.contains("Max-Age=600"), "{flash_cookie}");
    assert!(flash_cookie.contains("HttpOnly") && flash_cookie.contains("Secure"));
    let cookie = cookie_after(&written);

    // A page that does not show flashes leaves them for one that does.
    let elsewhere = with(&cookie);
    let untouched = finish(&elsewhere);
    assert!(untouched.headers().get("set-cookie").is_none());

    let page = with(&cookie);
    assert_eq!(page.take_flashes(), ["welcome back", "3 new messages"]);
    assert!(page.take_flashes().is_empty(), "once");
    let removed = finish(&page);
    let removal = removed.headers()["set-cookie"].to_str().expect("ASCII");
    assert!(
        removal.starts_with("__Host-session-flash=;") && removal.contains("Max-Age=0"),
        "{removal}"
    );

    // "Logged out" outlives the session it announces.
    let out = with(&cookie);
    out.log_out();
    out.flash("logged out").expect("small");
    let after = cookie_after(&finish(&out));
    assert!(!after.contains("__Host-session="), "{after}");
    assert_eq!(with(&after).take_flashes(), ["logged out"]);

    // Another key's flash cookie (another app, a forger) reads as nothing, and goes.
    let foreign = manager(fixed_sealer(4));
    let other = foreign.open_request(&get("")).expect("GET");
    other.flash("pay now").expect("small");
    let mut response = Response::new(());
    other.write_to(response.headers_mut());
    let forged = cookie_after(&response);
    // Not even taken: a page that shows no flashes still removes a cookie that is not ours.
    let page = with(&forged);
    let cleared = finish(&page);
    assert!(
        cleared.headers()["set-cookie"]
            .to_str()
            .expect("ASCII")
            .contains("Max-Age=0")
    );
    assert!(
        with("").flash(&"x".repeat(2000)).is_err(),
        "too large for one cookie"
    );
}

/// What the handle says of its session, before and after a login and for an anonymous one;
/// the CSRF field and the check a handler makes itself; the login page's answer.
#[test]
fn the_handle_tells_who_is_there_and_checks_tokens() {
    let sessions = manager(fixed_sealer(3)).with_login_redirect("/login");
    let session = sessions.open_request(&get("")).expect("GET");
    assert!(!session.is_logged_in() && !session.is_anonymous());
    assert_eq!(session.csrf_field(), "");
    assert_eq!(
        session.verify_csrf_token("anything"),
        Err(CsrfRefusal::MissingToken)
    );
    let refused = session.require_login().expect_err("nobody");
    assert_eq!(refused.to_string(), "log in first");
    assert_eq!(refused.location(), Some("/login"));

    session.start_anonymous(vec![1]).expect("fits");
    assert!(session.is_anonymous() && !session.is_logged_in());
    session.log_in("ada", vec![1]).expect("fits");
    assert!(session.is_logged_in() && !session.is_anonymous());

    let field = session.csrf_field();
    let token = field
        .strip_prefix(r#"<input type="hidden" name="csrf_token" value=""#)
        .and_then(|rest| rest.strip_suffix(r#"">"#))
        .unwrap_or_else(|| panic!("a hidden field: {field}"));
    assert_eq!(session.verify_csrf_token(token), Ok(()));
    assert_eq!(
        session.verify_csrf_token(&token[1..]),
        Err(CsrfRefusal::WrongToken)
    );
    let other = sessions.open_request(&get("")).expect("GET");
    other.log_in("bob", vec![]).expect("fits");
    assert_eq!(other.verify_csrf_token(token), Err(CsrfRefusal::WrongToken));
}

/// A framework whose body is a stream reads it only for an unsafe URL-encoded form that
/// carries a session and no token header: every other request goes through unread.
#[test]
fn the_body_is_read_only_when_a_form_may_hold_the_token() {
    let sessions = manager(fixed_sealer(3));
    let login = respond(&sessions, &get(""), |session| {
        session.log_in("ada", vec![]).expect("fits");
    })
    .expect("GET");
    let cookie = cookie_after(&login);
    let needs = |method: Method, cookie: &str, headers: &[(&str, &str)]| {
        let mut request = Request::builder()
            .method(method)
            .uri("/")
            .header("cookie", cookie);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Vec::<u8>::new()).expect("request");
        let session = sessions.open(request.headers());
        sessions.needs_form_body(&session, request.method(), request.headers())
    };
    assert!(needs(Method::POST, &cookie, &[FORM]));
    assert!(!needs(Method::GET, &cookie, &[FORM]), "a safe method");
    assert!(!needs(Method::POST, "", &[FORM]), "no session");
    assert!(
        !needs(Method::POST, &cookie, &[FORM, ("x-csrf-token", "t")]),
        "the header holds it"
    );
    assert!(!needs(Method::POST, &cookie, &[]), "not a form");
    let api = manager(fixed_sealer(3)).with_csrf(CsrfProtection::dangerous_without_token());
    let session = api.open(&{
        let mut headers = HeaderMap::new();
        headers.insert("cookie", cookie.parse().expect("ASCII"));
        headers
    });
    let mut form_headers = HeaderMap::new();
    form_headers.insert("content-type", FORM.1.parse().expect("ASCII"));
    assert!(
        !api.needs_form_body(&session, &Method::POST, &form_headers),
        "no token is checked"
    );
}
