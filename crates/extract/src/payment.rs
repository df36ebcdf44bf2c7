//! Bank accounts and e-wallets. A digit string is an account only when a payment word
//! (STK, số tài khoản, TK, CK, chuyển khoản…) or a bank name comes before it on the
//! same line with no other number in between; the bank is the nearest bank name on
//! either side. Amounts ("CK 500.000đ") and order numbers are not accounts.

use crate::banks::{Bank, bank_by_code, find_banks};
use crate::numbers::{Run, find_word, left_window, money_follows, right_window};

const ACCOUNT_WORDS: &[&str] = &[
    "stk",
    "so tk",
    "so tai khoan",
    "tai khoan",
    "tk",
    "ck",
    "chuyen khoan",
    "chuyen tien",
    "account",
    "acc",
    "ngan hang",
    "nhan tien",
    "banking",
];

/// Words that, nearer to the number than the payment word, make it something else.
const NOT_ACCOUNT: &[&str] = &[
    "ma don",
    "don hang",
    "ma gd",
    "ma giao dich",
    "mst",
    "ma so thue",
    "sdt",
    "hotline",
    "zalo",
    "so tien",
    "noi dung",
];

pub(crate) const WALLETS: &[(&str, &[&str])] = &[
    ("momo", &["vi momo", "momo"]),
    ("zalopay", &["zalopay", "zalo pay"]),
    (
        "viettel_money",
        &["viettel money", "viettelpay", "viettel pay"],
    ),
    ("shopeepay", &["shopeepay", "shopee pay"]),
    ("vnpay", &["vnpay", "vn pay"]),
    ("moca", &["moca"]),
    ("vtcpay", &["vtc pay", "vtcpay"]),
];

pub(crate) struct Account {
    pub start: usize,
    pub end: usize,
    pub digits: String,
    pub bank: Option<&'static Bank>,
}

/// Normalizes "VCB: 0011 0012 34567", "Vietcombank 0011001234567" or a bare account
/// number to "VCB:0011001234567" (or just the digits when no bank is named).
pub fn normalize_account(s: &str) -> Option<String> {
    let t = s.trim();
    let split = t.find(|c: char| c.is_ascii_digit()).unwrap_or(t.len());
    let (name, number) = t.split_at(split);
    let name = name.trim().trim_end_matches([':', '-', ' ']).trim();
    if !number
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-'))
    {
        return None;
    }
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if !(6..=19).contains(&digits.len()) {
        return None;
    }
    if name.is_empty() {
        return Some(digits);
    }
    let bank = bank_by_code(name).or_else(|| {
        let f = crate::fold::fold(name);
        find_banks(f.as_bytes())
            .first()
            .filter(|(s, e, _)| *s == 0 && *e == f.len())
            .map(|b| b.2)
    })?;
    Some(format!("{}:{digits}", bank.code))
}

pub(crate) fn account_value(bank: Option<&Bank>, digits: &str) -> String {
    match bank {
        Some(b) => format!("{}:{digits}", b.code),
        None => digits.to_string(),
    }
}

fn no_digits(s: &[u8]) -> bool {
    !s.iter().any(u8::is_ascii_digit)
}

fn wallet_in(w: &[u8]) -> bool {
    WALLETS
        .iter()
        .flat_map(|(_, a)| a.iter())
        .any(|a| find_word(w, a).is_some())
}

