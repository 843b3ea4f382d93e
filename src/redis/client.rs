//! The Redis client of [`RedisSync`](super::RedisSync), from its URL: `redis://`, `rediss://`
//! (TLS) or `unix://` (and their `valkey` spellings).
//!
//! `rediss://` runs on rustls with `ring`'s cryptography. The server's certificate is always
//! verified, and must be for the URL's host (a name, or an IP address): against the CA
//! certificates of [`SyncOptions::tls_ca_pem`](super::SyncOptions::tls_ca_pem) when given, else
//! against the system's roots (read at each connection). Verification cannot be turned off: a
//! URL that asks for it (`#insecure`) is refused.
//!
//! The `redis` crate builds each connection's TLS settings with rustls's process-wide default
//! provider. When the process has none yet, `ring`'s is installed here — what rustls does by
//! itself when `ring` is the only provider built; in a build that also has `aws-lc-rs`, it keeps
//! the first connection from panicking. An application that wants another provider installs it
//! before it connects.

use ::redis::cluster::{ClusterClient, ClusterClientBuilder};
use ::redis::{Client, ConnectionAddr, ConnectionInfo, IntoConnectionInfo as _, TlsCertificates};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

use crate::Error;

/// A client for `url`, not connected yet. A `rediss://` URL verifies the server against the
/// certificates of `ca_pem`, or against the system's roots when it is `None`.
pub(super) fn client(url: &str, ca_pem: Option<&[u8]>) -> Result<Client, Error> {
    let info = url
        .into_connection_info()
        .map_err(|_| Error::Config("not a Redis URL (redis://, rediss:// or unix://)"))?;
    let tls = uses_tls(&info)?;
    let root_cert = root_certificates(tls, ca_pem)?;
    if !tls {
        return Client::open(info).map_err(|_| Error::Config("not a Redis URL"));
    }
    let certificates = TlsCertificates {
        client_tls: None,
        root_cert,
    };
    Client::build_with_tls(info, certificates)
        .map_err(|_| Error::Config("the Redis CA certificates are not valid certificates"))
}

/// A client for the Redis Cluster whose nodes include `nodes`: every URL `redis://`, or every
/// one `rediss://` (verified as [`client`] verifies it, with the same `ca_pem`).
pub(super) fn cluster_client(
    nodes: &[&str],
    ca_pem: Option<&[u8]>,
) -> Result<ClusterClient, Error> {
    let mut infos = Vec::with_capacity(nodes.len());
    let mut tls = false;
    for node in nodes {
        let info = node
            .into_connection_info()
            .map_err(|_| Error::Config("not a Redis URL (redis:// or rediss://)"))?;
        tls |= uses_tls(&info)?;
        infos.push(info);
    }
    let mut builder = ClusterClientBuilder::new(infos);
    if let Some(root_cert) = root_certificates(tls, ca_pem)? {
        builder = builder.certs(TlsCertificates {
            client_tls: None,
            root_cert: Some(root_cert),
        });
    }
    builder.build().map_err(|_| {
        Error::Config("not the URLs of one Redis Cluster (TCP, one user, one TLS mode)")
    })
}

/// Whether `info` asks for TLS; one that asks to skip the certificate's check is refused.
fn uses_tls(info: &ConnectionInfo) -> Result<bool, Error> {
    match info.addr() {
        ConnectionAddr::TcpTls { insecure: true, .. } => Err(Error::Config(
            "a rediss:// URL cannot turn off certificate verification (#insecure)",
        )),
        ConnectionAddr::TcpTls { .. } => Ok(true),
        _ => Ok(false),
    }
}

/// The CA certificates to verify a TLS server with (`None`: the system's roots), checked;
/// refused for a plain URL rather than ignored. For TLS, makes sure rustls has a provider.
fn root_certificates(tls: bool, ca_pem: Option<&[u8]>) -> Result<Option<Vec<u8>>, Error> {
    if !tls {
        return match ca_pem {
            Some(_) => Err(Error::Config(
                "the Redis CA certificates are for a rediss:// URL only",
            )),
            None => Ok(None),
        };
    }
    let root_cert = ca_pem.map(checked_pem).transpose()?;
    install_ring_unless_chosen();
    Ok(root_cert)
}

