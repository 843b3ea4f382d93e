//! Side-by-side benchmark: sealing and opening one session state with this crate and its peers.
//!
//! Every candidate seals the same value of [`SessionState`] at three sizes (small: 112 bytes of
//! JSON, medium: 1118, large: 3450) and opens it again into the same type, with its own expiry
//! check where it has one:
//!
//! | id                  | what                                                              |
//! |---------------------|-------------------------------------------------------------------|
//! | `ours`              | `Sealer` with default settings (`Compression::Auto`)              |
//! | `ours-never`        | `Sealer` with `Compression::Never`                                |
//! | `ours-dict`         | `Sealer` with default settings and a [`Dictionary`] built from     |
//! |                     | [`dictionary_sample`]: the same state type, other values           |
//! | `ours-jwe`          | `Sealer` with `Format::Jwe`: a standard JWE (dir, XC20P, zip DEF) |
//! | `cookie-private`    | `cookie` private jar (AES-256-GCM): `{"exp","data"}` as the value |
//! | `pasetors-v4-local` | PASETO v4.local, `exp` set and validated, state as claim `data`   |
//! | `branca`            | Branca (XChaCha20-Poly1305, base62), TTL checked on decode        |
//! | `jwt-hs256`         | `jsonwebtoken` HS256 (signed, not encrypted), `exp` validated     |
//! | `floor-ring`        | serde_json + XChaCha20-Poly1305 + base64url and nothing else, on  |
//! |                     | the primitives we use: HChaCha20 (`chacha20`) + `ring`'s AEAD     |
//! | `floor-rustcrypto`  | the same floor on RustCrypto's `XChaCha20Poly1305`                |
//!
//! Groups are `<size>/seal+open` (one round trip per iteration), `<size>/seal` and
//! `<size>/open`, so that each group reads as a row of ratios; throughput is the state's JSON
//! size. `cold-start/sealer-from-base64-key` times building a `Sealer` from a base64 key. Before
//! criterion runs, a table of token sizes and whether each token fits one 4096-byte `Set-Cookie`
//! header is printed.
//!
//! Run in `benches/`: `cargo bench --bench peers`. `docs/PERFORMANCE.md` has the results and how
//! to read them.
//! `benches/allocations.rs` includes this file as a module to count allocations of the same
//! candidates on the same data.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, SamplingMode, Throughput};
use rand::Rng as _;
use sealed_session::{Compression, Dictionary, Key, Sealer};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// The session state, at three sizes
// ---------------------------------------------------------------------------------------------

