//! Offline verification of RFC 3161 timestamp tokens.
//!
//! Checks, in this order (the first failure is the error returned):
//! 1. structure: `ContentInfo` → `SignedData` with `id-ct-TSTInfo` content, one signer
//!    (`malformed`);
//! 2. the signed `messageDigest` attribute equals the digest of the encapsulated TSTInfo
//!    (`content_digest_mismatch`) and the `contentType` attribute is `id-ct-TSTInfo`;
//! 3. the signature over the DER `SET OF` signed attributes verifies with the signer
//!    certificate's key: RSA PKCS#1 v1.5, RSA-PSS, ECDSA P-256/P-384, with SHA-256/384/512
//!    (`bad_signature`);
//! 4. the signer certificate has a critical extended key usage that is exactly
//!    `id-kp-timeStamping` (`not_timestamping_cert`);
//! 5. the ESS `SigningCertificate`/`SigningCertificateV2` attribute names that very
//!    certificate (`signer_cert_mismatch`);
//! 6. a chain from the signer certificate to a caller-supplied trust anchor, every
//!    signature along it valid, every certificate valid at `genTime`, issuers are CAs
//!    (`untrusted_chain`); [`verify_token_unanchored`] skips only this step;
//! 7. the message imprint is SHA-256 of the expected digest (`imprint_mismatch`);
//! 8. the nonce is echoed (`nonce_mismatch`).
//!
//! Integrity comes before meaning on purpose: a tampered token reports the tampering, and
//! `imprint_mismatch` is only ever said of a genuine token for another digest.
//!
//! Not checked (documented limits): revocation (CRL/OCSP), name constraints, path-length
//! constraints, certificate policies. Names are compared as decoded DER, not with the
//! RFC 5280 case-folding rules.

use der::asn1::{Any, Int, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Tag, Tagged};
use sha2::Digest as _;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier};

use crate::asn1::{
    Attribute, ContentInfo, EssCertIdV2, IssuerAndSerialNumber, IssuerSerial, RsaPssParams,
    SignedData, SignerInfo, SigningCertificate, SigningCertificateV2, TimeStampResp, TstInfo,
    first_element_of_sequence, oid,
};
use crate::error::{Error, Result};
use crate::request::{Digest, strip_leading_zeros};

/// Longest certificate chain we follow (signer … anchor).
const MAX_CHAIN_LEN: usize = 8;

/// A certificate with the exact DER it was parsed from (hashes are over these bytes).
#[derive(Clone, Debug)]
struct ParsedCert {
    der: Vec<u8>,
    cert: Certificate,
}

impl ParsedCert {
    fn from_der(der: &[u8]) -> Result<Self> {
        let cert = Certificate::from_der(der)?;
        Ok(ParsedCert {
            der: der.to_vec(),
            cert,
        })
    }

    fn sha256(&self) -> [u8; 32] {
        sha2::Sha256::digest(&self.der).into()
    }

    fn subject(&self) -> String {
        self.cert.tbs_certificate().subject().to_string()
    }
}

/// The certificates a caller trusts as roots for timestamp authorities.
///
/// A trust anchor ends a chain: its own signature and issuer are not checked, but its
/// validity period must cover `genTime`.
#[derive(Clone, Debug, Default)]
pub struct TrustAnchors {
    certs: Vec<ParsedCert>,
}

impl TrustAnchors {
    /// No anchors: every token fails with `untrusted_chain`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add one DER certificate.
    pub fn add_der(&mut self, der: &[u8]) -> Result<()> {
        self.certs.push(ParsedCert::from_der(der)?);
        Ok(())
    }

