//! Revocation snapshot files: read whole, written atomically (a temporary file in the same
//! folder, flushed to disk, then renamed over the old one), so that a crash or a failed write
//! never leaves half a snapshot: the old file stays as it was.

use std::io::Write as _;
use std::path::Path;

use sealed_session::RevocationList;

use crate::Failure;
use crate::keys::new_private_file;

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
    let mut suffix = [0u8; 16];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut suffix);
    write_bytes_via(path, bytes, &crate::print::hex(&suffix))
}

/// [`write_bytes`] through the temporary file `.NAME.tmp-SUFFIX` beside `path`.
///
/// The snapshot holds the list's hash key, so no one else may read it at any moment:
/// - the temporary file is created new (`create_new`: never an existing file, never through a
///   symlink someone planted) with mode 600, and its name ends in 128 random bits, so that no
///   one can plant anything at it in advance;
/// - a new snapshot stays 600 whatever the umask; a rewrite takes the permission bits of the file
///   it replaces (set with `fchmod`, which the umask does not touch), so that a `chmod 600` (or a
///   deliberate 640 for a group of readers) survives every rewrite.
fn write_bytes_via(path: &Path, bytes: &[u8], suffix: &str) -> Result<(), Failure> {
    let failed = |error: std::io::Error| {
        Failure::config(format!(
            "cannot write {}: {error} (the old snapshot is unchanged)",
            path.display()
        ))
    };
    let (folder, temporary) = crate::keys::temporary_beside(path, suffix)?;
    let mut file = new_private_file(&temporary).map_err(failed)?;
    let result = (|| {
        file.write_all(bytes)?;
        if std::env::var_os("SEALED_SESSION_TEST_FAIL_SNAPSHOT_WRITE").is_some() {
            // Fault injection for the tests: a writer that fails after writing the data.
            return Err(std::io::Error::other(
                "interrupted (SEALED_SESSION_TEST_FAIL_SNAPSHOT_WRITE)",
            ));
        }
        keep_permissions_of(path, &file)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        // The rename itself reaches the disk with the folder.
        std::fs::File::open(&folder).and_then(|folder| folder.sync_all())
    })();
    if result.is_err() {
        // Ours to remove: `create_new` made it.
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(failed)
}

/// Gives `file` the permission bits of the snapshot at `path` it is about to replace; none when
/// there is no snapshot yet (the file stays 600).
#[cfg(unix)]
fn keep_permissions_of(path: &Path, file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    match std::fs::metadata(path) {
        Ok(old) => file.set_permissions(std::fs::Permissions::from_mode(
            old.permissions().mode() & 0o777,
        )),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(not(unix))]
fn keep_permissions_of(_path: &Path, _file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// `create_new` does not follow a symlink at the temporary name: the write fails, the file
    /// the link points to and the snapshot keep their contents, and the link stays.
    #[test]
    fn a_symlink_at_the_temporary_name_is_not_followed() {
        let dir = std::env::temp_dir().join(format!("sealed-session-bin-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a folder");
        let snapshot = dir.join("revoked.bin");
        let target = dir.join("victim");
        std::fs::write(&snapshot, b"old snapshot").expect("written");
        std::fs::write(&target, b"not yours").expect("written");
        let link = dir.join(".revoked.bin.tmp-fixed");
        std::os::unix::fs::symlink(&target, &link).expect("a symlink");

        let failure = write_bytes_via(&snapshot, b"new snapshot", "fixed").err();
        assert_eq!(failure.map(|failure| failure.code), Some(1));
        assert_eq!(std::fs::read(&target).expect("read"), b"not yours");
        assert_eq!(std::fs::read(&snapshot).expect("read"), b"old snapshot");
        assert!(link.symlink_metadata().expect("still there").is_symlink());
        let _ = std::fs::remove_dir_all(dir);
    }
}
