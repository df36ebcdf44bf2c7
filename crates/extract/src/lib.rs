//! Identifier extraction: the phone numbers, bank accounts, e-wallets, emails, URLs,
//! domains, social profiles, marketplace shops and listings, tax codes, prices, units
//! sold and VietQR payment codes that tie online sellers together.
//!
//! Everything here is a pure function of its input (no I/O, no global state), so the
//! same code serves the CLI, the app and later the case database. Each hit keeps where
//! it was found (a byte range, or a region of an image) and a snippet of its context.
//! Precision comes first: a number that only looks like a phone (a price, an order ID,
//! a date) is not reported, because a bogus identifier links unrelated sellers.

mod banks;
mod decode;
mod document;
mod error;
mod extract;
mod fold;
mod html;
mod image_qr;
mod listing;
mod mhtml;
mod numbers;
mod payment;
mod pdf;
mod phone;
mod tax;
mod vietqr;
mod web;

use std::collections::BTreeMap;

use serde::Serialize;

pub use banks::{BANK_TABLE_VERSION, BANKS, Bank, bank_by_bin};
pub use decode::{Decoded, decode_bytes, encode_tcvn3};
pub use document::{Document, Media, extract_document, extract_pdf};
pub use error::{Error, ErrorCode};
pub use extract::{extract_html, extract_text};
pub use html::{VisibleText, visible_text};
pub use image_qr::{ImageLimits, extract_image, extract_image_with, extract_screenshot};
pub use payment::normalize_account;
pub use pdf::{PdfLimits, page_texts as pdf_page_texts};
pub use phone::normalize_phone;
pub use tax::{normalize_tax_code, tax_code_is_valid};
pub use vietqr::{QrPayload, VietQr, build_payload, crc16_ccitt, parse_qr_payload};
pub use web::{normalize_email, normalize_url, registrable_domain};

/// What kind of identifier a hit is. The names are the `type` values of the JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Phone,
    BankAccount,
    Ewallet,
    Email,
    Url,
    Domain,
    SocialProfile,
    MarketplaceShop,
    MarketplaceListing,
    TaxCode,
    Price,
    UnitsSold,
    /// A valid VietQR (NAPAS) payment code: bank + account.
    Vietqr,
    /// A QR code that is not a valid VietQR: plain text, EMVCo of another scheme, or a
    /// payload whose CRC does not match (`details.status` says which).
    QrCode,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::Phone,
        Kind::BankAccount,
        Kind::Ewallet,
        Kind::Email,
        Kind::Url,
        Kind::Domain,
        Kind::SocialProfile,
        Kind::MarketplaceShop,
        Kind::MarketplaceListing,
        Kind::TaxCode,
        Kind::Price,
        Kind::UnitsSold,
        Kind::Vietqr,
        Kind::QrCode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Phone => "phone",
            Kind::BankAccount => "bank_account",
            Kind::Ewallet => "ewallet",
            Kind::Email => "email",
            Kind::Url => "url",
            Kind::Domain => "domain",
            Kind::SocialProfile => "social_profile",
            Kind::MarketplaceShop => "marketplace_shop",
            Kind::MarketplaceListing => "marketplace_listing",
            Kind::TaxCode => "tax_code",
            Kind::Price => "price",
            Kind::UnitsSold => "units_sold",
            Kind::Vietqr => "vietqr",
            Kind::QrCode => "qr_code",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rectangle of an image, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// Where a hit was found: a byte range of the (UTF-8 decoded) document, or a region of
/// an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Location {
    Span { start: usize, end: usize },
    Image { region: Region },
}

/// One identifier found in one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    #[serde(rename = "type")]
    pub kind: Kind,
    /// The text as written.
    pub raw: String,
    /// The canonical form that is compared across evidence and cases.
    pub normalized: String,
    pub location: Location,
    /// The surrounding visible text, on one line.
    pub snippet: String,
    /// Kind-specific parts: bank, provider, platform, amount, QR status…
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<&'static str, String>,
}
