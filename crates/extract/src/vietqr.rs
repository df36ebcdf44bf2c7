//! VietQR: the EMVCo merchant-presented QR payload as NAPAS profiles it. Tag 38 holds
//! the NAPAS GUID A000000727 and, nested, the bank BIN and the account; tag 54 the
//! amount; tag 63 a CRC-16/CCITT-FALSE over everything before its value. A payload of
//! another EMVCo scheme, or whose CRC does not match, is reported as such and never
//! becomes a bank account.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::banks::{BANK_TABLE_VERSION, bank_by_bin};

pub const NAPAS_GUID: &str = "A000000727";

/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor).
pub fn crc16_ccitt(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xffff;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VietQr {
    pub bin: String,
    /// Bank short code and name from the table; `None` for a BIN the table lacks.
    pub bank_code: Option<String>,
    pub bank_name: Option<String>,
    pub bank_table: &'static str,
    /// Account or card number.
    pub account: String,
    /// "QRIBFTTA" (to an account) or "QRIBFTTC" (to a card).
    pub service: Option<String>,
    pub name: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub purpose: Option<String>,
}

/// What a QR code's text turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum QrPayload {
    Vietqr(VietQr),
    /// A well-formed EMVCo payload with a good CRC, of another scheme (or a NAPAS one
    /// without bank and account). `guids` are the merchant account GUIDs found.
    EmvcoOther {
        guids: Vec<String>,
    },
    /// EMVCo framing, but the CRC is missing or does not match: damaged or forged.
    CrcMismatch {
        expected: Option<String>,
        computed: String,
    },
    /// Not EMVCo: a URL, a phone, free text.
    Text,
}

/// Tag → value of one TLV level; `None` when the framing is broken.
fn tlv(s: &str) -> Option<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    let mut rest = s;
    while !rest.is_empty() {
        let tag = rest.get(..2)?;
        let len: usize = rest.get(2..4)?.parse().ok()?;
        if !tag.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let value = rest.get(4..4 + len)?;
        map.entry(tag.to_string())
            .or_insert_with(|| value.to_string());
        rest = &rest[4 + len..];
    }
    Some(map)
}

/// Reads a QR code's text.
pub fn parse_qr_payload(text: &str) -> QrPayload {
    let t = text.trim_end_matches(['\r', '\n']);
    if !t.starts_with("000201") {
        return QrPayload::Text;
    }
    let Some(top) = tlv(t) else {
        return QrPayload::Text;
    };
    // The CRC covers the payload up to and including "6304".
    let computed = match t.rfind("6304") {
        Some(i) if i + 8 == t.len() => (crc16_ccitt(&t.as_bytes()[..i + 4]), Some(&t[i + 4..])),
        _ => (crc16_ccitt(t.as_bytes()), None),
    };
    let computed_hex = format!("{:04X}", computed.0);
    let expected = top.get("63").cloned();
    if computed.1.is_none()
        || !expected
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(&computed_hex))
    {
        return QrPayload::CrcMismatch {
            expected,
            computed: computed_hex,
        };
    }
    let mut guids = Vec::new();
    for tag in 26..=51 {
        let Some(v) = top.get(&tag.to_string()) else {
            continue;
        };
        let Some(sub) = tlv(v) else { continue };
        let Some(guid) = sub.get("00") else { continue };
        guids.push(guid.clone());
        if !guid.eq_ignore_ascii_case(NAPAS_GUID) {
            continue;
        }
        let Some(org) = sub.get("01").and_then(|o| tlv(o)) else {
            continue;
        };
        let (Some(bin), Some(account)) = (org.get("00"), org.get("01")) else {
            continue;
        };
        if bin.len() != 6 || !bin.bytes().all(|c| c.is_ascii_digit()) || account.is_empty() {
            continue;
        }
        let bank = bank_by_bin(bin);
        let purpose = top
            .get("62")
            .and_then(|a| tlv(a))
            .and_then(|a| a.get("08").cloned());
        return QrPayload::Vietqr(VietQr {
            bin: bin.clone(),
            bank_code: bank.map(|b| b.code.to_string()),
            bank_name: bank.map(|b| b.name.to_string()),
            bank_table: BANK_TABLE_VERSION,
            account: account.clone(),
            service: sub.get("02").cloned(),
            name: top.get("59").cloned(),
            amount: top.get("54").cloned(),
            currency: top.get("53").cloned(),
            purpose,
        });
    }
    QrPayload::EmvcoOther { guids }
}

/// Builds a VietQR payload (for tests and the benchmark): bank BIN, account, amount.
#[doc(hidden)]
pub fn build_payload(bin: &str, account: &str, amount: Option<&str>, name: Option<&str>) -> String {
    fn f(tag: &str, v: &str) -> String {
        format!("{tag}{:02}{v}", v.len())
    }
    let org = f("00", bin) + &f("01", account);
    let mai = f("00", NAPAS_GUID) + &f("01", &org) + &f("02", "QRIBFTTA");
    let mut p =
        f("00", "01") + &f("01", if amount.is_some() { "12" } else { "11" }) + &f("38", &mai);
    p += &f("53", "704");
    if let Some(a) = amount {
        p += &f("54", a);
    }
    p += &f("58", "VN");
    if let Some(n) = name {
        p += &f("59", n);
    }
    p += "6304";
    let crc = crc16_ccitt(p.as_bytes());
    format!("{p}{crc:04X}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_known_answer() {
        // CRC-16/CCITT-FALSE check value.
        assert_eq!(crc16_ccitt(b"123456789"), 0x29B1);
    }

    #[test]
    fn round_trip_and_failures() {
        let p = build_payload(
            "970436",
            "0011001234567",
            Some("150000"),
            Some("NGUYEN VAN A"),
        );
        match parse_qr_payload(&p) {
            QrPayload::Vietqr(v) => {
                assert_eq!(v.bank_code.as_deref(), Some("VCB"));
                assert_eq!(v.account, "0011001234567");
                assert_eq!(v.amount.as_deref(), Some("150000"));
                assert_eq!(v.name.as_deref(), Some("NGUYEN VAN A"));
            }
            other => panic!("{other:?}"),
        }
        let mut bad = p.clone();
        bad.replace_range(p.len() - 4.., "0000");
        assert!(matches!(
            parse_qr_payload(&bad),
            QrPayload::CrcMismatch { .. }
        ));
        assert_eq!(
            parse_qr_payload("https://zalo.me/0912345678"),
            QrPayload::Text
        );
        assert_eq!(
            parse_qr_payload("000201010211"),
            QrPayload::CrcMismatch {
                expected: None,
                computed: format!("{:04X}", crc16_ccitt(b"000201010211"))
            }
        );
    }
}
