//! What an instance reads back from Redis: replies parsed, revocations applied.
//!
//! Everything Redis returns is untrusted input (another writer, an old version, a corrupted
//! key): a reply of the wrong shape fails the exchange, an entry that is not a revocation is
//! skipped and counted, and neither panics nor removes anything from the list.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ::redis::Value;

use crate::RevocationList;
use crate::revocation::{Applied, Revocation};

/// The last millisecond of the year 9999: no time past it is read from Redis.
const MAX_UNIX_MILLIS: i64 = 253_402_300_799_999;

/// Where an instance is in the stream: the id of the last entry applied, and how many entries
/// the stream had ever received up to it (XINFO's `entries-added`, Redis 7 and Valkey), so
/// that entries trimmed before they were read are noticed.
#[derive(Clone)]
pub(super) struct Position {
    pub(super) id: String,
    pub(super) added: Option<u64>,
}

/// Why an exchange failed: Redis, or a reply of the wrong shape.
#[derive(Debug)]
pub(super) enum Fault {
    Redis(::redis::RedisError),
    Protocol(&'static str),
}

impl From<::redis::RedisError> for Fault {
    fn from(error: ::redis::RedisError) -> Fault {
        Fault::Redis(error)
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::Redis(error) => write!(f, "{error}"),
            Fault::Protocol(what) => f.write_str(what),
        }
    }
}

/// A whole-millisecond score (`ZSCORE`): a bulk string in RESP2, a double in RESP3.
pub(super) fn score_of(value: &Value) -> Option<i64> {
    match value {
        Value::Int(score) => Some(*score),
        Value::Double(score) => whole(*score),
        _ => {
            let text = std::str::from_utf8(text(value)?).ok()?;
            text.parse::<i64>()
                .ok()
                .or_else(|| text.parse::<f64>().ok().and_then(whole))
        }
    }
}

/// `score` if it is a whole number that an `i64` holds.
fn whole(score: f64) -> Option<i64> {
    // 2^63 as a double: the first value past i64's range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (score.fract() == 0.0 && (-LIMIT..LIMIT).contains(&score)).then_some(score as i64)
}

/// Redis's clock, from a `TIME` reply (seconds and microseconds), in Unix ms.
pub(super) fn redis_time(value: &Value) -> Option<i64> {
    redis_time_micros(value).map(|micros| micros.div_euclid(1000))
}

/// A `TIME` reply in Unix microseconds, if it is one (a time from 1970 to 9999).
pub(super) fn redis_time_micros(value: &Value) -> Option<i64> {
    let Value::Array(parts) = value else {
        return None;
    };
    let [seconds, micros] = parts.as_slice() else {
        return None;
    };
    let number =
        |value: &Value| -> Option<i64> { std::str::from_utf8(text(value)?).ok()?.parse().ok() };
    let (seconds, micros) = (number(seconds)?, number(micros)?);
    (0..1_000_000).contains(&micros).then_some(())?;
    let all = seconds.checked_mul(1_000_000)?.checked_add(micros)?;
    (0..=MAX_UNIX_MILLIS.checked_mul(1000)?.checked_add(999)?)
        .contains(&all)
        .then_some(all)
}

/// A text reply as a `String`, if it is UTF-8.
fn owned_text(value: &Value) -> Option<String> {
    text(value).and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
}

fn text(value: &Value) -> Option<&[u8]> {
    match value {
        Value::BulkString(bytes) => Some(bytes),
        Value::SimpleString(text) => Some(text.as_bytes()),
        _ => None,
    }
}

/// A member and its time, if both are what [`Revocation::label`] and a time write.
fn parse_revocation(member: &[u8], time: &[u8]) -> Option<Revocation> {
    let at: i64 = std::str::from_utf8(time).ok()?.parse().ok()?;
    Revocation::from_label(std::str::from_utf8(member).ok()?, at)
}

fn parse_member(member: &Value, score: &Value) -> Option<Revocation> {
    parse_revocation(text(member)?, text(score)?)
}

