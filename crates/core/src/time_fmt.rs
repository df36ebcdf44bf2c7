//! Timestamps: every stored time is UTC, RFC 3339 with milliseconds and a `Z`, so that
//! string order is time order and the custody-log hash input is unambiguous.

use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

const UTC_MILLIS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

pub fn now_utc() -> String {
    format_utc(OffsetDateTime::now_utc())
}

pub fn format_utc(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(UTC_MILLIS)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

pub fn current_year() -> i32 {
    OffsetDateTime::now_utc().year()
}

#[cfg(test)]
mod tests {
    #[test]
    fn shape() {
        let s = super::format_utc(time::macros::datetime!(2026-11-28 09:30:00.1234 +07:00));
        assert_eq!(s, "2026-11-28T02:30:00.123Z");
    }
}