/// `pem`, if it holds at least one certificate and every certificate block decodes. (Other
/// blocks, such as a comment's, are skipped, as rustls does.)
fn checked_pem(pem: &[u8]) -> Result<Vec<u8>, Error> {
    let mut certificates = 0_usize;
    for certificate in CertificateDer::pem_slice_iter(pem) {
        certificate.map_err(|_| Error::Config("the Redis CA certificates are not PEM"))?;
        certificates += 1;
    }
    if certificates == 0 {
        return Err(Error::Config("the Redis CA certificates are not PEM"));
    }
    Ok(pem.to_vec())
}

/// Installs `ring` as rustls's process-wide provider, unless one is installed already.
fn install_ring_unless_chosen() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may install one first: either way, one is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(url: &str, ca_pem: Option<&[u8]>) -> String {
        match client(url, ca_pem) {
            Ok(_) => panic!("{url} was accepted"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn plain_tls_and_unix_urls_make_clients_without_connecting() {
        for url in [
            "redis://127.0.0.1:1/",
            "rediss://127.0.0.1:1/",
            "rediss://user:secret@cache.example:6380/2",
            "valkeys://cache.example/",
            "unix:///run/redis.sock",
        ] {
            assert!(client(url, None).is_ok(), "{url}");
        }
    }

    #[test]
    fn a_url_that_is_not_redis_is_a_configuration_error() {
        for url in ["", "127.0.0.1:6379", "http://127.0.0.1/", "rediss://"] {
            assert!(refusal(url, None).starts_with("invalid configuration: not a Redis URL"));
        }
    }

    #[test]
    fn cluster_urls_are_checked_as_one_server_s_are() {
        let nodes = ["redis://127.0.0.1:7000/", "redis://127.0.0.1:7001/"];
        assert!(cluster_client(&nodes, None).is_ok());
        assert!(cluster_client(&["rediss://cache.example:7000/"], None).is_ok());
        let refused = |nodes: &[&str], ca: Option<&[u8]>| match cluster_client(nodes, ca) {
            Ok(_) => panic!("{nodes:?} was accepted"),
            Err(error) => error.to_string(),
        };
        assert_eq!(
            refused(&["rediss://127.0.0.1:7000/#insecure"], None),
            "invalid configuration: a rediss:// URL cannot turn off certificate verification \
             (#insecure)"
        );
        assert!(refused(&["http://127.0.0.1/"], None).contains("not a Redis URL"));
        assert!(refused(&["unix:///run/redis.sock"], None).contains("one Redis Cluster"));
        assert!(
            refused(
                &["redis://127.0.0.1:7000/", "rediss://127.0.0.1:7001/"],
                None
            )
            .contains("one TLS mode")
        );
        assert!(refused(&[], None).contains("one Redis Cluster"));
        let pem = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(refused(&nodes, Some(pem)).contains("rediss:// URL only"));
        assert!(refused(&["rediss://127.0.0.1:7000/"], Some(b"nope")).contains("not PEM"));
    }

    #[test]
    fn certificate_verification_cannot_be_turned_off() {
        assert_eq!(
            refusal("rediss://127.0.0.1:6380/#insecure", None),
            "invalid configuration: a rediss:// URL cannot turn off certificate verification \
             (#insecure)"
        );
    }

    #[test]
    fn a_ca_for_a_plain_url_is_refused_rather_than_ignored() {
        let pem = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        for url in ["redis://127.0.0.1/", "unix:///run/redis.sock"] {
            assert_eq!(
                refusal(url, Some(pem)),
                "invalid configuration: the Redis CA certificates are for a rediss:// URL only"
            );
        }
    }

    #[test]
    fn a_ca_that_is_not_pem_is_a_configuration_error() {
        let not_pem: [&[u8]; 4] = [
            b"",
            b"not a certificate",
            b"-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ];
        for pem in not_pem {
            assert_eq!(
                refusal("rediss://127.0.0.1/", Some(pem)),
                "invalid configuration: the Redis CA certificates are not PEM",
                "{pem:?}"
            );
        }
        // PEM, but its bytes are no certificate.
        let pem = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(
            refusal("rediss://127.0.0.1/", Some(pem)),
            "invalid configuration: the Redis CA certificates are not valid certificates"
        );
    }
}
