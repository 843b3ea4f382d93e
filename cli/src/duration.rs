//! Durations on the command line: `90s`, `30m`, `8h`, `7d`. The text comes from the user, so the
//! parser takes any string without panicking: no slicing by byte count (a multi-byte character
//! at the end would split), no arithmetic that can overflow.

use time::Duration;

/// The longest duration accepted: 100 years. Every real TTL, lifetime or horizon is far
/// shorter, and a bound keeps the times computed from it (now ± the duration) in range.
pub const MAX_SECONDS: i64 = 100 * 365 * SECONDS_PER_DAY;

const SECONDS_PER_DAY: i64 = 86_400;

/// The units, with their length in seconds; each is one ASCII character.
const UNITS: [(char, i64); 4] = [('s', 1), ('m', 60), ('h', 3_600), ('d', SECONDS_PER_DAY)];

/// `90s`, `30m`, `8h`, `7d`: a positive whole number of one unit, at most [`MAX_SECONDS`].
/// The error is clap's message for a bad value (exit code 2).
pub fn parse(text: &str) -> Result<Duration, String> {
    let bad = || format!("not a duration: {text:?} (say 90s, 30m, 8h or 7d)");
    let (number, per_unit) = UNITS
        .iter()
        .find_map(|&(unit, seconds)| text.strip_suffix(unit).map(|number| (number, seconds)))
        .ok_or_else(bad)?;
    // Digits only: `str::parse` would also take a sign.
    if number.is_empty() || !number.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(bad());
    }
    let seconds = number
        .parse::<i64>()
        .ok()
        .and_then(|number| number.checked_mul(per_unit))
        .filter(|&seconds| seconds <= MAX_SECONDS)
        .ok_or_else(|| {
            format!(
                "too long a duration: {text} (at most {}d, 100 years)",
                MAX_SECONDS / SECONDS_PER_DAY
            )
        })?;
    if seconds == 0 {
        return Err(format!("a duration must be positive: {text}"));
    }
    Ok(Duration::seconds(seconds))
}

/// `duration` as the parser reads it, in its largest whole unit (`30d`, `36h`, `90s`), for
/// messages that quote it back.
pub fn show(duration: Duration) -> String {
    let seconds = duration.whole_seconds();
    let (unit, per_unit) = UNITS
        .iter()
        .rev()
        .copied()
        .find(|&(_, per_unit)| seconds % per_unit == 0)
        .unwrap_or(('s', 1));
    format!("{}{unit}", seconds / per_unit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_unit_parses() {
        assert_eq!(parse("90s"), Ok(Duration::seconds(90)));
        assert_eq!(parse("30m"), Ok(Duration::minutes(30)));
        assert_eq!(parse("8h"), Ok(Duration::hours(8)));
        assert_eq!(parse("7d"), Ok(Duration::days(7)));
        assert_eq!(parse("36500d"), Ok(Duration::seconds(MAX_SECONDS)));
    }

    #[test]
    fn what_is_not_a_positive_bounded_duration_is_an_error() {
        for text in [
            "",
            "s",
            "5",
            "5x",
            "5é",
            "é",
            "5ds",
            "-5m",
            "+5m",
            " 5m",
            "5 m",
            "0s",
            "00d",
            "36501d",
            "9223372036854775807s",
            "999999999999999d",
            "99999999999999999999999h",
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn show_quotes_the_largest_whole_unit() {
        assert_eq!(show(Duration::days(30)), "30d");
        assert_eq!(show(Duration::hours(36)), "36h");
        assert_eq!(show(Duration::minutes(90)), "90m");
        assert_eq!(show(Duration::seconds(61)), "61s");
    }

    proptest! {
        /// Any text: an answer, never a panic; and a positive duration in range.
        #[test]
        fn any_text_parses_or_is_refused_without_panicking(text in any::<String>()) {
            if let Ok(duration) = parse(&text) {
                prop_assert!(duration.is_positive());
                prop_assert!(duration.whole_seconds() <= MAX_SECONDS);
            }
        }

        /// Near-misses of the grammar: digits and a unit, with a character that breaks it.
        #[test]
        fn digits_and_units_with_stray_characters(
            text in "[0-9]{0,25}[smhdé€\u{9b}x]?[smhd0-9é]?"
        ) {
            let _ = parse(&text);
        }

        /// Every duration the parser accepts is quoted back as text that parses to it.
        #[test]
        fn show_round_trips(seconds in 1..=MAX_SECONDS) {
            let duration = Duration::seconds(seconds);
            prop_assert_eq!(parse(&show(duration)), Ok(duration));
        }
    }
}
