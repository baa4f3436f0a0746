//! TLS (RFC 5734): the rustls server configuration (ring provider), client certificates and
//! the identity taken from them, and the demo CA.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;
use sha2::{Digest, Sha256};

/// What a client's certificate says about it: its SHA-256 fingerprint (of the DER, 64
/// lowercase hex digits) and its subject (RFC 4514-style, as x509-parser renders it:
/// `CN=registrar1, O=Example`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCert {
    pub sha256: String,
    pub subject: String,
}

impl PeerCert {
    pub fn from_der(der: &[u8]) -> PeerCert {
        PeerCert {
            sha256: sha256_hex(der),
            subject: subject_of(der).unwrap_or_else(|e| format!("<{e}>")),
        }
    }
}

pub fn sha256_hex(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The subject of a DER certificate.
pub fn subject_of(der: &[u8]) -> Result<String, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
    Ok(cert.subject().to_string())
}

/// A SHA-256 fingerprint as people write it (`AB:CD:...`, `abcd...`, with `sha256:` or not),
/// as 64 lowercase hex digits.
pub fn normalize_fingerprint(s: &str) -> Result<String, String> {
    let s = s.trim();
    let s = s
        .strip_prefix("sha256:")
        .or_else(|| s.strip_prefix("SHA256:"))
        .or_else(|| s.strip_prefix("sha256 Fingerprint="))
        .or_else(|| s.strip_prefix("SHA256 Fingerprint="))
        .unwrap_or(s);
    let hex: String = s
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "{s:?} is not a SHA-256 fingerprint (64 hex digits, colons allowed)"
        ));
    }
    Ok(hex)
}

/// Every certificate of a PEM file.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{} holds no PEM certificate", path.display()));
    }
    Ok(certs)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| {
        format!(
            "cannot read a private key (PKCS#8, PKCS#1 or SEC1 PEM) from {}: {e}",
            path.display()
        )
    })
}

/// The server side: `cert` (the chain, leaf first) and `key`; with `client_ca`, clients must
/// present a certificate that CA signed.
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> Result<Arc<rustls::ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = load_certs(cert)?;
    let key = load_key(key)?;
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in load_certs(ca)? {
                roots
                    .add(c)
                    .map_err(|e| format!("--client-ca {}: {e}", ca.display()))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("--client-ca {}: {e}", ca.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder.with_single_cert(chain, key).map_err(|e| {
        format!(
            "TLS: the certificate {} and its key do not go together: {e}",
            cert.display()
        )
    })?;
    Ok(Arc::new(config))
}

// ---------------------------------------------------------------------------------------------
// the demo CA

/// The demo's files in the data directory.
#[derive(Debug, Clone)]
pub struct DemoCerts {
    /// The CA certificate clients trust (`D/ca.pem`).
    pub ca: PathBuf,
    /// The server certificate (for `localhost`, 127.0.0.1 and ::1) and its key.
    pub cert: PathBuf,
    pub key: PathBuf,
    /// What was done: "generated", "reused", ...
    pub what: &'static str,
}

/// A server certificate closer than this to its end is replaced.
const RENEW_BEFORE: time::Duration = time::Duration::days(30);

/// Makes sure the data directory holds a demo CA (`ca.pem`, `ca-key.pem`) and a server
/// certificate it signed for `localhost`, `127.0.0.1` and `::1` (`server.pem`,
/// `server-key.pem`). Existing files are reused; the server certificate is renewed with the
/// same CA when it nears its end.
pub fn ensure_demo_certs(dir: &Path) -> Result<DemoCerts, String> {
    let files = DemoCerts {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server-key.pem"),
        what: "reused",
    };
    let ca_key_path = dir.join("ca-key.pem");
    let server_ok = files.cert.is_file()
        && files.key.is_file()
        && files.ca.is_file()
        && load_certs(&files.cert)
            .ok()
            .and_then(|c| not_after(&c[0]))
            .is_some_and(|end| end - RENEW_BEFORE > time::OffsetDateTime::now_utc());
    if server_ok {
        return Ok(files);
    }
    let now = time::OffsetDateTime::now_utc();
    let (issuer, what) = if files.ca.is_file() && ca_key_path.is_file() {
        let ca_pem = read(&files.ca)?;
        let key = KeyPair::from_pem(&read(&ca_key_path)?)
            .map_err(|e| format!("{}: {e}", ca_key_path.display()))?;
        let issuer = Issuer::from_ca_cert_pem(&ca_pem, key)
            .map_err(|e| format!("{}: {e}", files.ca.display()))?;
        (issuer, "server certificate renewed")
    } else {
        let key = KeyPair::generate().map_err(|e| format!("demo CA: {e}"))?;
        let mut params =
            CertificateParams::new(Vec::<String>::new()).map_err(|e| format!("demo CA: {e}"))?;
        params
            .distinguished_name
            .push(DnType::CommonName, "eppd demo CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(3650);
        let cert = params
            .self_signed(&key)
            .map_err(|e| format!("demo CA: {e}"))?;
        write_private(&ca_key_path, &key.serialize_pem())?;
        write_file(&files.ca, &cert.pem(), false)?;
        (Issuer::new(params, key), "generated")
    };
    let key = KeyPair::generate().map_err(|e| format!("demo server certificate: {e}"))?;
    let mut params =
        CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into(), "::1".into()])
            .map_err(|e| format!("demo server certificate: {e}"))?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(397);
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(|e| format!("demo server certificate: {e}"))?;
    write_private(&files.key, &key.serialize_pem())?;
    write_file(&files.cert, &cert.pem(), false)?;
    Ok(DemoCerts { what, ..files })
}