    /// Parse one or more PEM `CERTIFICATE` blocks.
    pub fn from_pem(pem: &[u8]) -> Result<Self> {
        let mut anchors = Self::new();
        for cert in Certificate::load_pem_chain(pem)? {
            anchors.add_der(&cert.to_der()?)?;
        }
        if anchors.certs.is_empty() {
            return Err(Error::Malformed("no certificate in PEM input".into()));
        }
        Ok(anchors)
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// Whether there are no anchors.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}

/// What the caller asked for, to compare the token against.
#[derive(Clone, Copy, Debug)]
pub struct Expectation<'a> {
    /// SHA-256 of the evidence.
    pub digest: &'a Digest,
    /// The nonce sent in the request (unsigned big-endian), or `None` when verifying a
    /// stored token whose request nonce is not known (e.g. in a bundle): then the nonce
    /// is reported but not checked.
    pub nonce: Option<&'a [u8]>,
}

/// What a verified token proves.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct VerifiedTimestamp {
    /// `genTime` from the token, in UTC (fractional seconds kept).
    pub gen_time: OffsetDateTime,
    /// Token serial number (big-endian, as encoded).
    pub serial: Vec<u8>,
    /// The `tsa` name from the token if present (RFC 4514 form for directory names).
    pub tsa_name: Option<String>,
    /// Subject of the signer certificate (RFC 4514).
    pub signer_subject: String,
    /// TSA policy OID, dotted.
    pub policy: String,
    /// The stamped SHA-256 digest.
    pub digest: Digest,
    /// The nonce in the token (unsigned big-endian), if any.
    pub nonce: Option<Vec<u8>>,
    /// The authority's stated accuracy of `gen_time` in microseconds, if given
    /// (the true time lies within `gen_time ± accuracy`).
    pub accuracy_micros: Option<u64>,
    /// SHA-256 of the signer certificate's DER.
    pub signer_cert_sha256: [u8; 32],
    /// SHA-256 of each certificate from the signer (first) to the trust anchor (last);
    /// empty when the chain was not checked ([`verify_token_unanchored`]).
    pub chain_sha256: Vec<[u8; 32]>,
}

/// A token fresh from the authority, already verified.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Stamp {
    /// DER of the `TimeStampToken` (CMS `ContentInfo`): what to store with the evidence.
    pub token_der: Vec<u8>,
    /// What the token proves.
    pub verified: VerifiedTimestamp,
}

/// Check the `PKIStatusInfo` of a `TimeStampResp` and return the DER of its token.
pub fn token_from_response(response_der: &[u8]) -> Result<Vec<u8>> {
    let resp = TimeStampResp::from_der(response_der)?;
    // 0 = granted, 1 = grantedWithMods; anything else carries no token.
    if resp.status.status > 1 {
        let mut text = resp.status.status_string.unwrap_or_default().join("; ");
        if let Some(bits) = resp.status.fail_info {
            let set: Vec<String> = bits
                .bits()
                .enumerate()
                .filter(|(_, b)| *b)
                .map(|(i, _)| fail_info_name(i).to_string())
                .collect();
            if !text.is_empty() {
                text.push_str("; ");
            }
            text.push_str(&format!("failInfo: {}", set.join(",")));
        }
        return Err(Error::NotGranted {
            status: resp.status.status,
            text,
        });
    }
    match resp.time_stamp_token {
        Some(token) => Ok(token.to_der()?),
        None => Err(Error::Malformed("granted response without a token".into())),
    }
}

fn fail_info_name(bit: usize) -> &'static str {
    match bit {
        0 => "badAlg",
        2 => "badRequest",
        5 => "badDataFormat",
        14 => "timeNotAvailable",
        15 => "unacceptedPolicy",
        16 => "unacceptedExtension",
        17 => "addInfoNotAvailable",
        25 => "systemFailure",
        _ => "unknown",
    }
}

/// Verify a full `TimeStampResp`; returns the token DER (what to store) and what it proves.
pub fn verify_response(
    response_der: &[u8],
    expected: &Expectation<'_>,
    anchors: &TrustAnchors,
) -> Result<(Vec<u8>, VerifiedTimestamp)> {
    let token = token_from_response(response_der)?;
    let verified = verify_token(&token, expected, anchors)?;
    Ok((token, verified))
}

/// Verify a `TimeStampToken` (CMS `ContentInfo`). Pure and offline.
pub fn verify_token(
    token_der: &[u8],
    expected: &Expectation<'_>,
    anchors: &TrustAnchors,
) -> Result<VerifiedTimestamp> {
    verify_token_with(token_der, expected, Some(anchors))
}

/// Every check of [`verify_token`] except step 6, the chain to a trust anchor: for
/// re-checking a stored token where the user configured no anchors. The signature,
/// the timestamping key usage, the ESS binding and the imprint are still checked, so
/// altered bytes or a token for another digest are found; but anyone can make a
/// certificate that passes, so the caller must report the chain as not checked.
/// `chain_sha256` of the result is empty.
pub fn verify_token_unanchored(
    token_der: &[u8],
    expected: &Expectation<'_>,
) -> Result<VerifiedTimestamp> {
    verify_token_with(token_der, expected, None)
}