/// One session state type for every candidate and size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionState {
    user_id: u64,
    name: String,
    roles: Vec<String>,
    csrf: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prefs: Option<Preferences>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    cart: Vec<CartItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    permissions: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Preferences {
    locale: String,
    timezone: String,
    currency: String,
    theme: String,
    page_size: u16,
    email_digest: bool,
    recently_viewed: Vec<u64>,
    last_search: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CartItem {
    sku: String,
    name: String,
    qty: u16,
    unit_price_cents: u32,
    options: Vec<String>,
}

/// The three sizes, in order.
pub const SIZES: [&str; 3] = ["small", "medium", "large"];

/// The subject every candidate that carries one seals the state for.
pub const SUBJECT: &str = "user-48213";

/// Lifetime of every token, where the candidate has one: 24 hours, our default.
pub const TTL_SECS: u64 = 24 * 60 * 60;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn item(sku: &str, name: &str, qty: u16, unit_price_cents: u32, options: &[&str]) -> CartItem {
    CartItem {
        sku: sku.to_owned(),
        name: name.to_owned(),
        qty,
        unit_price_cents,
        options: strings(options),
    }
}

/// The state at `size` (one of [`SIZES`]); the same value for every candidate.
#[must_use]
pub fn state(size: &str) -> SessionState {
    let small = SessionState {
        user_id: 48_213,
        name: "maria.kowalska".to_owned(),
        roles: strings(&["editor", "billing"]),
        csrf: "tQ3v9K_fZ8pWm1xR2yL7cN0aHs5JdE4G".to_owned(),
        prefs: None,
        cart: Vec::new(),
        permissions: Vec::new(),
    };
    if size == "small" {
        return small;
    }
    let medium = SessionState {
        roles: strings(&["editor", "billing", "support-tier2"]),
        prefs: Some(Preferences {
            locale: "pl-PL".to_owned(),
            timezone: "Europe/Warsaw".to_owned(),
            currency: "PLN".to_owned(),
            theme: "dark-high-contrast".to_owned(),
            page_size: 48,
            email_digest: true,
            recently_viewed: vec![
                1_093_377, 88_412, 2_450_019, 731_006, 1_920_554, 64_208, 3_107_745, 918_263,
            ],
            last_search: "waterproof hiking boots women size 39".to_owned(),
        }),
        cart: vec![
            item(
                "BOOT-HK-3921-BRN",
                "Trailmaster GTX hiking boot",
                1,
                54_900,
                &["size:39", "color:chestnut", "width:regular"],
            ),
            item(
                "SOCK-MW-0440-GRY",
                "Merino wool crew socks (3-pack)",
                2,
                7_450,
                &["size:38-40", "color:heather grey"],
            ),
            item(
                "LACE-RP-0012",
                "Round paracord laces 120 cm",
                1,
                1_299,
                &["color:signal orange"],
            ),
            item(
                "WAX-BW-0087",
                "Beeswax leather conditioner 100 ml",
                1,
                3_490,
                &[],
            ),
            item(
                "GIFT-CARD-0250",
                "Gift card, printable",
                1,
                25_000,
                &[
                    "design:mountains",
                    "to:Tomasz",
                    "message:Happy birthday, see you on the trail!",
                ],
            ),
        ],
        ..small
    };
    if size == "medium" {
        return medium;
    }
    assert_eq!(size, "large", "unknown size {size}");
    let mut cart = medium.cart.clone();
    cart.extend([
        item(
            "TENT-UL-2P-2209",
            "Featherlite 2-person ultralight tent",
            1,
            189_900,
            &["color:olive", "footprint:yes"],
        ),
        item(
            "PAD-IN-R45-0311",
            "Insulated sleeping pad R4.5, regular wide",
            1,
            74_500,
            &["length:183", "width:64"],
        ),
        item(
            "STOVE-CN-0077",
            "Canister stove with piezo igniter",
            1,
            21_990,
            &[],
        ),
        item(
            "FUEL-IB-230",
            "Isobutane fuel canister 230 g",
            3,
            1_890,
            &["shipping:ground only"],
        ),
        item(
            "LAMP-HD-400-BLU",
            "Rechargeable headlamp 400 lm",
            1,
            12_350,
            &["color:cobalt"],
        ),
        item(
            "BOTT-TI-0750",
            "Titanium bottle 750 ml, engraved",
            2,
            15_800,
            &["engraving:M.K. 2024", "lid:loop"],
        ),
        item(
            "MAP-TOPO-TATRA",
            "Tatra mountains topo map 1:25 000",
            1,
            2_990,
            &["edition:2023", "waterproof:yes"],
        ),
    ]);
    let permissions = [
        "orders:read",
        "orders:create",
        "orders:refund:eu",
        "orders:refund:pl",
        "orders:export",
        "invoices:read",
        "invoices:write",
        "invoices:void",
        "customers:read",
        "customers:merge",
        "customers:pii:view",
        "catalog:read",
        "catalog:write",
        "catalog:publish",
        "pricing:read",
        "pricing:override:max-15pct",
        "inventory:read",
        "inventory:adjust:wh-krakow",
        "inventory:adjust:wh-gdansk",
        "shipments:read",
        "shipments:label:print",
        "shipments:cancel",
        "returns:read",
        "returns:approve",
        "returns:inspect",
        "support:tickets:read",
        "support:tickets:assign",
        "support:tickets:close",
        "support:macros:edit",
        "support:chat:join",
        "reports:sales:view",
        "reports:sales:export",
        "reports:finance:view",
        "reports:inventory:view",
        "marketing:campaigns:read",
        "marketing:coupons:create",
        "marketing:coupons:expire",
        "marketing:newsletter:send",
        "cms:pages:edit",
        "cms:banners:schedule",
        "cms:media:upload",
        "reviews:moderate",
        "reviews:reply",
        "loyalty:points:adjust",
        "loyalty:tiers:view",
        "giftcards:issue",
        "giftcards:void",
        "fraud:queue:review",
        "fraud:rules:view",
        "payments:capture",
        "payments:refund:partial",
        "payouts:view",
        "tax:rates:view",
        "audit:log:read",
        "users:invite",
        "users:roles:assign:support",
        "api-keys:rotate:own",
        "webhooks:test",
        "feature-flags:view",
        "project:7f3a91c2:deploy:staging",
        "project:7f3a91c2:logs:tail",
        "project:c04d5be8:read",
        "tenant:pl-wawa-02:switch",
        "tenant:de-ber-01:switch",
    ];
    SessionState {
        roles: strings(&[
            "editor",
            "billing",
            "support-tier2",
            "warehouse-lead",
            "campaign-manager",
        ]),
        cart,
        permissions: strings(&permissions),
        ..medium
    }
}

/// Another user's state of the same type, for `ours-dict`'s dictionary: the same fields, other
/// values (a support agent in Sweden with another cart and a smaller set of permissions, drawn
/// from the same permission vocabulary) — never the benchmarked value itself.
#[must_use]
pub fn dictionary_sample() -> SessionState {
    SessionState {
        user_id: 90_071,
        name: "jonas.lindqvist".to_owned(),
        roles: strings(&["support-tier1", "viewer"]),
        csrf: "Hk2mZq7Rb0cYt4Lw9XsVn1Pd6JfA8eUg".to_owned(),
        prefs: Some(Preferences {
            locale: "sv-SE".to_owned(),
            timezone: "Europe/Stockholm".to_owned(),
            currency: "SEK".to_owned(),
            theme: "light".to_owned(),
            page_size: 24,
            email_digest: false,
            recently_viewed: vec![2_208_431, 40_917, 1_187_005],
            last_search: "rain jacket men size L".to_owned(),
        }),
        cart: vec![
            item(
                "JACK-RN-2210-NVY",
                "Stormline 2.5-layer rain jacket",
                1,
                32_900,
                &["size:L", "color:navy"],
            ),
            item(
                "CAP-WL-0031",
                "Wool beanie, ribbed",
                2,
                2_490,
                &["color:charcoal"],
            ),
        ],
        permissions: strings(&[
            "orders:read",
            "orders:create",
            "customers:read",
            "catalog:read",
            "inventory:read",
            "shipments:read",
            "shipments:label:print",
            "returns:read",
            "returns:approve",
            "support:tickets:read",
            "support:tickets:assign",
            "support:tickets:close",
            "support:chat:join",
            "reports:sales:view",
            "reviews:reply",
            "loyalty:points:adjust",
            "giftcards:issue",
            "payments:refund:partial",
            "audit:log:read",
            "users:invite",
            "feature-flags:view",
            "project:5b21e0aa:logs:tail",
            "tenant:se-sto-01:switch",
        ]),
    }
}

// ---------------------------------------------------------------------------------------------
// The candidates
// ---------------------------------------------------------------------------------------------

/// One way to turn the state into a token and back. `open` includes the candidate's expiry
/// check, where it has one, and panics on any failure (a benchmark has no failures to handle).
pub trait Candidate {
    /// Seals `state` into a token (the cookie value, for a cookie).
    fn seal(&self, state: &SessionState) -> String;
    /// Opens `token`, checks expiry, and returns the state.
    fn open(&self, token: &str) -> SessionState;
}

/// Every candidate, by benchmark id, in table order.
#[must_use]
pub fn candidates() -> Vec<(&'static str, Box<dyn Candidate>)> {
    vec![
        ("ours", Box::new(Ours::auto())),
        ("ours-never", Box::new(Ours::never())),
        ("ours-dict", Box::new(Ours::dictionary())),
        #[cfg(feature = "jwt")]
        ("ours-jwe", Box::new(Ours::jwe())),
        ("cookie-private", Box::new(CookiePrivate::new())),
        ("pasetors-v4-local", Box::new(PasetoV4Local::new())),
        ("branca", Box::new(Branca::new())),
        ("jwt-hs256", Box::new(JwtHs256::new())),
        ("floor-ring", Box::new(FloorRing::new())),
        ("floor-rustcrypto", Box::new(FloorRustCrypto::new())),
    ]
}

fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    key
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// This crate.
struct Ours(Sealer);

impl Ours {
    /// Default settings: `Compression::Auto`.
    fn auto() -> Ours {
        Ours(Sealer::new(Key::generate(), "session"))
    }

    /// `Compression::Never`. Uncompressed, the large state's token is longer than the default
    /// limit of one cookie (4000 characters) and `seal` would refuse it; the limit is raised so
    /// that the uncompressed path can be timed at every size (in use, such a token would span
    /// two cookies).
    fn never() -> Ours {
        Ours(
            Sealer::builder(Key::generate(), "session")
                .with_compression(Compression::Never)
                .with_max_token_len(64 * 1024)
                .build()
                .expect("valid settings"),
        )
    }
}

impl Ours {
    /// Default settings, as a standard JWE.
    #[cfg(feature = "jwt")]
    fn jwe() -> Ours {
        Ours(
            Sealer::builder(Key::generate(), "session")
                .with_format(sealed_session::Format::Jwe)
                .build()
                .expect("valid settings"),
        )
    }

    /// Default settings and a dictionary made from another user's state of the same type.
    fn dictionary() -> Ours {
        let dictionary = Dictionary::from_sample(&dictionary_sample()).expect("serializes");
        Ours(
            Sealer::builder(Key::generate(), "session")
                .with_dictionary(dictionary)
                .build()
                .expect("valid settings"),
        )
    }
}

impl Candidate for Ours {
    fn seal(&self, state: &SessionState) -> String {
        self.0.seal(SUBJECT, state).expect("seal")
    }

    fn open(&self, token: &str) -> SessionState {
        self.0
            .open::<SessionState>(token)
            .expect("open")
            .into_state()
    }
}

/// What goes in the private cookie: the state and its expiry.
#[derive(Serialize, Deserialize)]
struct Expiring<T> {
    exp: u64,
    data: T,
}

/// The `cookie` crate's private jar, as axum-extra, actix-session and Rocket use it.
struct CookiePrivate(cookie::Key);

impl CookiePrivate {
    fn new() -> CookiePrivate {
        CookiePrivate(cookie::Key::generate())
    }
}

impl Candidate for CookiePrivate {
    fn seal(&self, state: &SessionState) -> String {
        let value = serde_json::to_string(&Expiring {
            exp: unix_secs() + TTL_SECS,
            data: state,
        })
        .expect("serialize");
        let mut jar = cookie::CookieJar::new();
        jar.private_mut(&self.0)
            .add(cookie::Cookie::new("session", value));
        jar.get("session").expect("just added").value().to_owned()
    }

    fn open(&self, token: &str) -> SessionState {
        // As a framework does per request: the jar holds the cookies the request came with.
        let mut jar = cookie::CookieJar::new();
        jar.add_original(cookie::Cookie::new("session", token.to_owned()));
        let cookie = jar.private(&self.0).get("session").expect("opens");
        let value: Expiring<SessionState> = serde_json::from_str(cookie.value()).expect("parse");
        assert!(value.exp >= unix_secs(), "expired");
        value.data
    }
}

/// PASETO v4.local (`pasetors`).
struct PasetoV4Local(pasetors::keys::SymmetricKey<pasetors::version4::V4>);

impl PasetoV4Local {
    fn new() -> PasetoV4Local {
        let key = pasetors::keys::SymmetricKey::from(&random_key()).expect("32-byte key");
        PasetoV4Local(key)
    }
}

impl Candidate for PasetoV4Local {
    fn seal(&self, state: &SessionState) -> String {
        let mut claims =
            pasetors::claims::Claims::new_expires_in(&Duration::from_secs(TTL_SECS)).expect("exp");
        claims.subject(SUBJECT).expect("sub");
        claims
            .add_additional("data", serde_json::to_value(state).expect("to value"))
            .expect("claim");
        pasetors::local::encrypt(&self.0, &claims, None, None).expect("encrypt")
    }

    fn open(&self, token: &str) -> SessionState {
        use pasetors::token::UntrustedToken;
        use pasetors::{Local, version4::V4};
        let rules = pasetors::claims::ClaimsValidationRules::new();
        let untrusted = UntrustedToken::<Local, V4>::try_from(token).expect("parse");
        let trusted =
            pasetors::local::decrypt(&self.0, &untrusted, &rules, None, None).expect("decrypt");
        let claims = trusted.payload_claims().expect("claims");
        SessionState::deserialize(claims.get_claim("data").expect("data")).expect("state")
    }
}

/// Branca (XChaCha20-Poly1305, base62).
struct Branca([u8; 32]);

impl Branca {
    fn new() -> Branca {
        Branca(random_key())
    }
}

impl Candidate for Branca {
    fn seal(&self, state: &SessionState) -> String {
        let json = serde_json::to_vec(state).expect("serialize");
        let now = u32::try_from(unix_secs()).expect("before 2106");
        branca::encode(&json, &self.0, now).expect("encode")
    }

    fn open(&self, token: &str) -> SessionState {
        let ttl = u32::try_from(TTL_SECS).expect("small TTL");
        let json = branca::decode(token, &self.0, ttl).expect("decode");
        serde_json::from_slice(&json).expect("parse")
    }
}

/// JWT claims for the HS256 candidate.
#[derive(Serialize, Deserialize)]
struct JwtClaims<T> {
    sub: String,
    exp: u64,
    data: T,
}

/// `jsonwebtoken` HS256: signed, readable by the client, not encrypted.
struct JwtHs256 {
    encoding: jsonwebtoken10::EncodingKey,
    decoding: jsonwebtoken10::DecodingKey,
    validation: jsonwebtoken10::Validation,
}

impl JwtHs256 {
    fn new() -> JwtHs256 {
        let secret = random_key();
        // Validates the signature, the algorithm and `exp` (required), with 60 s leeway.
        let validation = jsonwebtoken10::Validation::new(jsonwebtoken10::Algorithm::HS256);
        JwtHs256 {
            encoding: jsonwebtoken10::EncodingKey::from_secret(&secret),
            decoding: jsonwebtoken10::DecodingKey::from_secret(&secret),
            validation,
        }
    }
}

impl Candidate for JwtHs256 {
    fn seal(&self, state: &SessionState) -> String {
        let claims = JwtClaims {
            sub: SUBJECT.to_owned(),
            exp: unix_secs() + TTL_SECS,
            data: state,
        };
        let header = jsonwebtoken10::Header::new(jsonwebtoken10::Algorithm::HS256);
        jsonwebtoken10::encode(&header, &claims, &self.encoding).expect("encode")
    }

    fn open(&self, token: &str) -> SessionState {
        jsonwebtoken10::decode::<JwtClaims<SessionState>>(token, &self.decoding, &self.validation)
            .expect("decode")
            .claims
            .data
    }
}

/// The floor: JSON, XChaCha20-Poly1305 and base64url, nothing else (no envelope, no
/// compression, no expiry, no key id, no AAD), on the primitives this crate uses: HChaCha20 from
/// `chacha20` and ChaCha20-Poly1305 from `ring`. Token: `base64url(nonce ‖ ciphertext ‖ tag)`.
struct FloorRing([u8; 32]);

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Room for the largest state's token in one allocation, as our per-thread buffer has.
const FLOOR_CAPACITY: usize = NONCE_LEN + 4096 + TAG_LEN;

/// A fresh nonce from `rand::rng()`, and `nonce ‖ serde_json(state)` in one allocation with room
/// for the tag: what both floors encrypt in place after the nonce.
fn floor_plaintext(state: &SessionState) -> ([u8; NONCE_LEN], Vec<u8>) {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let mut binary = Vec::with_capacity(FLOOR_CAPACITY);
    binary.extend_from_slice(&nonce);
    serde_json::to_writer(&mut binary, state).expect("serialize");
    (nonce, binary)
}

impl FloorRing {
    fn new() -> FloorRing {
        FloorRing(random_key())
    }

    fn cipher(&self, nonce: &[u8; NONCE_LEN]) -> (ring::aead::LessSafeKey, ring::aead::Nonce) {
        let (head, tail) = nonce.split_at(16);
        let head: &[u8; 16] = head.try_into().expect("16 bytes");
        let subkey = chacha20::hchacha::<chacha20::R20>((&self.0).into(), head.into());
        let unbound = ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, &subkey)
            .expect("32-byte key");
        let mut inner = [0u8; 12];
        inner[4..].copy_from_slice(tail);
        (
            ring::aead::LessSafeKey::new(unbound),
            ring::aead::Nonce::assume_unique_for_key(inner),
        )
    }
}

