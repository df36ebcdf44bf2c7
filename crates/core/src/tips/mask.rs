//! Masking of the reporter's contact: enough to recognise a caller again ("09******12"),
//! not enough to identify them from a screen or a screenshot.

use super::model::TipContact;

/// Keeps the first two and last two characters: `0912345612` → `09******12`.
pub fn mask_middle(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1..=4 => "*".repeat(chars.len()),
        n => chars[..2]
            .iter()
            .chain(std::iter::repeat_n(&'*', n - 4))
            .chain(&chars[n - 2..])
            .collect(),
    }
}

/// `nguyen.van.a@gmail.com` → `ng**********@gmail.com`.
pub fn mask_email(text: &str) -> String {
    match text.trim().split_once('@') {
        Some((local, host)) => {
            let keep: String = local.chars().take(2).collect();
            let hidden = local.chars().count().saturating_sub(2).max(1);
            format!("{keep}{}@{host}", "*".repeat(hidden))
        }
        None => mask_middle(text),
    }
}

/// Initial of each word: `Nguyễn Văn An` → `N***** V** A*`.
pub fn mask_name(text: &str) -> String {
    text.split_whitespace()
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => format!("{first}{}", "*".repeat(chars.count())),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn mask(contact: &TipContact) -> TipContact {
    TipContact {
        name: mask_name(&contact.name),
        phone: mask_middle(&contact.phone),
        email: mask_email(&contact.email),
        address: if contact.address.trim().is_empty() {
            String::new()
        } else {
            "***".to_string()
        },
        // The referring agency is an institution, not a person.
        organization: contact.organization.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(mask_middle("0912345612"), "09******12");
        assert_eq!(mask_middle("123"), "***");
        assert_eq!(mask_email("nguyenvana@gmail.com"), "ng********@gmail.com");
        assert_eq!(mask_name("Nguyễn Văn An"), "N***** V** A*");
        assert_eq!(mask_name(""), "");
    }
}
