//! One value per thread, reused from call to call: the sealing buffers and the DEFLATE streams,
//! which would otherwise be allocated (and, for a stream, set up: tens of kilobytes) per token.

use std::cell::RefCell;
use std::thread::LocalKey;

/// Runs `work` with this thread's value in `slot`, made by `fresh` on first use.
///
/// A call made while the value is in use (a state's `Serialize` impl that seals a token of its
/// own) or during thread exit, when the slot is gone, gets a `fresh` value of its own instead:
/// never a panic.
pub(crate) fn with_reused<T: 'static, R>(
    slot: &'static LocalKey<RefCell<Option<T>>>,
    fresh: impl Fn() -> T,
    work: impl FnOnce(&mut T) -> R,
) -> R {
    let mut work = Some(work);
    let reused = slot.try_with(|cell| {
        let mut value = cell.try_borrow_mut().ok()?;
        let work = work.take()?;
        Some(work(value.get_or_insert_with(&fresh)))
    });
    if let Ok(Some(result)) = reused {
        return result;
    }
    match work.take() {
        Some(work) => work(&mut fresh()),
        None => unreachable!("the work runs once, and returned its result above"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static COUNTER: RefCell<Option<Vec<u32>>> = const { RefCell::new(None) };
    }

    #[test]
    fn the_value_is_kept_and_a_nested_call_gets_its_own() {
        let fresh = || vec![0];
        with_reused(&COUNTER, fresh, |outer| {
            outer.push(1);
            with_reused(&COUNTER, fresh, |inner| {
                assert_eq!(inner, &[0], "a fresh value while the slot is in use");
                inner.push(2);
            });
        });
        with_reused(&COUNTER, fresh, |value| {
            assert_eq!(value, &[0, 1], "the first call's value, kept");
        });
    }
}