impl Candidate for FloorRing {
    fn seal(&self, state: &SessionState) -> String {
        let (nonce, mut binary) = floor_plaintext(state);
        let (cipher, inner) = self.cipher(&nonce);
        let tag = cipher
            .seal_in_place_separate_tag(inner, ring::aead::Aad::empty(), &mut binary[NONCE_LEN..])
            .expect("seal");
        binary.extend_from_slice(tag.as_ref());
        URL_SAFE_NO_PAD.encode(&binary)
    }

    fn open(&self, token: &str) -> SessionState {
        let mut binary = URL_SAFE_NO_PAD.decode(token).expect("base64");
        let (nonce, rest) = binary.split_at_mut(NONCE_LEN);
        let nonce: &[u8; NONCE_LEN] = (&*nonce).try_into().expect("24 bytes");
        let (ciphertext, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
        let tag = ring::aead::Tag::from(<[u8; TAG_LEN]>::try_from(&*tag).expect("16 bytes"));
        let (cipher, inner) = self.cipher(nonce);
        cipher
            .open_in_place_separate_tag(inner, ring::aead::Aad::empty(), tag, ciphertext, 0..)
            .expect("open");
        serde_json::from_slice(ciphertext).expect("parse")
    }
}

/// The same floor on RustCrypto's `chacha20poly1305::XChaCha20Poly1305`, for reference.
struct FloorRustCrypto(chacha20poly1305::XChaCha20Poly1305);

impl FloorRustCrypto {
    fn new() -> FloorRustCrypto {
        use chacha20poly1305::KeyInit as _;
        FloorRustCrypto(chacha20poly1305::XChaCha20Poly1305::new(
            (&random_key()).into(),
        ))
    }
}

impl Candidate for FloorRustCrypto {
    fn seal(&self, state: &SessionState) -> String {
        use chacha20poly1305::AeadInOut as _;
        let (nonce, mut binary) = floor_plaintext(state);
        let tag = self
            .0
            .encrypt_inout_detached((&nonce).into(), b"", (&mut binary[NONCE_LEN..]).into())
            .expect("seal");
        binary.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(&binary)
    }