fn verify_token_with(
    token_der: &[u8],
    expected: &Expectation<'_>,
    anchors: Option<&TrustAnchors>,
) -> Result<VerifiedTimestamp> {
    let no_anchors = TrustAnchors::new();
    let chain_anchors = anchors;
    let anchors = anchors.unwrap_or(&no_anchors);
    // 1. Structure.
    let content_info = ContentInfo::from_der(token_der)?;
    if content_info.content_type != oid::SIGNED_DATA {
        return Err(Error::Malformed(format!(
            "content type {} is not signedData",
            content_info.content_type
        )));
    }
    let signed_data = SignedData::from_der(&content_info.content.to_der()?)?;
    if signed_data.encap_content_info.e_content_type != oid::CT_TST_INFO {
        return Err(Error::Malformed(format!(
            "encapsulated content type {} is not id-ct-TSTInfo",
            signed_data.encap_content_info.e_content_type
        )));
    }
    let tst_der = signed_data
        .encap_content_info
        .e_content
        .as_ref()
        .ok_or_else(|| Error::Malformed("token has no encapsulated TSTInfo".into()))?
        .as_bytes();
    let signer_infos = signed_data.signer_infos.elements()?;
    if signer_infos.len() != 1 {
        return Err(Error::Malformed(format!(
            "token has {} signers, RFC 3161 requires exactly one",
            signer_infos.len()
        )));
    }
    let signer_info = SignerInfo::from_der(signer_infos[0])?;
    let mut token_certs = Vec::new();
    if let Some(set) = &signed_data.certificates {
        for element in set.elements()? {
            // CertificateChoices: only plain certificates (a SEQUENCE) are used.
            if element.first() == Some(&0x30) {
                token_certs.push(ParsedCert::from_der(element)?);
            }
        }
    }
    let signer = find_signer(&signer_info.sid, &token_certs, anchors)?;

    // 2. Signed attributes and the content digest.
    let signed_attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or_else(|| Error::Malformed("signer has no signed attributes".into()))?;
    let attrs = parse_attributes(signed_attrs)?;
    let content_type = single_attr_value(&attrs, &oid::CONTENT_TYPE)?
        .ok_or_else(|| Error::Malformed("no contentType signed attribute".into()))?;
    if ObjectIdentifier::from_der(content_type)? != oid::CT_TST_INFO {
        return Err(Error::Malformed(
            "contentType attribute is not id-ct-TSTInfo".into(),
        ));
    }
    let message_digest = single_attr_value(&attrs, &oid::MESSAGE_DIGEST)?
        .ok_or_else(|| Error::Malformed("no messageDigest signed attribute".into()))?;
    let message_digest = OctetString::from_der(message_digest)?;
    let digest_alg = HashAlg::from_digest_algorithm(&signer_info.digest_algorithm)?;
    if digest_alg.digest(tst_der) != message_digest.as_bytes() {
        return Err(Error::ContentDigestMismatch);
    }

    // 3. The signature over the signed attributes.
    verify_signature(
        &signer
            .cert
            .tbs_certificate()
            .subject_public_key_info()
            .clone(),
        &signer_info.signature_algorithm,
        Some(digest_alg),
        &signed_attrs.as_set_der()?,
        signer_info.signature.as_bytes(),
    )
    .map_err(|e| match e {
        Error::BadSignature(m) => Error::BadSignature(format!("CMS signature: {m}")),
        other => other,
    })?;

    // 4. Extended key usage: the key is a timestamping key at all.
    check_timestamping_eku(&signer)?;

    // 5. ESS signing certificate: the signer committed to this very certificate.
    check_ess_cert_id(&attrs, &signer)?;

    // The TSTInfo is authentic from here on; parse and interpret it.
    let tst = TstInfo::from_der(tst_der)?;
    if tst.version != 1 {
        return Err(Error::Malformed(format!(
            "TSTInfo version {} (expected 1)",
            tst.version
        )));
    }
    let gen_time = parse_generalized_time(&tst.gen_time)?;

    // 6. Chain to a trust anchor, valid at genTime (skipped only when unanchored).
    let chain = match chain_anchors {
        Some(anchors) => build_chain(&signer, &token_certs, anchors, gen_time.unix_timestamp())
            .map_err(Error::UntrustedChain)?,
        None => Vec::new(),
    };

    // 7. Message imprint.
    let imprint = &tst.message_imprint;
    if imprint.hash_algorithm.oid != oid::SHA256 || !params_absent_or_null(&imprint.hash_algorithm)
    {
        return Err(Error::ImprintMismatch(format!(
            "hash algorithm {} is not SHA-256",
            imprint.hash_algorithm.oid
        )));
    }
    if imprint.hashed_message.as_bytes() != expected.digest.as_slice() {
        return Err(Error::ImprintMismatch(format!(
            "token stamps {}, expected {}",
            hex::encode(imprint.hashed_message.as_bytes()),
            hex::encode(expected.digest)
        )));
    }

    // 8. Nonce.
    let nonce = tst.nonce.as_ref().map(int_magnitude).transpose()?;
    if let Some(sent) = expected.nonce {
        match &nonce {
            Some(got) if got.as_slice() == strip_leading_zeros(sent) => {}
            _ => return Err(Error::NonceMismatch),
        }
    }

    // RFC 3161 §2.4.2: a `tsa` directory name must name the signer.
    let tsa_name = match &tst.tsa {
        None => None,
        Some(GeneralName::DirectoryName(name)) => {
            if name != signer.cert.tbs_certificate().subject() {
                return Err(Error::SignerCertMismatch(format!(
                    "tsa name {name} is not the signer subject {}",
                    signer.subject()
                )));
            }
            Some(name.to_string())
        }
        Some(other) => Some(format!("{other:?}")),
    };

    Ok(VerifiedTimestamp {
        gen_time,
        serial: tst.serial_number.as_bytes().to_vec(),
        tsa_name,
        signer_subject: signer.subject(),
        policy: tst.policy.to_string(),
        digest: *expected.digest,
        nonce,
        accuracy_micros: tst.accuracy.as_ref().map(|a| {
            a.seconds
                .unwrap_or(0)
                .saturating_mul(1_000_000)
                .saturating_add(u64::from(a.millis.unwrap_or(0)) * 1_000)
                .saturating_add(u64::from(a.micros.unwrap_or(0)))
        }),
        signer_cert_sha256: signer.sha256(),
        chain_sha256: chain.iter().map(|c| c.sha256()).collect(),
    })
}