/// A stream entry's fields `m` and `t`, each once.
fn parse_entry(fields: &[Value]) -> Option<Revocation> {
    let (mut member, mut time) = (None, None);
    for pair in fields.chunks(2) {
        let [name, value] = pair else { return None };
        let slot = match text(name)? {
            b"m" => &mut member,
            b"t" => &mut time,
            _ => return None,
        };
        if slot.replace(text(value)?).is_some() {
            return None;
        }
    }
    parse_revocation(member?, time?)
}

/// The entries of an XRANGE / XREVRANGE reply: (id, fields).
fn stream_entries(reply: Value) -> Result<Vec<(String, Vec<Value>)>, Fault> {
    let Value::Array(entries) = reply else {
        return match reply {
            Value::Nil => Ok(Vec::new()),
            _ => Err(Fault::Protocol("a stream reply that is not an array")),
        };
    };
    entries
        .into_iter()
        .map(|entry| {
            let Value::Array(mut parts) = entry else {
                return Err(Fault::Protocol("a stream entry that is not an array"));
            };
            if parts.len() != 2 {
                return Err(Fault::Protocol("a stream entry of the wrong shape"));
            }
            let fields = match parts.pop() {
                Some(Value::Array(fields)) => fields,
                _ => return Err(Fault::Protocol("stream fields that are not an array")),
            };
            let id = parts
                .pop()
                .as_ref()
                .and_then(owned_text)
                .ok_or(Fault::Protocol("a stream id that is not text"))?;
            Ok((id, fields))
        })
        .collect()
}

/// The pairs of an XINFO STREAM reply (a flat array in RESP2, a map in RESP3).
fn info_pairs(info: &Value) -> Vec<(&Value, &Value)> {
    match info {
        Value::Array(flat) => flat
            .chunks(2)
            .filter_map(|pair| match pair {
                [name, value] => Some((name, value)),
                _ => None,
            })
            .collect(),
        Value::Map(pairs) => pairs.iter().map(|(name, value)| (name, value)).collect(),
        _ => Vec::new(),
    }
}

/// The value of a field of an XINFO STREAM reply.
fn stream_info_field<'v>(info: &'v Value, field: &str) -> Option<&'v Value> {
    info_pairs(info)
        .into_iter()
        .find(|(name, _)| text(name) == Some(field.as_bytes()))
        .map(|(_, value)| value)
}

/// A text field of an XINFO STREAM reply.
fn stream_info(info: &Value, field: &str) -> Option<String> {
    stream_info_field(info, field).and_then(owned_text)
}

/// A count field of an XINFO STREAM reply.
fn stream_info_count(info: &Value, field: &str) -> Option<u64> {
    match stream_info_field(info, field)? {
        Value::Int(count) => u64::try_from(*count).ok(),
        _ => None,
    }
}

/// The id of an entry field (`first-entry`) of an XINFO STREAM reply.
fn stream_info_entry(info: &Value, field: &str) -> Option<String> {
    match stream_info_field(info, field)? {
        Value::Array(entry) => entry.first().and_then(owned_text),
        _ => None,
    }
}

/// The cursor and the flat member-score list of a ZSCAN reply.
fn scan_page(reply: Value) -> Result<(String, Vec<Value>), Fault> {
    let Value::Array(mut parts) = reply else {
        return Err(Fault::Protocol("a ZSCAN reply that is not an array"));
    };
    if parts.len() != 2 {
        return Err(Fault::Protocol("a ZSCAN reply of the wrong shape"));
    }
    let members = match parts.pop() {
        Some(Value::Array(members)) => members,
        _ => return Err(Fault::Protocol("ZSCAN members that are not an array")),
    };
    let cursor = parts
        .pop()
        .as_ref()
        .and_then(owned_text)
        .ok_or(Fault::Protocol("a ZSCAN cursor that is not text"))?;
    Ok((cursor, members))
}

/// Whether stream id `a` comes after `b` (ids are `ms-seq`).
fn id_after(a: &str, b: &str) -> Result<bool, Fault> {
    let parse = |id: &str| -> Option<(u64, u64)> {
        let (ms, seq) = id.split_once('-')?;
        Some((ms.parse().ok()?, seq.parse().ok()?))
    };
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => Ok(a > b),
        _ => Err(Fault::Protocol("a stream id that does not parse")),
    }
}

