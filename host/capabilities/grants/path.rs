//! Resolving the paths scripts and rules name to the canonical form grants
//! are checked on.
//!
//! A path is made absolute (against the process's working directory), then
//! its deepest existing ancestor is canonicalized (`..` and symbolic links
//! resolved by the OS) and the rest appended; a path that does not exist
//! yet (a file about to be created) is thus judged by where it would be
//! created. The rest may not contain `..`: a directory that does not exist
//! cannot be walked out of, and the OS would say `ENOENT` too.
//!
//! The canonical form has no symbolic link in it (but a final one kept by
//! `follow_last: false`). The check and the operation are two steps, so a
//! link swapped in between could redirect the operation;
//! `host/imports/fs/beneath.rs` closes that gap by opening the canonical
//! path again beneath the granted directory with no link followed at all.

use std::io;
use std::path::{Component, Path, PathBuf};

/// The canonical form of `path`. With `follow_last` false, a final symbolic
/// link is kept as it is (for `lstat`, `unlink`, `rename`...): only its
/// parent is resolved.
pub(crate) fn resolve(path: &Path, follow_last: bool) -> io::Result<PathBuf> {
    if path.as_os_str().is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "the empty path names no file",
        ));
    }
    let absolute = std::path::absolute(path)?;
    if !follow_last
        && let Some(name) = absolute.file_name()
        && let Some(parent) = absolute.parent()
        && matches!(
            absolute.components().next_back(),
            Some(Component::Normal(_))
        )
    {
        return Ok(resolve_existing_prefix(parent)?.join(name));
    }
    resolve_existing_prefix(&absolute)
}

fn resolve_existing_prefix(absolute: &Path) -> io::Result<PathBuf> {
    let mut existing = absolute;
    let mut rest = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(canonical) => {
                let mut resolved = canonical;
                for component in rest.iter().rev() {
                    resolved.push(component);
                }
                return Ok(resolved);
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                let Some(parent) = existing.parent() else {
                    return Err(error);
                };
                match existing.components().next_back() {
                    Some(Component::Normal(name)) => rest.push(name.to_owned()),
                    _ => return Err(error),
                }
                existing = parent;
            }
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_dot_and_links_are_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("a")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("a/link")).unwrap();
        assert_eq!(resolve(&root.join("a/../b"), true).unwrap(), root.join("b"));
        assert_eq!(
            resolve(&root.join("a/link/hosts"), true).unwrap(),
            Path::new("/etc/hosts")
        );
        assert_eq!(
            resolve(&root.join("a/link"), false).unwrap(),
            root.join("a/link")
        );
        assert_eq!(
            resolve(&root.join("a/link"), true).unwrap(),
            Path::new("/etc")
        );
        assert_eq!(
            resolve(&root.join("new/file"), true).unwrap(),
            root.join("new/file")
        );
        // `..` after a missing directory: the OS would refuse it too.
        assert!(resolve(&root.join("missing/../../x"), true).is_err());
        assert!(resolve(Path::new(""), true).is_err());
    }
}