/// The magnitude of a non-negative INTEGER (no leading zeros).
fn int_magnitude(int: &Int) -> Result<Vec<u8>> {
    let bytes = int.as_bytes();
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(Error::Malformed("negative nonce".into()));
    }
    Ok(strip_leading_zeros(bytes).to_vec())
}

fn params_absent_or_null(alg: &AlgorithmIdentifierOwned) -> bool {
    match &alg.parameters {
        None => true,
        Some(p) => p.is_null(),
    }
}

/// Find the signer certificate named by `sid` among the token's certificates, then the
/// anchors (a TSA certificate may itself be a trust anchor and be left out of the token).
fn find_signer(
    sid: &Any,
    token_certs: &[ParsedCert],
    anchors: &TrustAnchors,
) -> Result<ParsedCert> {
    let candidates = token_certs.iter().chain(anchors.certs.iter());
    let found = if sid.tag() == Tag::Sequence {
        let ias = IssuerAndSerialNumber::from_der(&sid.to_der()?)?;
        candidates.into_iter().find(|c| {
            let tbs = c.cert.tbs_certificate();
            tbs.issuer() == &ias.issuer
                && tbs.serial_number().as_bytes() == ias.serial_number.as_bytes()
        })
    } else if sid.tag().is_context_specific() && sid.tag().number() == der::TagNumber(0) {
        let ski = sid.value();
        candidates.into_iter().find(|c| {
            matches!(
                c.cert.tbs_certificate().get_extension::<SubjectKeyIdentifier>(),
                Ok(Some((_, id))) if id.0.as_bytes() == ski
            )
        })
    } else {
        return Err(Error::Malformed("unknown SignerIdentifier".into()));
    };
    found.cloned().ok_or_else(|| {
        Error::SignerCertMismatch(
            "the signer certificate is not in the token or the anchors".into(),
        )
    })
}

fn parse_attributes(set: &crate::asn1::RawSet) -> Result<Vec<Attribute>> {
    set.elements()?
        .into_iter()
        .map(|e| Attribute::from_der(e).map_err(Error::from))
        .collect()
}

