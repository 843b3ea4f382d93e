//! One fetch of a JWK Set: a GET over HTTPS (plain HTTP only to a loopback address), that
//! follows redirects only within the URL's origin, reads at most a set length of body, and
//! gives up after a timeout. It holds no lock: the caller runs it outside every lock.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_LENGTH, IF_NONE_MATCH, LOCATION};
use http::{HeaderValue, Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

use super::cache_control::Freshness;
use super::options::RemoteKeySetOptions;
use crate::Error;
use crate::jwt::VerifyingKeys;

/// The most redirects followed (each within the URL's origin).
const MAX_REDIRECTS: usize = 3;

/// What a fetch brought.
pub(crate) enum Fetched {
    /// `304 Not Modified`: the set in hand is still the issuer's.
    NotModified(Freshness),
    /// A new set, with its caching headers.
    Set(VerifyingKeys, Freshness),
}

/// Why a fetch failed: logged, and kept for [`super::RemoteKeySet::status`]; never sent to a
/// client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FetchError {
    #[error("no complete response within {0} ms")]
    Timeout(u128),
    #[error("the request failed: {0}")]
    Request(String),
    #[error("the issuer answered {0}")]
    Status(u16),
    #[error("redirected to another origin ({0}): refused")]
    OtherOrigin(String),
    #[error("a redirect without a usable Location")]
    BadRedirect,
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("the document is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the document is not a usable JWK Set: {0}")]
    NotAJwkSet(String),
}

/// Fetches one URL's JWK Set.
pub(crate) struct Fetcher {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    url: Uri,
    max_document_len: usize,
    timeout: std::time::Duration,
}

/// The scheme, host and port of a URL, lower-cased, the port made explicit.
fn origin(url: &Uri) -> Option<(String, String, u16)> {
    let scheme = url.scheme_str()?.to_ascii_lowercase();
    let host = url.host()?.to_ascii_lowercase();
    let port = url
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    Some((scheme, host, port))
}

/// Whether `host` is this machine: plain HTTP is allowed to it alone (a test, a sidecar).
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

impl Fetcher {
    /// A fetcher of `url`, checked: an absolute `https://` URL, or `http://` to a loopback
    /// address.
    pub(crate) fn new(url: &str, options: &RemoteKeySetOptions) -> Result<Fetcher, Error> {
        let url: Uri = url
            .parse()
            .map_err(|_| Error::Config("the key set URL is not a URL"))?;
        let (scheme, host, _) =
            origin(&url).ok_or(Error::Config("the key set URL must be absolute"))?;
        match scheme.as_str() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(Error::Config(
                    "the key set URL must be https (plain http only to a loopback address)",
                ));
            }
            _ => return Err(Error::Config("the key set URL must be https")),
        }
        let mut roots = rustls::RootCertStore::empty();
        match &options.ca_pem {
            Some(pem) => {
                for certificate in CertificateDer::pem_slice_iter(pem) {
                    let certificate = certificate
                        .map_err(|_| Error::Config("the CA certificates are not PEM"))?;
                    roots
                        .add(certificate)
                        .map_err(|_| Error::Config("a CA certificate cannot be used"))?;
                }
            }
            // Plain HTTP to this machine needs no roots (a redirect may not change the
            // scheme): the system's store is read only for HTTPS.
            None if scheme == "http" => {}
            None => {
                // Certificates the system has that rustls cannot read are left out, as
                // browsers do; an empty store fails below.
                for certificate in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(certificate);
                }
            }
        }
        if roots.is_empty() && scheme == "https" {
            return Err(Error::Config(
                "no trusted root certificates: install the system's CA bundle, or give the CA",
            ));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| Error::Config("TLS settings"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(options.timeout));
        http.set_nodelay(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(std::time::Duration::from_secs(90))
            .build(connector);
        Ok(Fetcher {
            client,
            url,
            max_document_len: options.max_document_len,
            timeout: options.timeout,
        })
    }

    /// Fetches the set, revalidating `etag` when one is in hand; the whole exchange, redirects
    /// and body included, within the timeout.
    pub(crate) async fn fetch(&self, etag: Option<&str>) -> Result<Fetched, FetchError> {
        match tokio::time::timeout(self.timeout, self.follow(etag)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(self.timeout.as_millis())),
        }
    }

    async fn follow(&self, etag: Option<&str>) -> Result<Fetched, FetchError> {
        let home = origin(&self.url);
        let mut url = self.url.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut request = Request::get(url.clone())
                .header(
                    ACCEPT,
                    HeaderValue::from_static("application/jwk-set+json, application/json"),
                )
                .body(Empty::new())
                .map_err(|error| FetchError::Request(error.to_string()))?;
            if let Some(tag) = etag.and_then(|tag| HeaderValue::from_str(tag).ok()) {
                request.headers_mut().insert(IF_NONE_MATCH, tag);
            }
            let response = self
                .client
                .request(request)
                .await
                .map_err(|error| FetchError::Request(error_chain(&error)))?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let next = redirect_target(&url, response.headers().get(LOCATION))?;
                if origin(&next) != home {
                    return Err(FetchError::OtherOrigin(next.to_string()));
                }
                url = next;
                continue;
            }
            let freshness = Freshness::of(response.headers());
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Fetched::NotModified(freshness));
            }
            if status != StatusCode::OK {
                return Err(FetchError::Status(status.as_u16()));
            }
            let declared = response
                .headers()
                .get(CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok())
                .and_then(|text| text.parse::<u64>().ok());
            if declared.is_some_and(|length| length > self.max_document_len as u64) {
                return Err(FetchError::TooLarge(self.max_document_len));
            }
            let body = Limited::new(response.into_body(), self.max_document_len)
                .collect()
                .await
                .map_err(|error| {
                    if error.is::<http_body_util::LengthLimitError>() {
                        FetchError::TooLarge(self.max_document_len)
                    } else {
                        FetchError::Request(error.to_string())
                    }
                })?
                .to_bytes();
            let text = std::str::from_utf8(&body)
                .map_err(|_| FetchError::NotAJwkSet("not UTF-8".to_owned()))?;
            let keys = VerifyingKeys::from_jwk_set(text)
                .map_err(|error| FetchError::NotAJwkSet(error.to_string()))?;
            return Ok(Fetched::Set(keys, freshness));
        }
        Err(FetchError::TooManyRedirects)
    }
}