    fn open(&self, token: &str) -> SessionState {
        use chacha20poly1305::AeadInOut as _;
        let mut binary = URL_SAFE_NO_PAD.decode(token).expect("base64");
        let (nonce, rest) = binary.split_at_mut(NONCE_LEN);
        let (ciphertext, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
        let nonce: &[u8; NONCE_LEN] = (&*nonce).try_into().expect("nonce");
        let tag: &[u8; TAG_LEN] = (&*tag).try_into().expect("tag");
        self.0
            .decrypt_inout_detached(nonce.into(), b"", (&mut *ciphertext).into(), tag.into())
            .expect("open");
        serde_json::from_slice(ciphertext).expect("parse")
    }
}

// ---------------------------------------------------------------------------------------------
// Token sizes
// ---------------------------------------------------------------------------------------------

/// The attributes our cookie carries by default, after `session=<token>`.
pub const COOKIE_ATTRIBUTES: &str = "; Path=/; Max-Age=86400; HttpOnly; Secure; SameSite=Lax";

/// The length of the `Set-Cookie` header value for `token` with our default attributes.
#[must_use]
pub fn set_cookie_len(token: &str) -> usize {
    "session=".len() + token.len() + COOKIE_ATTRIBUTES.len()
}

/// Prints the token length of every candidate at every size, and whether it fits one cookie.
fn print_token_sizes(candidates: &[(&'static str, Box<dyn Candidate>)]) {
    println!("Token sizes (characters). Set-Cookie: session=<token>{COOKIE_ATTRIBUTES}");
    print!("| candidate         |");
    for size in SIZES {
        let json = serde_json::to_vec(&state(size)).expect("serialize").len();
        print!(" {size} ({json} B JSON) | fits 4096 |");
    }
    println!();
    println!("|---|---|---|---|---|---|---|");
    for (name, candidate) in candidates {
        print!("| {name:<17} |");
        for size in SIZES {
            let value = state(size);
            let token = candidate.seal(&value);
            assert_eq!(
                candidate.open(&token),
                value,
                "{name} round-trips at {size}"
            );
            let header = set_cookie_len(&token);
            let fits = if header <= 4096 { "yes" } else { "NO" };
            print!(" {} | {fits} ({header}) |", token.len());
        }
        println!();
    }
    println!();
}

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

fn configure<M: criterion::measurement::Measurement>(group: &mut criterion::BenchmarkGroup<M>) {
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sampling_mode(SamplingMode::Auto);
}

/// Branca's base62 is quadratic in the token length (milliseconds at the large size): fewer,
/// flat samples keep the run short.
fn configure_slow<M: criterion::measurement::Measurement>(
    group: &mut criterion::BenchmarkGroup<M>,
) {
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
}

fn bench_peers(c: &mut Criterion, candidates: &[(&'static str, Box<dyn Candidate>)]) {
    for size in SIZES {
        let value = state(size);
        let json_len = serde_json::to_vec(&value).expect("serialize").len();
        let tokens: Vec<String> = candidates
            .iter()
            .map(|(_, cand)| cand.seal(&value))
            .collect();

        for operation in ["seal+open", "seal", "open"] {
            let mut group = c.benchmark_group(format!("{size}/{operation}"));
            group.throughput(Throughput::Bytes(json_len as u64));
            for ((name, candidate), token) in candidates.iter().zip(&tokens) {
                configure(&mut group);
                if *name == "branca" {
                    configure_slow(&mut group);
                }
                match operation {
                    "seal+open" => group.bench_function(*name, |b| {
                        b.iter(|| candidate.open(&candidate.seal(black_box(&value))));
                    }),
                    "seal" => group.bench_function(*name, |b| {
                        b.iter(|| candidate.seal(black_box(&value)));
                    }),
                    _ => group.bench_function(*name, |b| {
                        b.iter(|| candidate.open(black_box(token)));
                    }),
                };
            }
            group.finish();
        }
    }
}

fn bench_cold_start(c: &mut Criterion) {
    let text = Key::generate().to_base64();
    let mut group = c.benchmark_group("cold-start");
    configure(&mut group);
    group.bench_function("sealer-from-base64-key", |b| {
        b.iter(|| Sealer::new(Key::from_base64(black_box(&text)).expect("key"), "session"));
    });
    group.finish();
}

/// Entry point (also reachable as `peers::main` where `allocations.rs` includes this file).
pub fn main() {
    let candidates = candidates();
    print_token_sizes(&candidates);
    let mut c = Criterion::default().configure_from_args();
    bench_cold_start(&mut c);
    bench_peers(&mut c, &candidates);
    c.final_summary();
}
