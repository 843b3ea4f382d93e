//! `jwe export-key`: the JWE keys of one purpose, as a secret JWK Set for a service in another
//! language (`docs/FORMAT.md`, "JWE profile"), written to a file only its owner can read.
//!
//! The set is a secret (whoever holds it reads and makes this purpose's sessions), so it never
//! goes to stdout, where terminals, logs and CI output keep it: it goes to a new file of mode
//! 600, written whole or not at all. The file is written beside its final name and then put
//! in place in one step: a link, which fails if the name is taken, or with `--force` a rename
//! over the old file. A crash leaves either no file or the old one, never half a key.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use sealed_session::{Format, Sealer};

use crate::keys::{KeySource, new_private_file};
use crate::{Failure, print};

/// The options of `jwe export-key`.
#[derive(Args, Debug)]
pub struct ExportKeyArgs {
    #[command(flatten)]
    key: KeySource,
    /// The purpose whose key to export, as `seal --purpose` names it: each purpose has a JWE
    /// key of its own, and the set opens no other purpose's tokens.
    #[arg(long)]
    purpose: String,
    /// The file to write the secret JWK Set to, mode 600; it must not exist yet, unless
    /// --force.
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
}

/// Writes the JWE keys of `args.purpose` to `args.out`, and to `out` where they went and their
/// kids (never a key).
pub fn run(args: ExportKeyArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let sealer = Sealer::builder(args.key.load()?, &args.purpose)
        .with_format(Format::Jwe)
        .build()
        .map_err(Failure::of)?;
    let set = sealer.export_jwe_secret_keys();
    let kids: Vec<String> = serde_json::from_str::<serde_json::Value>(&set)
        .ok()
        .and_then(|set| {
            set["keys"].as_array().map(|keys| {
                keys.iter()
                    .filter_map(|key| key["kid"].as_str().map(str::to_owned))
                    .collect()
            })
        })
        .unwrap_or_default();
    write_secret(&args.out, format!("{set}\n").as_bytes(), args.force)?;
    let mut kids = kids.into_iter();
    let current = kids.next().unwrap_or_default();
    let previous: Vec<String> = kids.collect();
    let previous = if previous.is_empty() {
        String::new()
    } else {
        format!(", then the previous {}", previous.join(", "))
    };
    crate::write_line(
        out,
        &format!(
            "wrote the JWE keys of purpose {} to {} (mode 600): kid {current} (current){previous}. \
             The file is secret: whoever holds it reads and makes these sessions.",
            print::json(&serde_json::Value::from(args.purpose.as_str())),
            args.out.display(),
        ),
    )
}

/// Puts `bytes` at `path` in a new file of mode 600, whole or not at all: never over an
/// existing file unless `replace`, and never through a symlink planted at either name.
fn write_secret(path: &Path, bytes: &[u8], replace: bool) -> Result<(), Failure> {
    let failed = |error: std::io::Error| {
        Failure::config(format!("cannot write {}: {error}", path.display()))
    };
    let exists = || {
        Failure::config(format!(
            "{} exists: pass --force to replace it",
            path.display()
        ))
    };
    if !replace && path.symlink_metadata().is_ok() {
        return Err(exists());
    }
    // A random name, created new: no one can plant anything at it in advance.
    let mut suffix = [0u8; 16];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut suffix);
    let (folder, temporary) = crate::keys::temporary_beside(path, &print::hex(&suffix))?;
    let mut file = new_private_file(&temporary).map_err(failed)?;
    let result = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            if replace {
                std::fs::rename(&temporary, path)
            } else {
                // A link fails if the name was taken since the check above.
                std::fs::hard_link(&temporary, path)
            }
        })
        // The new name itself reaches the disk with the folder.
        .and_then(|()| std::fs::File::open(&folder).and_then(|folder| folder.sync_all()));
    if !replace || result.is_err() {
        // Ours to remove: `create_new` made it (a rename that succeeded took it away).
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(|error| match error.kind() {
        std::io::ErrorKind::AlreadyExists => exists(),
        _ => failed(error),
    })
}