fn not_after(der: &CertificateDer<'_>) -> Option<time::OffsetDateTime> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(cert.validity().not_after.to_datetime())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    write_file(path, text, true)
}

/// Writes through a temporary file renamed into place (never half a file).
fn write_file(path: &Path, text: &str, private: bool) -> Result<(), String> {
    let tmp = path.with_extension("pem.tmp");
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut f = o
        .open(&tmp)
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_normalized() {
        let h = "ab".repeat(32);
        assert_eq!(normalize_fingerprint(&h).unwrap(), h);
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(normalize_fingerprint(&colons).unwrap(), h);
        assert_eq!(
            normalize_fingerprint(&format!("sha256 Fingerprint={colons}")).unwrap(),
            h
        );
        assert_eq!(normalize_fingerprint(&format!("sha256:{h}")).unwrap(), h);
        assert!(normalize_fingerprint("abcd").is_err());
        assert!(normalize_fingerprint(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn demo_certs_are_made_once_and_load() {
        let dir = std::env::temp_dir().join(format!("eppd-tls-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let first = ensure_demo_certs(&dir).unwrap();
        assert_eq!(first.what, "generated");
        let ca = std::fs::read(&first.ca).unwrap();
        server_config(&first.cert, &first.key, None).unwrap();
        server_config(&first.cert, &first.key, Some(&first.ca)).unwrap();
        let again = ensure_demo_certs(&dir).unwrap();
        assert_eq!(again.what, "reused");
        assert_eq!(std::fs::read(&again.ca).unwrap(), ca);
        // Without the server certificate: a new one from the same CA.
        std::fs::remove_file(&first.cert).unwrap();
        let renewed = ensure_demo_certs(&dir).unwrap();
        assert_eq!(renewed.what, "server certificate renewed");
        assert_eq!(std::fs::read(&renewed.ca).unwrap(), ca);
        let leaf = &load_certs(&renewed.cert).unwrap()[0];
        let id = PeerCert::from_der(leaf);
        assert_eq!(id.subject, "CN=localhost");
        assert_eq!(id.sha256.len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&renewed.key)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "the key is private");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
