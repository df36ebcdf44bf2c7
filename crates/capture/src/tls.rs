//! TLS for capture: a rustls client (ring provider, Mozilla roots from `webpki-roots`
//! plus caller-supplied roots) whose certificate verifier records the chain the server
//! presented — also when verification fails — so the chain is evidence either way.

use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Error, ErrorCode, Result};

/// What the verifier saw.
#[derive(Debug, Default, Clone)]
pub(crate) struct Seen {
    pub chain: Vec<Vec<u8>>,
    pub error: Option<String>,
}

#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    accept_invalid: bool,
    pub seen: Mutex<Seen>,
}

pub(crate) fn provider() -> Arc<CryptoProvider> {
    static P: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    P.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

fn mozilla_roots() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let result = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if let Ok(mut seen) = self.seen.lock() {
            seen.chain = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| c.as_ref().to_vec())
                .collect();
            seen.error = result.as_ref().err().map(|e| e.to_string());
        }
        match result {
            Ok(v) => Ok(v),
            Err(_) if self.accept_invalid => Ok(ServerCertVerified::assertion()),
            Err(e) => Err(e),
        }
    }

    // The handshake signature is always checked, even in accept-invalid mode: it proves
    // the server holds the key of the certificate we record.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A client config for one connection, and its verifier to read the chain from.
pub(crate) fn client_config(
    extra_roots_der: &[Vec<u8>],
    accept_invalid: bool,
) -> Result<(Arc<rustls::ClientConfig>, Arc<RecordingVerifier>)> {
    let tls_err = |e: rustls::Error| Error::new(ErrorCode::TlsError, format!("TLS setup: {e}"));
    let mut roots = mozilla_roots();
    for der in extra_roots_der {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(tls_err)?;
    }
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map_err(|e| Error::new(ErrorCode::TlsError, format!("TLS setup: {e}")))?;
    let verifier = Arc::new(RecordingVerifier {
        inner,
        accept_invalid,
        seen: Mutex::new(Seen::default()),
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    // We speak HTTP/1.1 only, so the WARC holds the bytes as they went over the wire.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((Arc::new(config), verifier))
}