/// What to do after one page of the stream.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// The page was full: read the next.
    More,
    /// Up to date.
    Done,
    /// Entries after the position were trimmed before they were read, or the stream is not
    /// the one followed (it ends before the position: a failover to a replica that lacked its
    /// tail, or a stream deleted and made anew): reload the sorted set.
    Reload,
}

/// Applies what is read to the list, counting what is applied and what is skipped.
pub(super) struct Reader {
    list: Arc<RevocationList>,
    applied: AtomicU64,
    skipped: AtomicU64,
    future_dated: AtomicU64,
}

impl Reader {
    pub(super) fn new(list: Arc<RevocationList>) -> Reader {
        Reader {
            list,
            applied: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            future_dated: AtomicU64::new(0),
        }
    }

    pub(super) fn future_dated(&self) -> u64 {
        self.future_dated.load(Ordering::Relaxed)
    }

    pub(super) fn applied(&self) -> u64 {
        self.applied.load(Ordering::Relaxed)
    }

    pub(super) fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    /// Applies one ZSCAN page, but for revocations older than `oldest_live` (they can reject
    /// no live token). Returns the cursor of the next page (`"0"` after the last).
    pub(super) fn scan_page(&self, reply: Value, oldest_live: i64) -> Result<String, Fault> {
        let (next, members) = scan_page(reply)?;
        // The cursor goes back to Redis for the next page: anything but a number would be a
        // loop that never reaches "0".
        if next.parse::<u64>().is_err() {
            return Err(Fault::Protocol("a ZSCAN cursor that is not a number"));
        }
        for pair in members.chunks(2) {
            let [member, score] = pair else {
                self.skip("odd ZSCAN reply");
                continue;
            };
            match parse_member(member, score) {
                Some(revocation) if revocation.at_millis() >= oldest_live => self.apply(revocation),
                Some(_) => {} // past the horizon
                None => self.skip("a sorted-set member that is not a revocation"),
            }
        }
        Ok(next)
    }

    /// Applies one page of the stream after `position` (an XRANGE reply of at most `page`
    /// entries, with the XINFO STREAM reply read in the same transaction), and moves
    /// `position` past it.
    pub(super) fn stream_page(
        &self,
        position: &mut Position,
        info: &Value,
        entries: Value,
        page: u64,
    ) -> Result<Step, Fault> {
        let entries = stream_entries(entries)?;
        let count = entries.len() as u64;
        let added = stream_info_count(info, "entries-added");
        let trimmed_past = match (position.added, added) {
            // More entries were added after our position than are left to read.
            (Some(then), Some(now)) => now.saturating_sub(then) > count && count < page,
            // Older servers: the first entry left comes after our position.
            _ => match stream_info_entry(info, "first-entry") {
                Some(first) => position.id != "0-0" && id_after(&first, &position.id)?,
                None => false,
            },
        };
        // A stream that ends before our position, or that has received fewer entries than
        // we counted, is not the one we followed: what it holds after our position would be
        // missed (its new ids may lie before it).
        let went_back = match (position.added, added) {
            (Some(then), Some(now)) if now < then => true,
            _ => match stream_info(info, "last-generated-id") {
                Some(last) => id_after(&position.id, &last)?,
                None => false,
            },
        };
        if trimmed_past || went_back {
            return Ok(Step::Reload);
        }
        for (id, fields) in entries {
            match parse_entry(&fields) {
                Some(revocation) => self.apply(revocation),
                None => self.skip("a stream entry that is not a revocation"),
            }
            position.id = id;
        }
        position.added = match (position.added, added) {
            (Some(then), Some(_)) => Some(then.saturating_add(count)),
            _ => added.filter(|_| count < page),
        };
        Ok(if count < page { Step::Done } else { Step::More })
    }

    fn apply(&self, revocation: Revocation) {
        if self.list.apply(revocation) != Applied::AsGiven {
            tracing::warn!(
                at_ms = revocation.at_millis(),
                "a revocation dated more than a minute after the local clock: applied at that bound, or not at all past an hour"
            );
            self.future_dated.fetch_add(1, Ordering::Relaxed);
        }
        self.applied.fetch_add(1, Ordering::Relaxed);
    }

    fn skip(&self, what: &'static str) {
        tracing::warn!(what, "skipped an entry in Redis");
        self.skipped.fetch_add(1, Ordering::Relaxed);
    }
}

