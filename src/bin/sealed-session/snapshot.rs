//! Revocation snapshot files: read whole, written atomically (a temporary file in the same
//! folder, flushed to disk, then renamed over the old one), so that a crash or a failed write
//! never leaves half a snapshot: the old file stays as it was.

use std::io::Write as _;
use std::path::Path;

use sealed_session::RevocationList;

use crate::Failure;

/// The list in `path`.
pub fn read(path: &Path) -> Result<RevocationList, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|error| Failure::config(format!("cannot read {}: {error}", path.display())))?;
    RevocationList::restore(&bytes).map_err(|_| {
        Failure::config(format!(
            "{} is not a whole revocation snapshot",
            path.display()
        ))
    })
}

/// Replaces `path` with `list`'s snapshot, atomically.
pub fn write(path: &Path, list: &RevocationList) -> Result<(), Failure> {
    write_bytes(path, &list.snapshot())
}

fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let failed = |error: std::io::Error| {
        Failure::config(format!(
            "cannot write {}: {error} (the old snapshot is unchanged)",
            path.display()
        ))
    };
    let folder = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| Failure::config(format!("{} is not a file name", path.display())))?;
    let temporary = folder.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        if std::env::var_os("SEALED_SESSION_TEST_FAIL_SNAPSHOT_WRITE").is_some() {
            // Fault injection for the tests: a writer that fails after writing the data.
            return Err(std::io::Error::other(
                "interrupted (SEALED_SESSION_TEST_FAIL_SNAPSHOT_WRITE)",
            ));
        }
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        // The rename itself reaches the disk with the folder.
        std::fs::File::open(folder).and_then(|folder| folder.sync_all())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(failed)
}