/// The single value of the single attribute of type `oid`, as DER; `None` if absent.
/// Duplicate attributes or multiple values are malformed (RFC 5652 §5.3).
fn single_attr_value<'a>(
    attrs: &'a [Attribute],
    oid: &ObjectIdentifier,
) -> Result<Option<&'a [u8]>> {
    let mut matching = attrs.iter().filter(|a| &a.attr_type == oid);
    let Some(attr) = matching.next() else {
        return Ok(None);
    };
    if matching.next().is_some() {
        return Err(Error::Malformed(format!("attribute {oid} appears twice")));
    }
    let values = attr.attr_values.elements()?;
    match values.as_slice() {
        [one] => Ok(Some(one)),
        _ => Err(Error::Malformed(format!(
            "attribute {oid} has {} values",
            values.len()
        ))),
    }
}

fn check_ess_cert_id(attrs: &[Attribute], signer: &ParsedCert) -> Result<()> {
    let tbs = signer.cert.tbs_certificate();
    let check_issuer_serial = |is: &Option<IssuerSerial>| -> Result<()> {
        if let Some(is) = is {
            if is.serial_number.as_bytes() != tbs.serial_number().as_bytes() {
                return Err(Error::SignerCertMismatch(
                    "ESS issuerSerial serial differs from the signer certificate".into(),
                ));
            }
            let issuer_matches = is.issuer.iter().any(|g| match g {
                GeneralName::DirectoryName(n) => n == tbs.issuer(),
                _ => false,
            });
            if !issuer_matches {
                return Err(Error::SignerCertMismatch(
                    "ESS issuerSerial issuer differs from the signer certificate".into(),
                ));
            }
        }
        Ok(())
    };
    if let Some(v2) = single_attr_value(attrs, &oid::SIGNING_CERTIFICATE_V2)? {
        let sc = SigningCertificateV2::from_der(v2)?;
        let first: &EssCertIdV2 = sc
            .certs
            .first()
            .ok_or_else(|| Error::Malformed("empty SigningCertificateV2".into()))?;
        let alg = match &first.hash_algorithm {
            None => HashAlg::Sha256,
            Some(a) => HashAlg::from_digest_algorithm(a)?,
        };
        if alg.digest(&signer.der) != first.cert_hash.as_bytes() {
            return Err(Error::SignerCertMismatch(
                "ESSCertIDv2 hash does not match the signer certificate".into(),
            ));
        }
        return check_issuer_serial(&first.issuer_serial);
    }
    if let Some(v1) = single_attr_value(attrs, &oid::SIGNING_CERTIFICATE)? {
        let sc = SigningCertificate::from_der(v1)?;
        let first = sc
            .certs
            .first()
            .ok_or_else(|| Error::Malformed("empty SigningCertificate".into()))?;
        let hash: [u8; 20] = sha1::Sha1::digest(&signer.der).into();
        if hash.as_slice() != first.cert_hash.as_bytes() {
            return Err(Error::SignerCertMismatch(
                "ESSCertID hash does not match the signer certificate".into(),
            ));
        }
        return check_issuer_serial(&first.issuer_serial);
    }
    Err(Error::SignerCertMismatch(
        "no SigningCertificate or SigningCertificateV2 signed attribute".into(),
    ))
}

fn check_timestamping_eku(signer: &ParsedCert) -> Result<()> {
    let eku = signer
        .cert
        .tbs_certificate()
        .get_extension::<ExtendedKeyUsage>()
        .map_err(|e| Error::NotTimestampingCert(format!("extended key usage: {e}")))?;
    match eku {
        None => Err(Error::NotTimestampingCert(
            "no extended key usage extension".into(),
        )),
        Some((false, _)) => Err(Error::NotTimestampingCert(
            "extended key usage is not critical".into(),
        )),
        Some((true, eku)) if eku.0.as_slice() == [oid::KP_TIME_STAMPING] => Ok(()),
        Some((true, eku)) => Err(Error::NotTimestampingCert(format!(
            "extended key usage is {:?}, expected only id-kp-timeStamping",
            eku.0.iter().map(|o| o.to_string()).collect::<Vec<_>>()
        ))),
    }
}