pub(crate) fn find_accounts(b: &[u8], runs: &[Run]) -> Vec<Account> {
    let mut out = Vec::new();
    for run in runs {
        if run.plus || !matches!(run.glued.as_str(), "" | "stk" | "tk" | "ck") {
            continue;
        }
        let digits = run.digits();
        let single_seps = run
            .groups
            .iter()
            .skip(1)
            .all(|g| matches!(g.sep.as_str(), " " | "." | "-"));
        if !(6..=19).contains(&digits.len())
            || !single_seps
            || run.is_thousands()
            || money_follows(b, run.end)
            || b.get(run.end).is_some_and(|c| c.is_ascii_alphanumeric())
        {
            continue;
        }
        let left = left_window(b, run.start, 48);
        let banks_left = find_banks(left);
        // The nearest payment word or bank name with no number between it and ours.
        let word_at = ACCOUNT_WORDS
            .iter()
            .filter_map(|w| find_word(left, w).map(|p| (p, p + w.len())))
            .chain(banks_left.iter().map(|(s, e, _)| (*s, *e)))
            .chain((!run.glued.is_empty()).then_some((left.len(), left.len())))
            .filter(|(_, e)| no_digits(&left[*e..]))
            .max_by_key(|(s, _)| *s);
        let Some((_, word_end)) = word_at else {
            continue;
        };
        let between = &left[word_end..];
        if NOT_ACCOUNT.iter().any(|w| find_word(between, w).is_some()) || wallet_in(between) {
            continue;
        }
        let bank_left = banks_left
            .iter()
            .rfind(|(_, e, _)| no_digits(&left[*e..]))
            .map(|x| x.2);
        let right = right_window(b, run.end, 40);
        let bank_right = find_banks(right)
            .into_iter()
            .find(|(s, _, _)| no_digits(&right[..*s]))
            .map(|x| x.2);
        out.push(Account {
            start: run.start,
            end: run.end,
            digits,
            bank: bank_left.or(bank_right),
        });
    }
    out
}

pub(crate) struct Wallet {
    pub start: usize,
    pub end: usize,
    pub provider: &'static str,
    pub e164: String,
}

/// E-wallets: a provider name with a phone number (wallets are keyed by phone) next
/// to it on the same line, nothing numeric in between.
pub(crate) fn find_wallets(b: &[u8], phones: &[crate::phone::Found]) -> Vec<Wallet> {
    let mut out = Vec::new();
    for p in phones {
        let left = left_window(b, p.start, 40);
        let right = right_window(b, p.end, 20);
        for (provider, aliases) in WALLETS {
            let named = aliases.iter().any(|a| {
                find_word(left, a).is_some_and(|i| no_digits(&left[i..]))
                    || find_word(right, a).is_some_and(|i| no_digits(&right[..i]))
            });
            if named {
                out.push(Wallet {
                    start: p.start,
                    end: p.end,
                    provider,
                    e164: p.e164.clone(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts(s: &str) -> Vec<String> {
        let f = crate::fold::fold(s);
        find_accounts(f.as_bytes(), &crate::numbers::runs(f.as_bytes()))
            .into_iter()
            .map(|a| account_value(a.bank, &a.digits))
            .collect()
    }

    #[test]
    fn accounts_with_context() {
        assert_eq!(
            accounts("STK: 0011001234567 - Vietcombank"),
            ["VCB:0011001234567"]
        );
        assert_eq!(
            accounts("CK về Techcombank 1903 6543 2100 11"),
            ["TCB:19036543210011"]
        );
        assert_eq!(
            accounts("Số tài khoản 123456789 ngân hàng ACB"),
            ["ACB:123456789"]
        );
        assert_eq!(
            accounts("MB Bank: 0987654321 (Nguyễn Văn A)"),
            ["MB:0987654321"]
        );
        assert_eq!(accounts("TK 123456789"), ["123456789"]);
    }

    #[test]
    fn not_accounts() {
        for s in [
            "CK 500.000đ",
            "chuyển khoản 1.500.000 VND",
            "0011001234567",
            "Mã đơn hàng 2411280912345",
            "chuyển khoản, mã đơn 123456789",
            "STK ví MoMo 0912345678",
        ] {
            assert!(accounts(s).is_empty(), "{s}: {:?}", accounts(s));
        }
    }

    #[test]
    fn normalizer() {
        assert_eq!(
            normalize_account("VCB: 0011 0012 34567").as_deref(),
            Some("VCB:0011001234567")
        );
        assert_eq!(
            normalize_account("Vietcombank 0011001234567").as_deref(),
            Some("VCB:0011001234567")
        );
        assert_eq!(
            normalize_account("0011-0012-34567").as_deref(),
            Some("0011001234567")
        );
        assert_eq!(normalize_account("Nowhere Bank 0011001234567"), None);
        assert_eq!(normalize_account("12"), None);
    }
}
