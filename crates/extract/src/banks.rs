//! The bank table: NAPAS BIN (the six digits VietQR carries), short code, name and the
//! names people write. Versioned: a payment code is read against the table of its day,
//! and a report says which table it used.

/// Bump when a bank is added or a BIN changes (mergers and renames happen).
pub const BANK_TABLE_VERSION: &str = "2026-11-01";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bank {
    /// NAPAS acquirer BIN.
    pub bin: &'static str,
    /// Short code used in normalized account values ("VCB:0011001234567").
    pub code: &'static str,
    pub name: &'static str,
    /// How the bank is written in posts, folded (lower case, no diacritics); longest
    /// first where one contains another.
    pub aliases: &'static [&'static str],
}

macro_rules! bank {
    ($bin:literal, $code:literal, $name:literal, [$($a:literal),*]) => {
        Bank { bin: $bin, code: $code, name: $name, aliases: &[$($a),*] }
    };
}

pub const BANKS: &[Bank] = &[
    bank!(
        "970436",
        "VCB",
        "Vietcombank",
        [
            "vietcombank",
            "vietcom bank",
            "vcb",
            "ngan hang ngoai thuong"
        ]
    ),
    bank!(
        "970415",
        "ICB",
        "VietinBank",
        [
            "vietinbank",
            "viettinbank",
            "vietin bank",
            "ctg",
            "icb",
            "ngan hang cong thuong"
        ]
    ),
    bank!(
        "970418",
        "BIDV",
        "BIDV",
        ["bidv", "ngan hang dau tu va phat trien"]
    ),
    bank!(
        "970405",
        "VBA",
        "Agribank",
        ["agribank", "agri bank", "vba", "ngan hang nong nghiep"]
    ),
    bank!(
        "970407",
        "TCB",
        "Techcombank",
        ["techcombank", "techcom bank", "tcb", "ngan hang ky thuong"]
    ),
    bank!(
        "970422",
        "MB",
        "MB Bank",
        ["mbbank", "mb bank", "mb", "ngan hang quan doi"]
    ),
    bank!("970416", "ACB", "ACB", ["acb", "ngan hang a chau"]),
    bank!("970432", "VPB", "VPBank", ["vpbank", "vp bank", "vpb"]),
    bank!(
        "970423",
        "TPB",
        "TPBank",
        ["tpbank", "tp bank", "tpb", "ngan hang tien phong"]
    ),
    bank!(
        "970403",
        "STB",
        "Sacombank",
        ["sacombank", "sacom bank", "stb"]
    ),
    bank!("970437", "HDB", "HDBank", ["hdbank", "hd bank", "hdb"]),
    bank!("970443", "SHB", "SHB", ["shb", "ngan hang sai gon ha noi"]),
    bank!("970441", "VIB", "VIB", ["vib", "ngan hang quoc te"]),
    bank!("970448", "OCB", "OCB", ["ocb", "ngan hang phuong dong"]),
    bank!(
        "970426",
        "MSB",
        "MSB",
        ["msb", "maritime bank", "ngan hang hang hai"]
    ),
    bank!(
        "970440",
        "SEAB",
        "SeABank",
        ["seabank", "sea bank", "ngan hang dong nam a"]
    ),
    bank!(
        "970431",
        "EIB",
        "Eximbank",
        ["eximbank", "exim bank", "eib"]
    ),
    bank!(
        "970449",
        "LPB",
        "LPBank",
        ["lpbank", "lp bank", "lienvietpostbank", "lienviet", "lpb"]
    ),
    bank!(
        "970428",
        "NAB",
        "Nam A Bank",
        ["nam a bank", "namabank", "nab"]
    ),
    bank!(
        "970409",
        "BAB",
        "Bac A Bank",
        ["bac a bank", "bacabank", "bab"]
    ),
    bank!("970429", "SCB", "SCB", ["scb"]),
    bank!("970425", "ABB", "ABBank", ["abbank", "ab bank", "abb"]),
    bank!(
        "970412",
        "PVCB",
        "PVcomBank",
        ["pvcombank", "pvcom bank", "pvcb"]
    ),
    bank!(
        "970452",
        "KLB",
        "KienlongBank",
        ["kienlongbank", "kienlong bank", "klb"]
    ),
    bank!(
        "970427",
        "VAB",
        "VietABank",
        ["vietabank", "viet a bank", "vab"]
    ),
    bank!("970419", "NCB", "NCB", ["ncb", "ngan hang quoc dan"]),
    bank!(
        "970438",
        "BVB",
        "BaoVietBank",
        ["baovietbank", "bao viet bank", "baoviet bank"]
    ),
    bank!("970433", "VIETBANK", "VietBank", ["vietbank", "viet bank"]),
    bank!("970400", "SGB", "Saigonbank", ["saigonbank", "saigon bank"]),
    bank!("970430", "PGB", "PGBank", ["pgbank", "pg bank"]),
    bank!(
        "970414",
        "MBV",
        "MBV (OceanBank)",
        ["oceanbank", "ocean bank", "mbv"]
    ),
    bank!("970408", "GPB", "GPBank", ["gpbank", "gp bank"]),
    bank!("970444", "CBB", "CBBank", ["cbbank", "cb bank"]),
    bank!(
        "970454",
        "BVBANK",
        "BVBank (Viet Capital)",
        ["bvbank", "viet capital bank", "vietcapital"]
    ),
    bank!(
        "970424",
        "SHBVN",
        "Shinhan Bank",
        ["shinhan bank", "shinhanbank", "shinhan"]
    ),
    bank!("970457", "WOORI", "Woori Bank", ["woori bank", "woori"]),
    bank!("970458", "UOB", "UOB", ["uob"]),
    bank!("970421", "VRB", "VRB", ["vrb"]),
    bank!("970434", "IVB", "Indovina Bank", ["indovina"]),
    bank!("970439", "PBVN", "Public Bank", ["public bank"]),
    bank!(
        "970406",
        "DOB",
        "DongA Bank",
        ["dong a bank", "donga bank", "dongabank"]
    ),
    bank!(
        "546034",
        "CAKE",
        "CAKE by VPBank",
        ["cake by vpbank", "cake"]
    ),
    bank!("546035", "UBANK", "Ubank by VPBank", ["ubank"]),
    bank!("963388", "TIMO", "Timo", ["timo"]),
];