fn valid_at(cert: &ParsedCert, at_unix: i64) -> std::result::Result<(), String> {
    let validity = cert.cert.tbs_certificate().validity();
    let secs = |t: x509_cert::time::Time| {
        i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
    };
    if at_unix < secs(validity.not_before) || at_unix > secs(validity.not_after) {
        return Err(format!(
            "certificate {} is not valid at genTime",
            cert.subject()
        ));
    }
    Ok(())
}

fn is_ca(cert: &ParsedCert) -> bool {
    let tbs = cert.cert.tbs_certificate();
    let ca = matches!(tbs.get_extension::<BasicConstraints>(), Ok(Some((_, bc))) if bc.ca);
    let may_sign_certs = match tbs.get_extension::<KeyUsage>() {
        Ok(Some((_, ku))) => ku.key_cert_sign(),
        Ok(None) => true,
        Err(_) => false,
    };
    ca && may_sign_certs
}

fn cert_signed_by(child: &ParsedCert, issuer: &ParsedCert) -> bool {
    if child.cert.tbs_certificate().issuer() != issuer.cert.tbs_certificate().subject() {
        return false;
    }
    let Ok(tbs) = first_element_of_sequence(&child.der) else {
        return false;
    };
    let Some(sig) = child.cert.signature().as_bytes() else {
        return false;
    };
    verify_signature(
        issuer.cert.tbs_certificate().subject_public_key_info(),
        child.cert.signature_algorithm(),
        None,
        tbs,
        sig,
    )
    .is_ok()
}

/// Build and check the chain signer → … → anchor. Returns it, signer first.
fn build_chain(
    signer: &ParsedCert,
    pool: &[ParsedCert],
    anchors: &TrustAnchors,
    at_unix: i64,
) -> std::result::Result<Vec<ParsedCert>, String> {
    let mut chain = vec![signer.clone()];
    loop {
        let current = chain.last().cloned().ok_or("empty chain")?;
        valid_at(&current, at_unix)?;
        if anchors.certs.iter().any(|a| a.der == current.der) {
            return Ok(chain);
        }
        if chain.len() >= MAX_CHAIN_LEN {
            return Err(format!("chain longer than {MAX_CHAIN_LEN} certificates"));
        }
        if let Some(anchor) = anchors.certs.iter().find(|a| cert_signed_by(&current, a)) {
            valid_at(anchor, at_unix)?;
            chain.push(anchor.clone());
            return Ok(chain);
        }
        let next = pool.iter().find(|c| {
            c.der != current.der
                && !chain.iter().any(|seen| seen.der == c.der)
                && is_ca(c)
                && cert_signed_by(&current, c)
        });
        match next {
            Some(issuer) => chain.push(issuer.clone()),
            None => {
                return Err(format!(
                    "no trusted issuer found for {} (issuer {})",
                    current.subject(),
                    current.cert.tbs_certificate().issuer()
                ));
            }
        }
    }
}

