//! `loadgen floor`: the transport floor. A minimal tokio server, plain or TLS, that sends a
//! fixed greeting and answers every frame with a fixed frame: what eppd's figures are
//! compared with (the same sockets, TLS, runtime and client, without the EPP work).

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// `loadgen floor` flags.
#[derive(Debug, clap::Args)]
pub struct FloorArgs {
    /// Address to listen on (port 0: a free port). Prints `floor listening on ADDR` on stdout.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: String,

    /// Serve TLS with this certificate chain (PEM), e.g. eppd --demo's DIR/server.pem.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// The private key of --tls-cert (PEM), e.g. DIR/server-key.pem.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Runtime worker threads (0: one per core, as eppd).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

const GREETING: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#,
    r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><greeting><svID>floor</svID>"#,
    r#"<svDate>2026-01-01T00:00:00.0Z</svDate><svcMenu><version>1.0</version><lang>en</lang>"#,
    r#"<objURI>urn:ietf:params:xml:ns:domain-1.0</objURI></svcMenu><dcp><access><all/></access>"#,
    r#"<statement><purpose><admin/><prov/></purpose><recipient><ours/><public/></recipient>"#,
    r#"<retention><stated/></retention></statement></dcp></greeting></epp>"#
);

const RESPONSE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#,
    r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000">"#,
    r#"<msg>Command completed successfully</msg></result><trID><svTRID>floor-1</svTRID>"#,
    r#"</trID></response></epp>"#
);

fn framed(xml: &str) -> Vec<u8> {
    let mut v = ((xml.len() + 4) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(xml.as_bytes());
    v
}

/// Whether `frame` holds `<hello` (the one thing the floor looks at: the client engine
/// expects a greeting for a hello and a response for anything else).
fn is_hello(frame: &[u8]) -> bool {
    frame.windows(6).any(|w| w == b"<hello")
}

/// Largest frame the floor accepts (the connection is dropped beyond it).
const MAX_FRAME: usize = 1 << 20;

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    greeting: Arc<Vec<u8>>,
    response: Arc<Vec<u8>>,
) -> std::io::Result<()> {
    stream.write_all(&greeting).await?;
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let mut out: Vec<u8> = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut at = 0;
        while buf.len() - at >= 4 {
            let len = u32::from_be_bytes(buf[at..at + 4].try_into().unwrap()) as usize;
            if !(5..=MAX_FRAME).contains(&len) {
                return Ok(());
            }
            if buf.len() - at < len {
                break;
            }
            let frame = &buf[at + 4..at + len];
            out.extend_from_slice(if is_hello(frame) {
                &greeting
            } else {
                &response
            });
            at += len;
        }
        buf.drain(..at);
        if !out.is_empty() {
            stream.write_all(&out).await?;
            out.clear();
        }
    }
}

/// Runs `loadgen floor` until killed.
pub fn main(args: FloorArgs) -> Result<(), String> {
    crate::raise_nofile(1 << 20);
    let acceptor = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("--tls-cert {}: {e}", cert.display()))?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| format!("--tls-key {}: {e}", key.display()))?;
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS: {e}"))?
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .map_err(|e| format!("TLS: {e}"))?;
            Some(TlsAcceptor::from(Arc::new(config)))
        }
        _ => None,
    };
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if args.threads > 0 {
        rt.worker_threads(args.threads);
    }
    let rt = rt
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    rt.block_on(async move {
        let listener = TcpListener::bind(&args.listen)
            .await
            .map_err(|e| format!("--listen {}: {e}", args.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "floor listening on {addr}");
            let _ = out.flush();
        }
        let greeting = Arc::new(framed(GREETING));
        let response = Arc::new(framed(RESPONSE));
        loop {
            let (sock, _) = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("floor: accept: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = sock.set_nodelay(true);
            let (g, r) = (greeting.clone(), response.clone());
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = match acceptor {
                    Some(a) => match a.accept(sock).await {
                        Ok(tls) => serve(tls, g, r).await,
                        Err(e) => Err(e),
                    },
                    None => serve(sock, g, r).await,
                };
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_frames_are_what_the_client_engine_reads() {
        use epp::client::{parse_server_frame, ServerFrame};
        assert!(matches!(
            parse_server_frame(GREETING.as_bytes()),
            Ok(ServerFrame::Greeting(_))
        ));
        match parse_server_frame(RESPONSE.as_bytes()) {
            Ok(ServerFrame::Response(r)) => {
                assert_eq!(r.code(), epp::ResultCode::Success);
                assert_eq!(r.sv_trid.as_deref(), Some("floor-1"));
                assert_eq!(r.cl_trid, None);
            }
            other => panic!("{other:?}"),
        }
        assert!(is_hello(b"<epp><hello/></epp>"));
        assert!(!is_hello(
            b"<epp><command><poll op=\"req\"/></command></epp>"
        ));
    }
}