pub fn bank_by_bin(bin: &str) -> Option<&'static Bank> {
    BANKS.iter().find(|b| b.bin == bin)
}

pub(crate) fn bank_by_code(code: &str) -> Option<&'static Bank> {
    BANKS.iter().find(|b| b.code.eq_ignore_ascii_case(code))
}

/// All aliases in one automaton, longest first so "mb bank" wins over "mb".
static ALIASES: std::sync::LazyLock<(regex::bytes::Regex, Vec<(&'static str, &'static Bank)>)> =
    std::sync::LazyLock::new(|| {
        let mut all: Vec<(&'static str, &'static Bank)> = BANKS
            .iter()
            .flat_map(|b| b.aliases.iter().map(move |a| (*a, b)))
            .collect();
        all.sort_by_key(|(a, _)| std::cmp::Reverse(a.len()));
        let alternation: Vec<String> = all.iter().map(|(a, _)| regex::escape(a)).collect();
        let re =
            regex::bytes::Regex::new(&format!(r"(?-u:\b)(?:{})(?-u:\b)", alternation.join("|")))
                .expect("valid regex");
        (re, all)
    });

/// Every bank alias found as whole words in folded `hay`: (position, end, bank).
pub(crate) fn find_banks(hay: &[u8]) -> Vec<(usize, usize, &'static Bank)> {
    let (re, all) = &*ALIASES;
    re.find_iter(hay)
        .filter_map(|m| {
            let text = m.as_bytes();
            all.iter()
                .find(|(a, _)| a.as_bytes() == text)
                .map(|(_, b)| (m.start(), m.end(), *b))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for (i, b) in BANKS.iter().enumerate() {
            assert_eq!(b.bin.len(), 6, "{}", b.name);
            for other in &BANKS[i + 1..] {
                assert_ne!(b.bin, other.bin);
                assert_ne!(b.code, other.code);
            }
            for a in b.aliases {
                assert_eq!(crate::fold::fold(a), *a, "aliases are folded");
            }
        }
        assert_eq!(bank_by_bin("970436").map(|b| b.code), Some("VCB"));
    }

    #[test]
    fn aliases_in_text() {
        let f = crate::fold::fold("CK về MB Bank hoặc Vietcombank (VCB)");
        let found: Vec<&str> = find_banks(f.as_bytes()).iter().map(|b| b.2.code).collect();
        assert_eq!(found, ["MB", "VCB", "VCB"]);
    }
}