/// Hash algorithms we accept in signatures and digests.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    fn from_oid(oid: &ObjectIdentifier) -> Result<Self> {
        match *oid {
            oid::SHA256 => Ok(HashAlg::Sha256),
            oid::SHA384 => Ok(HashAlg::Sha384),
            oid::SHA512 => Ok(HashAlg::Sha512),
            other => Err(Error::UnsupportedAlgorithm(format!("digest {other}"))),
        }
    }

    fn from_digest_algorithm(alg: &AlgorithmIdentifierOwned) -> Result<Self> {
        if !params_absent_or_null(alg) {
            return Err(Error::Malformed(format!(
                "digest algorithm {} has parameters",
                alg.oid
            )));
        }
        Self::from_oid(&alg.oid)
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// Verify `signature` over `message` with the key in `spki` and algorithm `alg`.
/// `digest_hint` is the CMS digestAlgorithm, used when `alg` is plain `rsaEncryption`
/// (as OpenSSL writes in CMS) and names no hash.
fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    alg: &AlgorithmIdentifierOwned,
    digest_hint: Option<HashAlg>,
    message: &[u8],
    signature: &[u8],
) -> Result<()> {
    let bad = |what: &str| Error::BadSignature(what.to_string());
    match alg.oid {
        oid::RSA_ENCRYPTION
        | oid::SHA256_WITH_RSA
        | oid::SHA384_WITH_RSA
        | oid::SHA512_WITH_RSA => {
            let hash = match alg.oid {
                oid::SHA256_WITH_RSA => HashAlg::Sha256,
                oid::SHA384_WITH_RSA => HashAlg::Sha384,
                oid::SHA512_WITH_RSA => HashAlg::Sha512,
                _ => digest_hint.ok_or_else(|| {
                    Error::UnsupportedAlgorithm("rsaEncryption without a digest algorithm".into())
                })?,
            };
            let key = rsa_key(spki)?;
            let hashed = hash.digest(message);
            let scheme = match hash {
                HashAlg::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                HashAlg::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                HashAlg::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            key.verify(scheme, &hashed, signature)
                .map_err(|_| bad("RSA PKCS#1 v1.5 signature does not verify"))
        }
        oid::RSA_PSS => {
            let params = alg
                .parameters
                .as_ref()
                .ok_or_else(|| Error::Malformed("RSA-PSS without parameters".into()))?;
            let params = RsaPssParams::from_der(&params.to_der()?)?;
            let hash = match &params.hash_algorithm {
                Some(a) => HashAlg::from_oid(&a.oid)?,
                None => return Err(Error::UnsupportedAlgorithm("RSA-PSS with SHA-1".into())),
            };
            // MGF1 must use the same hash (the only combination `rsa` implements).
            let mgf = params
                .mask_gen_algorithm
                .as_ref()
                .ok_or_else(|| Error::UnsupportedAlgorithm("RSA-PSS with MGF1-SHA-1".into()))?;
            let mgf_hash = mgf
                .parameters
                .as_ref()
                .map(|p| AlgorithmIdentifierOwned::from_der(&p.to_der()?))
                .transpose()?;
            if mgf.oid != oid::MGF1 || mgf_hash.map(|h| h.oid) != Some(hash_oid(hash)) {
                return Err(Error::UnsupportedAlgorithm(
                    "RSA-PSS with a different mask generation hash".into(),
                ));
            }
            if params.trailer_field.is_some_and(|t| t != 1) {
                return Err(Error::UnsupportedAlgorithm("RSA-PSS trailer field".into()));
            }
            let salt = usize::try_from(params.salt_length.unwrap_or(20))
                .map_err(|_| Error::Malformed("PSS salt length".into()))?;
            let key = rsa_key(spki)?;
            let hashed = hash.digest(message);
            let result = match hash {
                HashAlg::Sha256 => key.verify(
                    rsa::Pss::<sha2::Sha256>::new_with_salt(salt),
                    &hashed,
                    signature,
                ),
                HashAlg::Sha384 => key.verify(
                    rsa::Pss::<sha2::Sha384>::new_with_salt(salt),
                    &hashed,
                    signature,
                ),
                HashAlg::Sha512 => key.verify(
                    rsa::Pss::<sha2::Sha512>::new_with_salt(salt),
                    &hashed,
                    signature,
                ),
            };
            result.map_err(|_| bad("RSA-PSS signature does not verify"))
        }
        oid::ECDSA_SHA256 | oid::ECDSA_SHA384 | oid::ECDSA_SHA512 => {
            let hash = match alg.oid {
                oid::ECDSA_SHA256 => HashAlg::Sha256,
                oid::ECDSA_SHA384 => HashAlg::Sha384,
                _ => HashAlg::Sha512,
            };
            verify_ecdsa(spki, hash, message, signature)
        }
        other => Err(Error::UnsupportedAlgorithm(format!("signature {other}"))),
    }
}

fn hash_oid(hash: HashAlg) -> ObjectIdentifier {
    match hash {
        HashAlg::Sha256 => oid::SHA256,
        HashAlg::Sha384 => oid::SHA384,
        HashAlg::Sha512 => oid::SHA512,
    }
}

fn rsa_key(spki: &SubjectPublicKeyInfoOwned) -> Result<rsa::PublicKey> {
    use rsa::pkcs8::DecodePublicKey;
    if spki.algorithm.oid != oid::RSA_ENCRYPTION {
        return Err(Error::BadSignature(format!(
            "RSA signature but the key is {}",
            spki.algorithm.oid
        )));
    }
    rsa::PublicKey::from_public_key_der(&spki.to_der()?)
        .map_err(|e| Error::Malformed(format!("RSA public key: {e}")))
}

fn verify_ecdsa(
    spki: &SubjectPublicKeyInfoOwned,
    hash: HashAlg,
    message: &[u8],
    signature: &[u8],
) -> Result<()> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    if spki.algorithm.oid != oid::EC_PUBLIC_KEY {
        return Err(Error::BadSignature(format!(
            "ECDSA signature but the key is {}",
            spki.algorithm.oid
        )));
    }
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .map(|p| ObjectIdentifier::from_der(&p.to_der()?))
        .transpose()?
        .ok_or_else(|| Error::Malformed("EC key without a named curve".into()))?;
    let point = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| Error::Malformed("EC public key bit string".into()))?;
    let prehash = hash.digest(message);
    let bad = || Error::BadSignature("ECDSA signature does not verify".into());
    match curve {
        oid::SECP256R1 => {
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                .map_err(|_| Error::Malformed("P-256 public key".into()))?;
            let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
            key.verify_prehash(&prehash, &sig).map_err(|_| bad())
        }
        oid::SECP384R1 => {
            let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                .map_err(|_| Error::Malformed("P-384 public key".into()))?;
            let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
            key.verify_prehash(&prehash, &sig).map_err(|_| bad())
        }
        other => Err(Error::UnsupportedAlgorithm(format!("EC curve {other}"))),
    }
}