/// The URL a redirect points to: an absolute URL, or a path from the root of `from`'s origin.
fn redirect_target(from: &Uri, location: Option<&HeaderValue>) -> Result<Uri, FetchError> {
    let location = location
        .and_then(|value| value.to_str().ok())
        .ok_or(FetchError::BadRedirect)?;
    if location.starts_with('/') && !location.starts_with("//") {
        let authority = from.authority().ok_or(FetchError::BadRedirect)?;
        let scheme = from.scheme_str().ok_or(FetchError::BadRedirect)?;
        return format!("{scheme}://{authority}{location}")
            .parse()
            .map_err(|_| FetchError::BadRedirect);
    }
    let target: Uri = location.parse().map_err(|_| FetchError::BadRedirect)?;
    if target.scheme().is_none() || target.host().is_none() {
        return Err(FetchError::BadRedirect);
    }
    Ok(target)
}

/// An error and its sources, on one line: hyper's top error alone says only "client error".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        let options = RemoteKeySetOptions::default();
        for refused in [
            "http://auth.example/jwks.json",
            "ftp://auth.example/jwks.json",
            "/jwks.json",
            "not a url",
        ] {
            assert!(
                matches!(Fetcher::new(refused, &options), Err(Error::Config(_))),
                "{refused}"
            );
        }
        for allowed in [
            "http://127.0.0.1:8080/jwks.json",
            "http://[::1]:8080/jwks.json",
            "http://localhost/jwks.json",
        ] {
            assert!(Fetcher::new(allowed, &options).is_ok(), "{allowed}");
        }
    }

    #[test]
    fn redirects_resolve_to_absolute_urls() {
        let from: Uri = "https://auth.example:8443/a/jwks".parse().expect("a URL");
        let value = |text: &'static str| HeaderValue::from_static(text);
        assert_eq!(
            redirect_target(&from, Some(&value("/b/jwks")))
                .expect("a path")
                .to_string(),
            "https://auth.example:8443/b/jwks"
        );
        assert_eq!(
            origin(
                &redirect_target(&from, Some(&value("//evil.example/x"))).unwrap_or(from.clone())
            ),
            origin(&from),
            "a scheme-relative URL is refused, not followed"
        );
        assert!(redirect_target(&from, Some(&value("//evil.example/x"))).is_err());
        assert!(redirect_target(&from, Some(&value("b/jwks"))).is_err());
        assert!(redirect_target(&from, None).is_err());
        let elsewhere =
            redirect_target(&from, Some(&value("https://evil.example/jwks"))).expect("absolute");
        assert_ne!(origin(&elsewhere), origin(&from));
        let upper =
            redirect_target(&from, Some(&value("HTTPS://AUTH.EXAMPLE:8443/c"))).expect("absolute");
        assert_eq!(
            origin(&upper),
            origin(&from),
            "origins compare without case"
        );
    }
}
