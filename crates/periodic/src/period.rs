//! Dates of a period: parsing, checks, and the UTC bounds the stored RFC 3339 times are
//! compared with (stored times are UTC with a `Z`, so string order is time order).

use time::macros::{format_description, offset};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use truyvet_core::{Error, Result};

/// Vietnam time: every day and month of a report is counted in it.
pub(crate) const VN: UtcOffset = offset!(+7);

/// The longest period a report covers (ten years): a typo such as 0026 for 2026 gets a
/// clear refusal instead of a series of twenty thousand months.
pub const MAX_PERIOD_DAYS: i64 = 3_660;

/// `YYYY-MM-DD` to a date; `invalid_input` naming the text otherwise.
pub fn parse_date(text: &str) -> Result<Date> {
    let fmt = format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &fmt).map_err(|_| {
        Error::invalid(format!(
            "{:?} is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31",
            text.trim()
        ))
    })
}

pub(crate) fn check(from: Date, to: Date) -> Result<()> {
    if from > to {
        return Err(Error::invalid(format!(
            "the period starts ({from}) after it ends ({to}): the start date must not be later \
             than the end date"
        )));
    }
    let days = (to - from).whole_days() + 1;
    if days > MAX_PERIOD_DAYS {
        return Err(Error::invalid(format!(
            "the period {from} – {to} is {days} days long; a report covers at most \
             {MAX_PERIOD_DAYS} days"
        )));
    }
    Ok(())
}

/// The first day of the month `back` months before `day`'s month.
pub(crate) fn months_back(day: Date, back: u32) -> Date {
    let index = day.year() * 12 + (day.month() as i32 - 1) - back as i32;
    let (year, month0) = (index.div_euclid(12), index.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).unwrap_or(Month::January);
    Date::from_calendar_date(year, month, 1).unwrap_or(day)
}

/// The UTC instant at which `day` begins in Vietnam, as stored times are written.
pub(crate) fn start_utc(day: Date) -> String {
    let t = PrimitiveDateTime::new(day, Time::MIDNIGHT).assume_offset(VN);
    truyvet_core::time_fmt::format_utc(t)
}

/// `[start, end)` in stored-time form for the inclusive period `from..=to`.
pub(crate) fn bounds(from: Date, to: Date) -> (String, String) {
    let end = to.next_day().unwrap_or(to);
    (start_utc(from), start_utc(end))
}

/// Every month `YYYY-MM` the period touches, in order.
pub(crate) fn months(from: Date, to: Date) -> Vec<String> {
    let mut out = Vec::new();
    let (mut y, mut m) = (from.year(), from.month() as u8);
    while (y, m) <= (to.year(), to.month() as u8) {
        out.push(format!("{y:04}-{m:02}"));
        m += 1;
        if m == 13 {
            (y, m) = (y + 1, 1);
        }
    }
    out
}

/// A generation time as shown in reports: `2026-11-28 09:30 (UTC+07:00)`.
pub(crate) fn format_vn(t: OffsetDateTime) -> String {
    let t = t.to_offset(VN);
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]");
    format!(
        "{} (UTC+07:00)",
        t.format(&fmt)
            .unwrap_or_else(|_| t.unix_timestamp().to_string())
    )
}

/// Seconds SQLite adds to a stored UTC time to get Vietnam time (`'+25200 seconds'`).
pub(crate) const VN_SQL_SHIFT: &str = "+25200 seconds";

/// Serde for a date as `"YYYY-MM-DD"` (how the app and `--json` write dates).
pub(crate) mod date_text {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_date(&text).map_err(|e| serde::de::Error::custom(e.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn parsing_and_checks() {
        assert_eq!(parse_date(" 2026-02-28 ").ok(), Some(date!(2026 - 02 - 28)));
        for bad in ["2026-02-30", "2026/01/01", "", "26-1-1", "hôm nay"] {
            let err = parse_date(bad).unwrap_err();
            assert_eq!(err.code.as_str(), "invalid_input", "{bad}");
        }
        assert!(check(date!(2026 - 01 - 02), date!(2026 - 01 - 01)).is_err());
        assert!(check(date!(2026 - 01 - 01), date!(2026 - 01 - 01)).is_ok());
        assert!(check(date!(2000 - 01 - 01), date!(2026 - 01 - 01)).is_err());
    }

    #[test]
    fn month_arithmetic() {
        assert_eq!(months_back(date!(2026 - 11 - 28), 5), date!(2026 - 06 - 01));
        assert_eq!(
            months_back(date!(2026 - 03 - 31), 35),
            date!(2023 - 04 - 01)
        );
        assert_eq!(months_back(date!(2026 - 01 - 15), 0), date!(2026 - 01 - 01));
        assert_eq!(
            months(date!(2025 - 11 - 15), date!(2026 - 02 - 01)),
            ["2025-11", "2025-12", "2026-01", "2026-02"]
        );
    }

    #[test]
    fn bounds_are_vietnam_days() {
        let (a, b) = bounds(date!(2026 - 02 - 01), date!(2026 - 02 - 28));
        assert_eq!(a, "2026-01-31T17:00:00.000Z");
        assert_eq!(b, "2026-02-28T17:00:00.000Z");
    }
}
