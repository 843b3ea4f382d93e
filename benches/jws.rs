//! Signed JWTs: this crate's `JwsIssuer`/`JwsVerifier` against `jsonwebtoken` used directly
//! (`encode`, and `decode` with a `Validation` for the same issuer, audience and expiry), for
//! HS256 and EdDSA, on the same claims, in one run.
//!
//! Both sides run the same cryptography: the provider this crate installs in `jsonwebtoken`
//! (HS256 on `hmac`, EdDSA on `ed25519-dalek`), so the ratio is what this crate's checks cost
//! (strict base64 and header, the key's algorithm, claims read once with integer times, a
//! fresh `jti` from the OS). Groups: `jws-<alg>/issue` and `jws-<alg>/verify`, ids `ours` and
//! `jsonwebtoken`. Before criterion runs, the token sizes are printed.
//!
//! Run in `benches/`: `cargo bench --bench jws`.

use std::hint::black_box;

use criterion::Criterion;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sealed_session::jwt::{JwsIssuer, JwsSigningKey, JwsVerifier, VerifyingKeys};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

const SECRET: [u8; 32] = [0x5a; 32];
const SEED: [u8; 32] = [0x11; 32];
/// The PKCS#8 v1 prefix of an Ed25519 private key, for `jsonwebtoken`'s own key.
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The application's claims, beside the registered ones.
#[derive(Clone, Serialize, Deserialize)]
struct Custom {
    scope: String,
    roles: Vec<String>,
}

/// What `jsonwebtoken` signs: the same registered claims as ours.
#[derive(Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: String,
    iat: i64,
    exp: i64,
    jti: String,
    auth_time: i64,
    scope: String,
    roles: Vec<String>,
}

fn custom() -> Custom {
    Custom {
        scope: "orders:read orders:write".to_owned(),
        roles: vec!["reader".to_owned(), "writer".to_owned()],
    }
}

struct Side {
    name: &'static str,
    issuer: JwsIssuer,
    verifier: JwsVerifier,
    encoding: EncodingKey,
    decoding: DecodingKey,
    algorithm: Algorithm,
}

fn sides() -> Vec<Side> {
    let ed = JwsSigningKey::ed25519_from_seed(&SEED);
    let public = ed.ed25519_public_key().expect("Ed25519");
    let keys = VerifyingKeys::new()
        .with_hs256("hs", &SECRET)
        .and_then(|keys| keys.with_ed25519("ed", &public))
        .expect("keys");
    let verifier = || JwsVerifier::new(keys.clone(), "auth", "orders");
    let mut der = PKCS8_PREFIX.to_vec();
    der.extend_from_slice(&SEED);
    vec![
        Side {
            name: "jws-hs256",
            issuer: JwsIssuer::new(JwsSigningKey::hs256(&SECRET).expect("secret"), "auth")
                .with_kid("hs"),
            verifier: verifier(),
            encoding: EncodingKey::from_secret(&SECRET).expect("secret"),
            decoding: DecodingKey::from_secret(&SECRET).expect("secret"),
            algorithm: Algorithm::HS256,
        },
        Side {
            name: "jws-eddsa",
            issuer: JwsIssuer::new(ed, "auth").with_kid("ed"),
            verifier: verifier(),
            encoding: EncodingKey::from_ed_der(&der),
            decoding: DecodingKey::from_ed_der(&public),
            algorithm: Algorithm::EdDSA,
        },
    ]
}

fn direct_encode(side: &Side) -> String {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let claims = Claims {
        iss: "auth".to_owned(),
        sub: "user-42".to_owned(),
        aud: "orders".to_owned(),
        iat: now,
        exp: now + 300,
        jti: "AAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        auth_time: now,
        scope: custom().scope,
        roles: custom().roles,
    };
    let mut header = Header::new(side.algorithm);
    header.kid = Some(
        if side.algorithm == Algorithm::HS256 {
            "hs"
        } else {
            "ed"
        }
        .to_owned(),
    );
    jsonwebtoken::encode(&header, &claims, &side.encoding).expect("encode")
}

fn direct_decode(side: &Side, validation: &Validation, token: &str) -> Claims {
    jsonwebtoken::decode::<Claims>(token, &side.decoding, validation)
        .expect("decode")
        .claims
}

fn main() {
    let sides = sides();
    // Our first use installs the provider both sides then use.
    let first = sides[0]
        .issuer
        .issue("user-42", "orders", &custom())
        .expect("issue");
    println!("Token sizes (characters):");
    for side in &sides {
        let ours = side
            .issuer
            .issue("user-42", "orders", &custom())
            .expect("issue");
        let direct = direct_encode(side);
        println!(
            "  {:<10} ours {:>4}, jsonwebtoken {:>4}",
            side.name,
            ours.len(),
            direct.len()
        );
    }
    drop(first);

    let mut criterion = Criterion::default().configure_from_args();
    for side in &sides {
        let mut validation = Validation::new(side.algorithm);
        validation.set_issuer(&["auth"]);
        validation.set_audience(&["orders"]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let ours_token = side
            .issuer
            .issue("user-42", "orders", &custom())
            .expect("issue");
        let direct_token = direct_encode(side);
        let mut group = criterion.benchmark_group(side.name);
        group.bench_function("issue/ours", |b| {
            b.iter(|| {
                side.issuer
                    .issue(black_box("user-42"), "orders", &custom())
                    .expect("issue")
            });
        });
        group.bench_function("issue/jsonwebtoken", |b| {
            b.iter(|| direct_encode(black_box(side)))
        });
        group.bench_function("verify/ours", |b| {
            b.iter(|| {
                side.verifier
                    .verify::<Custom>(black_box(&ours_token))
                    .expect("verify")
            });
        });
        group.bench_function("verify/jsonwebtoken", |b| {
            b.iter(|| direct_decode(side, &validation, black_box(&direct_token)));
        });
        group.finish();
    }
    criterion.final_summary();
}