/// Parse a GeneralizedTime `YYYYMMDDHHMMSS[.f+]Z` (RFC 3161 §2.4.2 allows fractions).
fn parse_generalized_time(any: &Any) -> Result<OffsetDateTime> {
    if any.tag() != Tag::GeneralizedTime {
        return Err(Error::Malformed("genTime is not a GeneralizedTime".into()));
    }
    let s = std::str::from_utf8(any.value())
        .map_err(|_| Error::Malformed("genTime is not ASCII".into()))?;
    let bad = || Error::Malformed(format!("genTime {s:?}"));
    let body = s.strip_suffix('Z').ok_or_else(bad)?;
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<u32> {
        whole.get(r).and_then(|d| d.parse().ok()).ok_or_else(bad)
    };
    let nanos = match fraction {
        None => 0,
        // DER forbids trailing zeros and an empty fraction.
        Some(f) if f.is_empty() || f.len() > 9 || f.ends_with('0') => return Err(bad()),
        Some(f) if !f.bytes().all(|b| b.is_ascii_digit()) => return Err(bad()),
        Some(f) => {
            let digits: u32 = f.parse().map_err(|_| bad())?;
            let exp = u32::try_from(9 - f.len()).map_err(|_| bad())?;
            digits * 10u32.pow(exp)
        }
    };
    let month =
        time::Month::try_from(u8::try_from(num(4..6)?).map_err(|_| bad())?).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(
        i32::try_from(num(0..4)?).map_err(|_| bad())?,
        month,
        u8::try_from(num(6..8)?).map_err(|_| bad())?,
    )
    .map_err(|_| bad())?;
    let time_of_day = time::Time::from_hms_nano(
        u8::try_from(num(8..10)?).map_err(|_| bad())?,
        u8::try_from(num(10..12)?).map_err(|_| bad())?,
        u8::try_from(num(12..14)?).map_err(|_| bad())?,
        nanos,
    )
    .map_err(|_| bad())?;
    Ok(date.with_time(time_of_day).assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gt(s: &str) -> Result<OffsetDateTime> {
        parse_generalized_time(&Any::new(Tag::GeneralizedTime, s.as_bytes().to_vec())?)
    }

    #[test]
    fn generalized_time_with_and_without_fraction() -> Result<()> {
        assert_eq!(gt("20261105123456Z")?.unix_timestamp(), 1_793_882_096);
        assert_eq!(gt("20261105123456.25Z")?.nanosecond(), 250_000_000);
        for bad in [
            "20261105123456",
            "20261105123456.Z",
            "20261105123456.50Z",
            "2026110512345Z",
            "20261305123456Z",
        ] {
            assert_eq!(
                gt(bad).map_err(|e| e.code()).err(),
                Some("malformed"),
                "{bad}"
            );
        }
        Ok(())
    }

    #[test]
    fn untrusted_without_anchors_and_malformed_on_garbage() {
        let digest = [0u8; 32];
        let exp = Expectation {
            digest: &digest,
            nonce: None,
        };
        let err = verify_token(b"\x30\x03\x02\x01\x01", &exp, &TrustAnchors::new()).err();
        assert_eq!(err.map(|e| e.code()), Some("malformed"));
    }
}
