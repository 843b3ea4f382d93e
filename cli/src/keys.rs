//! Where keys come from: an environment variable or a file, never the command line (it shows
//! in `ps` and in shell history); a key file readable by others is refused.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use clap::Args;
use sealed_session::jwt::JwsSigningKey;
use sealed_session::{Error, Key, Keyring};

use crate::Failure;

/// The key options shared by the commands that need a key.
#[derive(Args, Debug, Clone)]
pub struct KeySource {
    /// Read the key (base64) from this environment variable: for `seal`, `open` and
    /// `jwe export-key` a list (commas or spaces), the first sealing, the others only opening.
    #[arg(long, value_name = "NAME", default_value = "SESSION_KEY")]
    pub key_env: String,
    /// Read the key (base64) from this file instead; it must not be readable by group or others.
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
}

impl KeySource {
    /// The keys, from the file if one is named (one key), else from the environment variable
    /// (a list; keys printed in the library's docs, or not random, are refused).
    pub fn load(&self) -> Result<Keyring, Failure> {
        match &self.key_file {
            Some(path) => Ok(Keyring::new(key_of_file(path)?)),
            None => Keyring::from_env(&self.key_env).map_err(|error| self.failure(error)),
        }
    }

    /// One key, as [`KeySource::load`] reads it (the shared revocation key of `--redis`).
    #[cfg(feature = "redis")]
    pub fn load_one(&self) -> Result<Key, Failure> {
        match &self.key_file {
            Some(path) => key_of_file(path),
            None => Key::from_env(&self.key_env).map_err(|error| self.failure(error)),
        }
    }

    fn failure(&self, error: Error) -> Failure {
        Failure::config(format!(
            "{error} (a key: base64 from `sealed-session keygen`; or pass --key-file)"
        ))
    }
}

/// The key options of the commands that sign or check JWTs: an Ed25519 seed (as `keygen
/// --ed25519` writes it), or with `--hs256` a secret shared with the verifiers.
#[derive(Args, Debug, Clone)]
pub struct JwsKeySource {
    /// Read the key (base64) from this environment variable: an Ed25519 seed, as
    /// `keygen --ed25519 --out` writes it, or with --hs256 a secret of 32 bytes or more.
    #[arg(long, value_name = "NAME", default_value = "JWS_SIGNING_KEY")]
    pub key_env: String,
    /// Read the key (base64) from this file instead; it must not be readable by group or others.
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// The key is an HS256 secret shared with the verifiers, not an Ed25519 seed.
    #[arg(long)]
    pub hs256: bool,
}

impl JwsKeySource {
    /// The key, from the file if one is named, else from the environment variable.
    pub fn load(&self) -> Result<JwsSigningKey, Failure> {
        match &self.key_file {
            Some(path) => jws_key_of_file(path, self.hs256),
            None => jws_key_of_env(&self.key_env, self.hs256),
        }
    }
}

/// The JWS key in the environment variable `name`, checked by the library as the session keys
/// are (set, base64, not a key from the docs, random); the message names the variable only.
pub fn jws_key_of_env(name: &str, hs256: bool) -> Result<JwsSigningKey, Failure> {
    let (key, hint) = if hs256 {
        (
            JwsSigningKey::hs256_from_env(name),
            "an HS256 secret: 32 random bytes or more in base64, as `sealed-session keygen` prints",
        )
    } else {
        (
            JwsSigningKey::ed25519_from_env(name),
            "an Ed25519 seed: `sealed-session keygen --ed25519 --out FILE` writes one",
        )
    };
    key.map_err(|error| Failure::config(format!("{error} ({hint}; or pass --key-file)")))
}

/// The JWS key in the private file `path`, with the checks [`jws_key_of_env`] makes: base64 in
/// either alphabet, padded or not; not a key from the docs; random; of the right length.
pub fn jws_key_of_file(path: &Path, hs256: bool) -> Result<JwsSigningKey, Failure> {
    let text = read_private_file(path)?;
    let secret = [URL_SAFE_NO_PAD, URL_SAFE, STANDARD_NO_PAD, STANDARD]
        .iter()
        .find_map(|engine| engine.decode(text.trim()).ok())
        .ok_or_else(|| Failure::config(format!("the key in {} is not base64", path.display())))?;
    if let Some(why) = Key::public_secret_problem(&secret) {
        return Err(Failure::config(format!(
            "the key in {} {why}",
            path.display()
        )));
    }
    if hs256 {
        return JwsSigningKey::hs256(&secret).map_err(|_| {
            Failure::config(format!(
                "the secret in {} is shorter than 32 bytes: an HS256 secret needs at least the \
                 hash's size",
                path.display()
            ))
        });
    }
    let seed: &[u8; 32] = secret[..].try_into().map_err(|_| {
        Failure::config(format!(
            "the key in {} is not a 32-byte Ed25519 seed (for an HS256 secret, pass --hs256)",
            path.display()
        ))
    })?;
    Ok(JwsSigningKey::ed25519_from_seed(seed))
}

fn key_of_file(path: &Path) -> Result<Key, Failure> {
    Key::from_base64(read_private_file(path)?.trim())
        .map_err(|_| Failure::config("the key is not 32 bytes of base64".to_owned()))
}

/// The contents of a file that holds a secret, refusing one that others can read.
pub fn read_private_file(path: &Path) -> Result<String, Failure> {
    let metadata = std::fs::metadata(path)
        .map_err(|error| Failure::config(format!("cannot read {}: {error}", path.display())))?;
    refuse_shared(path, &metadata)?;
    std::fs::read_to_string(path)
        .map_err(|error| Failure::config(format!("cannot read {}: {error}", path.display())))
}

#[cfg(unix)]
fn refuse_shared(path: &Path, metadata: &std::fs::Metadata) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Failure::config(format!(
            "{} is readable by others (mode {mode:03o}): a key file must be private; run `chmod 600 {}`",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_shared(_path: &Path, _metadata: &std::fs::Metadata) -> Result<(), Failure> {
    Ok(())
}

/// Writes a secret to a new file only its owner can read (never over an existing one).
pub fn write_private_file(path: &Path, contents: &str) -> Result<(), Failure> {
    let mut file = new_private_file(path)
        .map_err(|error| Failure::config(format!("cannot create {}: {error}", path.display())))?;
    std::io::Write::write_all(&mut file, contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|error| Failure::config(format!("cannot write {}: {error}", path.display())))
}

/// The folder of `path` and a temporary name beside it, `.<name>.tmp-<suffix>`, for a file
/// written whole and then put in `path`'s place.
pub fn temporary_beside(path: &Path, suffix: &str) -> Result<(PathBuf, PathBuf), Failure> {
    let folder = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| Failure::config(format!("{} is not a file name", path.display())))?;
    let temporary = folder.join(format!(".{}.tmp-{suffix}", name.to_string_lossy()));
    Ok((folder.to_path_buf(), temporary))
}

/// A file that did not exist (not even as a symlink), readable and writable by its owner only:
/// where a secret may be written without anyone else reading it at any moment.
pub fn new_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}
