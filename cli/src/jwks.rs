//! `jwks print`: the public JWK Set of one or more Ed25519 signing keys, so that an operator
//! publishes the old and the new key together while the old one's tokens live.
//!
//! Each `--kid` names the key given just before it (`--key-file old.key --kid 2026-06
//! --key-file new.key`): clap keeps the lists of keys and kids apart, so the pairing is made
//! here from the positions of the arguments on the command line.

use std::io::Write;
use std::path::PathBuf;

use clap::{ArgGroup, ArgMatches, Args, FromArgMatches};
use sealed_session::jwt::JwsIssuer;
use serde_json::Value;

use crate::{Failure, keys, print};

/// The options of `jwks print` as clap reads them; [`PrintArgs`] keeps where each stood.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("keys").args(["key_file", "key_env"]).required(true).multiple(true)))]
struct Options {
    /// A file holding an Ed25519 seed, as `keygen --ed25519 --out` writes it; it must not be
    /// readable by group or others. Repeat for each key.
    #[arg(long, value_name = "PATH")]
    key_file: Vec<PathBuf>,
    /// An environment variable holding an Ed25519 seed (base64). Repeat for each key.
    #[arg(long, value_name = "NAME")]
    key_env: Vec<String>,
    /// The kid of the key given just before it (default: the key's RFC 7638 thumbprint).
    #[arg(long)]
    kid: Vec<String>,
}

/// The keys and kids of `jwks print`, each with its position on the command line, which
/// [`pair`] needs and clap's derived lists lose.
#[derive(Debug)]
pub struct PrintArgs {
    keys: Vec<(usize, Source)>,
    kids: Vec<(usize, String)>,
}

/// Where a key's seed is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    File(PathBuf),
    Env(String),
}

/// Reads [`Options`], then the positions clap noted for each of their values.
impl FromArgMatches for PrintArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<PrintArgs, clap::Error> {
        let options = Options::from_arg_matches(matches)?;
        let positions = |id: &str| {
            matches
                .indices_of(id)
                .map(Iterator::collect::<Vec<usize>>)
                .unwrap_or_default()
        };
        let keys = positions("key_file")
            .into_iter()
            .zip(options.key_file.into_iter().map(Source::File))
            .chain(
                positions("key_env")
                    .into_iter()
                    .zip(options.key_env.into_iter().map(Source::Env)),
            )
            .collect();
        let kids = positions("kid").into_iter().zip(options.kid).collect();
        Ok(PrintArgs { keys, kids })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = PrintArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

/// The arguments are [`Options`]'s: `--help` and the checks of clap are theirs.
impl Args for PrintArgs {
    fn augment_args(command: clap::Command) -> clap::Command {
        Options::augment_args(command)
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Options::augment_args_for_update(command)
    }
}

/// The keys in command-line order, each with the `--kid` that follows it, if any: a `--kid`
/// before every key, or a second one for a key, is bad usage.
fn pair(
    mut keys: Vec<(usize, Source)>,
    kids: Vec<(usize, String)>,
) -> Result<Vec<(Source, Option<String>)>, Failure> {
    keys.sort_by_key(|(position, _)| *position);
    let mut named: Vec<(Source, Option<String>)> = keys
        .iter()
        .map(|(_, source)| (source.clone(), None))
        .collect();
    for (position, kid) in kids {
        let Some(index) = keys
            .iter()
            .rposition(|(key_position, _)| *key_position < position)
        else {
            return Err(Failure::usage(format!(
                "--kid {kid} comes before any key: put it after the --key-file or --key-env it names"
            )));
        };
        if named[index].1.is_some() {
            return Err(Failure::usage(format!(
                "--kid {kid} is a second --kid for one key: give one per key, after it"
            )));
        }
        named[index].1 = Some(kid);
    }
    Ok(named)
}

/// Writes the public JWK Set of every key in `args` to `out`, refusing two keys with one kid
/// (a verifier would refuse the set).
pub fn run(args: PrintArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let named = pair(args.keys, args.kids)?;
    let mut set: Vec<Value> = Vec::with_capacity(named.len());
    for (source, kid) in named {
        let key = match &source {
            Source::File(path) => keys::jws_key_of_file(path, false)?,
            Source::Env(name) => keys::jws_key_of_env(name, false)?,
        };
        let issuer = JwsIssuer::new(key, "");
        let issuer = match &kid {
            Some(kid) => issuer.with_kid(kid),
            None => issuer,
        };
        let kid = issuer.kid();
        if set.iter().any(|jwk| jwk["kid"] == kid) {
            return Err(Failure::config(format!(
                "two keys have the kid {kid:?} (the same key twice, or one --kid for two keys): \
                 give each key a kid of its own"
            )));
        }
        let one: Value = serde_json::from_str(&issuer.public_jwk_set()).map_err(|error| {
            Failure::config(format!("a public JWK Set that is not JSON: {error}"))
        })?;
        if let Some(Value::Array(jwks)) = one.get("keys") {
            set.extend(jwks.iter().cloned());
        }
    }
    // The kids are the operator's text: escaped for the terminal (the same JSON value).
    crate::write_line(out, &print::json(&serde_json::json!({ "keys": set })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> Source {
        Source::File(PathBuf::from(name))
    }

    /// Each kid names the key before it, files and variables mixed; a key without one keeps
    /// its thumbprint.
    #[test]
    fn each_kid_names_the_key_before_it() {
        let keys = vec![
            (5, Source::Env("NEW".into())),
            (1, file("old")),
            (3, file("mid")),
        ];
        let kids = vec![(2, "2026-06".to_owned()), (6, "2026-12".to_owned())];
        assert_eq!(
            pair(keys, kids).expect("paired"),
            vec![
                (file("old"), Some("2026-06".to_owned())),
                (file("mid"), None),
                (Source::Env("NEW".into()), Some("2026-12".to_owned())),
            ]
        );
    }

    #[test]
    fn a_kid_before_every_key_or_twice_for_one_is_bad_usage() {
        let early = pair(vec![(3, file("a"))], vec![(1, "k".into())]);
        assert_eq!(early.err().map(|failure| failure.code), Some(2));
        let twice = pair(vec![(1, file("a"))], vec![(3, "k".into()), (5, "l".into())]);
        assert_eq!(twice.err().map(|failure| failure.code), Some(2));
    }
}
