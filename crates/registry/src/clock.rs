//! UTC timestamps as the registry stores them: RFC 3339 with milliseconds and `Z`, so
//! stored times sort as text (the statistics compare them as text).

use time::OffsetDateTime;
use time::macros::format_description;

pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

pub fn format(at: OffsetDateTime) -> String {
    let f =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.format(&f).unwrap_or_default()
}
