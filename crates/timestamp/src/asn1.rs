//! DER structures of RFC 3161 (TimeStampReq/Resp, TSTInfo), the parts of CMS (RFC 5652)
//! a timestamp token uses, and ESS signing-certificate attributes (RFC 2634, RFC 5035).
//!
//! Defined here rather than taken from the `cms`/`x509-tsp` crates: those are pinned to an
//! older `der` or only released as candidates, and the verifier needs the *raw* bytes of
//! the signed attributes and certificates (signatures and hashes are over the exact
//! encoding), which [`RawSet`] keeps.

use der::asn1::{Any, Int, ObjectIdentifier, OctetString};
use der::{
    Decode, DecodeValue, Encode, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag,
    Writer,
};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

pub(crate) mod oid {
    use der::asn1::ObjectIdentifier as Oid;

    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");

    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    pub const RSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");

    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
    pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    pub const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");

    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    pub const CT_TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    pub const SIGNING_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");
    pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");

    pub const KP_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
}

/// A `SET OF` (or `[n] IMPLICIT SET OF`) kept as its exact content octets.
///
/// Elements are split on demand with [`RawSet::elements`]; nothing is re-sorted or
/// re-encoded, so hashes and signatures can be checked over what was actually signed.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) struct RawSet {
    pub content: Vec<u8>,
}

impl RawSet {
    /// The DER TLV of each element, in the order they appear.
    pub fn elements(&self) -> der::Result<Vec<&[u8]>> {
        let mut rest = self.content.as_slice();
        let mut out = Vec::new();
        while !rest.is_empty() {
            let (tlv, tail) = split_tlv(rest)?;
            out.push(tlv);
            rest = tail;
        }
        Ok(out)
    }

    /// The content re-tagged as a universal `SET OF` (what a CMS signature covers).
    pub fn as_set_der(&self) -> der::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.content.len() + 6);
        Header::new(Tag::Set, Length::try_from(self.content.len())?).encode_to_vec(&mut out)?;
        out.extend_from_slice(&self.content);
        Ok(out)
    }
}

impl<'a> DecodeValue<'a> for RawSet {
    type Error = der::Error;
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let content = reader.read_slice(header.length())?.to_vec();
        let set = RawSet { content };
        // Validate that the content is a sequence of complete TLVs.
        set.elements()?;
        Ok(set)
    }
}

impl EncodeValue for RawSet {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.content.len())
    }
    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(&self.content)
    }
}

impl FixedTag for RawSet {
    const TAG: Tag = Tag::Set;
}

/// Split one DER TLV off the front of `input`: `(tlv, rest)`.
pub(crate) fn split_tlv(input: &[u8]) -> der::Result<(&[u8], &[u8])> {
    let mut reader = der::SliceReader::new(input)?;
    let header = Header::decode(&mut reader)?;
    let header_len = usize::try_from(reader.position())?;
    let total = header_len
        .checked_add(usize::try_from(header.length())?)
        .ok_or_else(|| der::Error::from(der::ErrorKind::Overflow))?;
    if total > input.len() {
        return Err(der::ErrorKind::Incomplete {
            expected_len: Length::try_from(total)?,
            actual_len: Length::try_from(input.len())?,
        }
        .into());
    }
    Ok(input.split_at(total))
}

/// The content octets (`V` of the TLV) of the first element of a SEQUENCE, as a TLV.
/// Used to get the exact `tbsCertificate` bytes a certificate's signature covers.
pub(crate) fn first_element_of_sequence(der_bytes: &[u8]) -> der::Result<&[u8]> {
    let (outer, _) = split_tlv(der_bytes)?;
    let mut reader = der::SliceReader::new(outer)?;
    let header = Header::decode(&mut reader)?;
    if header.tag() != Tag::Sequence {
        return Err(der::Error::from(
            header.tag().unexpected_error(Some(Tag::Sequence)),
        ));
    }
    let start = usize::try_from(reader.position())?;
    let (first, _) = split_tlv(&outer[start..])?;
    Ok(first)
}

/// RFC 3161 `MessageImprint`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct MessageImprint {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub hashed_message: OctetString,
}

/// RFC 3161 `TimeStampReq`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct TimeStampReq {
    pub version: u8,
    pub message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    pub req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    #[asn1(default = "bool::default")]
    pub cert_req: bool,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Vec<Extension>>,
}

/// RFC 3161 / RFC 4210 `PKIStatusInfo`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct PkiStatusInfo {
    pub status: u32,
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    pub fail_info: Option<der::asn1::BitString>,
}

/// RFC 3161 `TimeStampResp`. The token is kept as [`Any`] and parsed separately so the
/// same code path handles a bare token (`.tst`) and a full response (`.tsr`).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct TimeStampResp {
    pub status: PkiStatusInfo,
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<Any>,
}

/// CMS `ContentInfo`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct ContentInfo {
    pub content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub content: Any,
}

/// CMS `SignedData`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct SignedData {
    pub version: u8,
    pub digest_algorithms: RawSet,
    pub encap_content_info: EncapsulatedContentInfo,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub certificates: Option<RawSet>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub crls: Option<RawSet>,
    pub signer_infos: RawSet,
}

/// CMS `EncapsulatedContentInfo`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct EncapsulatedContentInfo {
    pub e_content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub e_content: Option<OctetString>,
}

/// CMS `IssuerAndSerialNumber`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct IssuerAndSerialNumber {
    pub issuer: Name,
    pub serial_number: Int,
}

/// CMS `SignerInfo`. `sid` is kept as [`Any`]: either `IssuerAndSerialNumber` (a SEQUENCE)
/// or `[0] SubjectKeyIdentifier`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct SignerInfo {
    pub version: u8,
    pub sid: Any,
    pub digest_algorithm: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub signed_attrs: Option<RawSet>,
    pub signature_algorithm: AlgorithmIdentifierOwned,
    pub signature: OctetString,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub unsigned_attrs: Option<RawSet>,
}

/// CMS `Attribute`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct Attribute {
    pub attr_type: ObjectIdentifier,
    pub attr_values: RawSet,
}

/// RFC 3161 `Accuracy`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct Accuracy {
    #[asn1(optional = "true")]
    pub seconds: Option<u64>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<u16>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<u16>,
}

/// RFC 3161 `TSTInfo`. `genTime` is kept as [`Any`] because RFC 3161 allows fractional
/// seconds, which `der::asn1::GeneralizedTime` rejects; see [`crate::verify`].
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct TstInfo {
    pub version: u8,
    pub policy: ObjectIdentifier,
    pub message_imprint: MessageImprint,
    pub serial_number: Int,
    pub gen_time: Any,
    #[asn1(optional = "true")]
    pub accuracy: Option<Accuracy>,
    #[asn1(default = "bool::default")]
    pub ordering: bool,
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Vec<Extension>>,
}

/// RFC 2634 `IssuerSerial` (issuer as GeneralNames).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct IssuerSerial {
    pub issuer: Vec<GeneralName>,
    pub serial_number: Int,
}

/// RFC 2634 `ESSCertID` (SHA-1 certificate hash).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct EssCertId {
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// RFC 2634 `SigningCertificate`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct SigningCertificate {
    pub certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    pub policies: Option<Any>,
}

/// RFC 5035 `ESSCertIDv2`: the hash algorithm is SHA-256 when absent.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// RFC 5035 `SigningCertificateV2`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub policies: Option<Any>,
}

/// RSASSA-PSS parameters (RFC 4055); absent fields take their defaults (SHA-1, MGF1-SHA-1, 20).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct RsaPssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub mask_gen_algorithm: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub salt_length: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    pub trailer_field: Option<u8>,
}
