//! Revocation snapshots from untrusted storage: `restore` never panics, and whatever it accepts
//! survives its own snapshot round trip.
//!
//! Half the inputs get a valid checksum appended, so that the fuzzer reaches the parser behind it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealed_session::RevocationList;
use sha2::{Digest as _, Sha256};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let input = if mode & 1 == 0 {
        body.to_vec()
    } else {
        let mut input = body.to_vec();
        input.extend_from_slice(&Sha256::digest(body)[..16]);
        input
    };
    if let Ok(list) = RevocationList::restore(&input) {
        let again = RevocationList::restore(&list.snapshot()).expect("own snapshot restores");
        assert_eq!(again.len(), list.len());
        assert_eq!(again.horizon(), list.horizon());
        assert_eq!(again.max_entries(), list.max_entries());
    }
});