/// Where a cold start begins to follow the stream, from its XINFO STREAM reply.
pub(super) fn position_of(info: &Value) -> Result<Position, Fault> {
    Ok(Position {
        id: stream_info(info, "last-generated-id")
            .ok_or(Fault::Protocol("XINFO STREAM without last-generated-id"))?,
        added: stream_info_count(info, "entries-added"),
    })
}

/// Replies from Redis read as a running instance reads them, for the `redis_read` fuzz target
/// (built only under `cfg(fuzzing)`, which `cargo fuzz` sets).
#[cfg(fuzzing)]
pub mod fuzzing {
    use std::sync::Arc;

    use super::{Position, Reader, Step, position_of};
    use crate::RevocationList;

    /// What one read did.
    #[derive(Debug, PartialEq, Eq)]
    pub struct ReadBack {
        /// The reply was of the right shape (entries inside may still have been skipped).
        pub accepted: bool,
        /// Revocations applied.
        pub applied: u64,
        /// Entries skipped.
        pub skipped: u64,
    }

    /// Parses `reply` (RESP bytes) and reads it as `command` would be read: 0 a ZSCAN page,
    /// 1 an XRANGE page after `"0-0"` (with `info` as the XINFO STREAM reply), 2 an XINFO
    /// STREAM reply at a cold start. Bytes that are not RESP are refused as Redis's own
    /// client refuses them.
    pub fn read_back(
        list: &Arc<RevocationList>,
        command: u8,
        info: &[u8],
        reply: &[u8],
    ) -> ReadBack {
        let reader = Reader::new(Arc::clone(list));
        let parse = |bytes: &[u8]| ::redis::parse_redis_value(bytes).ok();
        let accepted = match (command % 3, parse(reply)) {
            (_, None) => false,
            (0, Some(reply)) => reader.scan_page(reply, 0).is_ok(),
            (1, Some(reply)) => {
                let info = parse(info).unwrap_or(::redis::Value::Nil);
                let mut position = Position {
                    id: "0-0".to_owned(),
                    added: Some(0),
                };
                let before = position.id.clone();
                match reader.stream_page(&mut position, &info, reply, 100) {
                    Ok(Step::Reload) => position.id == before,
                    Ok(_) => true,
                    Err(_) => false,
                }
            }
            (_, Some(reply)) => position_of(&reply).is_ok(),
        };
        ReadBack {
            accepted,
            applied: reader.applied(),
            skipped: reader.skipped(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    /// XINFO STREAM's fields read alike from RESP2's flat array and RESP3's map, and simple
    /// strings read as bulk ones.
    #[test]
    fn stream_info_reads_both_protocols() {
        let first_entry = Value::Array(vec![bulk("1-0"), Value::Array(vec![])]);
        let flat = Value::Array(vec![
            bulk("length"),
            Value::Int(3),
            Value::SimpleString("last-generated-id".into()),
            Value::SimpleString("7-1".into()),
            bulk("first-entry"),
            first_entry.clone(),
            bulk("entries-added"),
            Value::Int(9),
        ]);
        let map = Value::Map(vec![
            (bulk("length"), Value::Int(3)),
            (bulk("last-generated-id"), bulk("7-1")),
            (bulk("first-entry"), first_entry),
            (bulk("entries-added"), Value::Int(9)),
        ]);
        for info in [flat, map] {
            assert_eq!(
                stream_info(&info, "last-generated-id").as_deref(),
                Some("7-1")
            );
            assert_eq!(
                stream_info_entry(&info, "first-entry").as_deref(),
                Some("1-0")
            );
            assert_eq!(stream_info_entry(&info, "last-entry"), None);
            assert_eq!(stream_info_count(&info, "entries-added"), Some(9));
            assert_eq!(stream_info_count(&info, "length"), Some(3));
        }
        let empty = Value::Array(vec![bulk("first-entry"), Value::Nil]);
        assert_eq!(stream_info_entry(&empty, "first-entry"), None);
        assert_eq!(stream_info(&Value::Int(1), "length"), None);
    }

    /// A ZSCAN cursor is a number: another one is a fault, never a page to ask for again.
    #[test]
    fn a_zscan_cursor_must_be_a_number() {
        let reader = Reader::new(Arc::new(RevocationList::new(time::Duration::days(8))));
        let page = |cursor: &str| Value::Array(vec![bulk(cursor), Value::Array(vec![])]);
        assert_eq!(reader.scan_page(page("0"), 0).expect("the last page"), "0");
        assert_eq!(reader.scan_page(page("1792"), 0).expect("a page"), "1792");
        for bad in ["", "x", "-1", "1.5"] {
            assert!(reader.scan_page(page(bad), 0).is_err(), "{bad:?}");
        }
    }

    /// A position takes the stream's count of added entries only once it has read to the end:
    /// after a full page more may follow, and the count would be ahead of the position.
    #[test]
    fn the_added_count_is_taken_at_the_end_of_the_stream_only() {
        let reader = Reader::new(Arc::new(RevocationList::new(time::Duration::days(8))));
        let info = Value::Array(vec![bulk("entries-added"), Value::Int(5)]);
        let entries = |n: usize| {
            let entry =
                |i: usize| Value::Array(vec![bulk(&format!("{i}-0")), Value::Array(vec![])]);
            Value::Array((1..=n).map(entry).collect())
        };
        let start = || Position {
            id: "0-0".to_owned(),
            added: None,
        };
        let mut position = start();
        let step = reader.stream_page(&mut position, &info, entries(3), 3);
        assert!(matches!(step, Ok(Step::More)));
        assert_eq!((position.id.as_str(), position.added), ("3-0", None));
        let mut position = start();
        let step = reader.stream_page(&mut position, &info, entries(2), 3);
        assert!(matches!(step, Ok(Step::Done)));
        assert_eq!((position.id.as_str(), position.added), ("2-0", Some(5)));
    }

    /// A revocation `u|s` + hex at `at`, as the stream's fields and as a ZSCAN pair.
    fn revocation_fields(byte: u8, at: i64) -> Vec<Value> {
        let member = Revocation::user([byte; 16], at).expect("in range").label();
        vec![bulk("m"), bulk(&member), bulk("t"), bulk(&at.to_string())]
    }

    /// Each applied revocation is counted; a ZSCAN page applies only what is not yet past the
    /// horizon (older ones can reject no live token).
    #[test]
    fn pages_apply_and_count_only_what_can_still_matter() {
        let list = Arc::new(RevocationList::new(time::Duration::days(8)));
        let reader = Reader::new(Arc::clone(&list));
        let [_, member, _, score]: [Value; 4] = revocation_fields(1, 1_700_000_000_000)
            .try_into()
            .expect("four");
        let [_, old_member, _, old_score]: [Value; 4] = revocation_fields(2, 1_000_000_000_000)
            .try_into()
            .expect("four");
        let page = Value::Array(vec![
            bulk("0"),
            Value::Array(vec![member, score, old_member, old_score]),
        ]);
        assert_eq!(
            reader.scan_page(page, 1_600_000_000_000).expect("a page"),
            "0"
        );
        assert_eq!((reader.applied(), list.len()), (1, 1));

        let entries = Value::Array(
            [(3u8, "1-0"), (4, "2-0")]
                .into_iter()
                .map(|(byte, id)| {
                    Value::Array(vec![
                        bulk(id),
                        Value::Array(revocation_fields(byte, 1_700_000_000_000)),
                    ])
                })
                .collect(),
        );
        let mut position = Position {
            id: "0-0".to_owned(),
            added: Some(0),
        };
        let info = Value::Array(vec![bulk("entries-added"), Value::Int(2)]);
        let step = reader.stream_page(&mut position, &info, entries, 10);
        assert!(matches!(step, Ok(Step::Done)));
        assert_eq!((reader.applied(), list.len()), (3, 3));
    }

    /// Entries trimmed before they were read are noticed, by the added count where the server
    /// keeps one and by the first entry left where it does not; a full page is not a gap, and
    /// a reader at the start has missed nothing.
    #[test]
    fn entries_trimmed_before_they_were_read_are_noticed() {
        let reader = Reader::new(Arc::new(RevocationList::new(time::Duration::days(8))));
        let entries = |ids: &[&str]| {
            let entry = |id: &&str| Value::Array(vec![bulk(id), Value::Array(vec![])]);
            Value::Array(ids.iter().map(entry).collect())
        };
        let at = |id: &str, added| Position {
            id: id.to_owned(),
            added,
        };
        let counted = Value::Array(vec![bulk("entries-added"), Value::Int(10)]);
        // 8 added since our position, 3 left to read on a page of 5: 5 were trimmed.
        let mut position = at("2-0", Some(2));
        let step = reader.stream_page(&mut position, &counted, entries(&["8-0", "9-0", "10-0"]), 5);
        assert!(matches!(step, Ok(Step::Reload)));
        // A full page of 3 with more to come: no gap, and the count moves with the position.
        let mut position = at("2-0", Some(2));
        let step = reader.stream_page(&mut position, &counted, entries(&["3-0", "4-0", "5-0"]), 3);
        assert!(matches!(step, Ok(Step::More)));
        assert_eq!((position.id.as_str(), position.added), ("5-0", Some(5)));

        let first = |id: &str| {
            let entry = Value::Array(vec![bulk(id), Value::Array(vec![])]);
            Value::Array(vec![bulk("first-entry"), entry])
        };
        let mut position = at("3-0", None);
        let step = reader.stream_page(&mut position, &first("5-0"), entries(&["5-0"]), 5);
        assert!(
            matches!(step, Ok(Step::Reload)),
            "the first entry left is past ours"
        );
        let mut position = at("5-0", None);
        let step = reader.stream_page(&mut position, &first("5-0"), entries(&["6-0"]), 5);
        assert!(
            matches!(step, Ok(Step::Done)),
            "ours is the first entry left"
        );
        let mut position = at("0-0", None);
        let step = reader.stream_page(&mut position, &first("5-0"), entries(&["5-0"]), 5);
        assert!(
            matches!(step, Ok(Step::Done)),
            "from the start, nothing is missed"
        );
    }

    /// Regression for failovers: a replica promoted without the stream's last entries holds a
    /// stream that ends before the position of an instance that read them from the old
    /// primary, and its next entries may get ids before that position (its clock behind the
    /// old primary's): XRANGE after the position would skip them for good. Such a stream, by
    /// its last id or by its added count, means a reload.
    #[test]
    fn a_stream_that_ends_before_the_position_is_reloaded() {
        let reader = Reader::new(Arc::new(RevocationList::new(time::Duration::days(8))));
        let info = |last: &str, added: Option<i64>| {
            let mut fields = vec![bulk("last-generated-id"), bulk(last)];
            if let Some(added) = added {
                fields.extend([bulk("entries-added"), Value::Int(added)]);
            }
            Value::Array(fields)
        };
        let at = |id: &str, added| Position {
            id: id.to_owned(),
            added,
        };
        let none = || Value::Array(vec![]);
        // The last id lies before ours (a server without the added count).
        let mut position = at("9-0", None);
        let step = reader.stream_page(&mut position, &info("7-0", None), none(), 5);
        assert!(matches!(step, Ok(Step::Reload)), "{step:?}");
        // Fewer entries ever added than we counted, whatever the ids say.
        let mut position = at("9-0", Some(9));
        let step = reader.stream_page(&mut position, &info("12-0", Some(7)), none(), 5);
        assert!(matches!(step, Ok(Step::Reload)), "{step:?}");
        // The stream we followed, with nothing new: no reload.
        let mut position = at("9-0", Some(9));
        let step = reader.stream_page(&mut position, &info("9-0", Some(9)), none(), 5);
        assert!(matches!(step, Ok(Step::Done)), "{step:?}");
        let mut position = at("9-0", None);
        let step = reader.stream_page(&mut position, &info("9-0", None), none(), 5);
        assert!(matches!(step, Ok(Step::Done)), "{step:?}");
    }

    /// XRANGE on a missing key answers nil: no entries, not a fault.
    #[test]
    fn a_nil_stream_reply_is_no_entries() {
        assert!(stream_entries(Value::Nil).expect("no entries").is_empty());
        assert!(stream_entries(Value::Int(0)).is_err());
    }

    /// What a failed exchange logs: the reply's problem as it is, Redis's error as Redis said it.
    #[test]
    fn faults_say_what_went_wrong() {
        assert_eq!(
            Fault::Protocol("XRANGE: not an array").to_string(),
            "XRANGE: not an array"
        );
        let refused = ::redis::RedisError::from((::redis::ErrorKind::Io, "connection refused"));
        let shown = Fault::from(refused).to_string();
        assert!(shown.contains("connection refused"), "{shown}");
    }

    #[test]
    fn members_round_trip_and_garbage_is_refused() {
        let revocation =
            Revocation::user(*b"0123456789abcdef", 1_906_545_600_123).expect("in range");
        let member = revocation.label();
        assert_eq!(member.len(), 33);
        assert_eq!(
            parse_revocation(member.as_bytes(), b"1906545600123"),
            Some(revocation)
        );
        for (member, time) in [
            (&b"x3031"[..], &b"1"[..]),
            (b"u0011", b"1"),
            (member.as_bytes(), b"1.5"),
            (member.as_bytes(), b"-"),
            (member.as_bytes(), b"999999999999999999"),
            (member.to_uppercase().as_bytes(), b"1"),
        ] {
            assert_eq!(parse_revocation(member, time), None);
        }
        let fields = |pairs: &[(&str, &str)]| -> Vec<Value> {
            pairs
                .iter()
                .flat_map(|(n, v)| {
                    [
                        Value::BulkString(n.as_bytes().to_vec()),
                        Value::BulkString(v.as_bytes().to_vec()),
                    ]
                })
                .collect()
        };
        assert!(parse_entry(&fields(&[("m", &member), ("t", "5")])).is_some());
        assert!(parse_entry(&fields(&[("m", &member), ("t", "5"), ("t", "6")])).is_none());
        assert!(parse_entry(&fields(&[("m", &member)])).is_none());
        assert!(parse_entry(&fields(&[("m", &member), ("t", "5"), ("x", "1")])).is_none());
    }

    /// Scores and clocks read from both protocols; anything else is refused.
    #[test]
    fn scores_and_redis_time_parse_or_are_refused() {
        assert_eq!(score_of(&bulk("2678400000")), Some(2_678_400_000));
        assert_eq!(score_of(&bulk("2.6784e9")), Some(2_678_400_000));
        assert_eq!(score_of(&Value::Double(691_200_000.0)), Some(691_200_000));
        for bad in [
            bulk("x"),
            bulk("1.5"),
            bulk("inf"),
            Value::Double(f64::NAN),
            Value::Nil,
        ] {
            assert_eq!(score_of(&bad), None, "{bad:?}");
        }
        assert_eq!(score_of(&Value::Double(1e300)), None);
        let time = |s: &str, us: &str| Value::Array(vec![bulk(s), bulk(us)]);
        assert_eq!(
            redis_time(&time("1906545600", "123456")),
            Some(1_906_545_600_123)
        );
        assert_eq!(redis_time(&time("1906545600", "1000000")), None);
        assert_eq!(redis_time(&time("99999999999999", "0")), None);
        assert_eq!(redis_time(&bulk("1")), None);
    }

    #[test]
    fn stream_ids_compare_as_numbers() {
        assert_eq!(id_after("10-0", "9-5").ok(), Some(true));
        assert_eq!(id_after("10-1", "10-0").ok(), Some(true));
        assert_eq!(id_after("10-0", "10-0").ok(), Some(false));
        assert!(id_after("x", "1-0").is_err());
    }

    proptest::proptest! {
        /// Whatever Redis holds, parsing it never panics, and what parses writes back the same.
        #[test]
        fn any_member_and_time_parse_or_are_refused(member: Vec<u8>, time: Vec<u8>) {
            if let Some(revocation) = parse_revocation(&member, &time) {
                let written = revocation.label();
                proptest::prop_assert_eq!(written.as_bytes(), &member[..]);
            }
        }

        #[test]
        fn any_stream_fields_parse_or_are_refused(fields: Vec<Vec<u8>>) {
            let fields: Vec<Value> = fields.into_iter().map(Value::BulkString).collect();
            let _ = parse_entry(&fields);
            let _ = stream_entries(Value::Array(vec![Value::Array(fields.clone())]));
            let _ = scan_page(Value::Array(fields));
        }
    }
}
