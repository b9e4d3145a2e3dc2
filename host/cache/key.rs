//! The per-install secret that authenticates compiled artifacts.
//!
//! A cached artifact is machine code the host executes, so the cache may
//! load only what this installation wrote. A hash stored in the file proves
//! nothing (whoever can write the file can recompute it); a MAC keyed with
//! a secret no script can read does. The key is 32 random bytes in
//! [`KEY_FILE`] in the cache directory, created once, atomically, with mode
//! 0600, and used only while it is still a regular file owned by this user
//! with that mode and length. Anything else turns the cache off, with the
//! reason, rather than trust a key someone else may know. Scripts never
//! reach the file: the cache directory is one of the host-owned paths every
//! run refuses (`capabilities/grants/host.rs`).

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The key's file name in the cache directory.
pub const KEY_FILE: &str = "artifact.key";

const KEY_LEN: usize = 32;

/// Why the cache key could not be used; the cache is then off.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be created, opened or read.
    #[error("cannot use the cache key {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// The key is a link, a directory, a FIFO...
    #[error("the cache key {path} is not a regular file; remove it and jsbox makes a new one")]
    NotRegular {
        /// The key file.
        path: PathBuf,
    },
    /// Another user owns the key, so it may know it.
    #[error(
        "the cache key {path} belongs to user {owner}, not to this user ({us}); remove it and \
         jsbox makes a new one, or use a --cache-dir of your own"
    )]
    NotOurs {
        /// The key file.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// This process's effective user.
        us: u32,
    },
    /// Others may read or change the key.
    #[error(
        "the cache key {path} has mode {mode:04o}, not 0600; remove it and jsbox makes a new one"
    )]
    Mode {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Not a key jsbox wrote.
    #[error(
        "the cache key {path} is {len} bytes, not {KEY_LEN}; remove it and jsbox makes a new one"
    )]
    Length {
        /// The key file.
        path: PathBuf,
        /// Its length.
        len: u64,
    },
}

/// The secret that keys artifact MACs.
pub struct CacheKey([u8; KEY_LEN]);

impl CacheKey {
    /// The key in `dir`, made first if there is none yet.
    pub fn load_or_create(dir: &Path) -> Result<Self, KeyError> {
        let path = dir.join(KEY_FILE);
        if let Err(source) = create(dir, &path) {
            return Err(KeyError::Io { path, source });
        }
        load(&path)
    }

    /// A hasher keyed with this key.
    pub fn hasher(&self) -> blake3::Hasher {
        blake3::Hasher::new_keyed(&self.0)
    }
}

/// Writes a fresh key to `path` unless there is one: written whole under a
/// temporary name with mode 0600 (created exclusively), then linked into
/// place without replacing anything, so a reader never sees half a key and
/// of two processes starting at once, one key wins and both use it.
fn create(dir: &Path, path: &Path) -> io::Result<()> {
    if fs::symlink_metadata(path).is_ok() {
        return Ok(());
    }
    let mut key = [0; KEY_LEN];
    getrandom::fill(&mut key).map_err(io::Error::other)?;
    let mut file = tempfile::Builder::new()
        .prefix(".key")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)?;
    // The umask may have taken bits away; the check on loading wants 0600.
    file.as_file()
        .set_permissions(fs::Permissions::from_mode(0o600))?;
    file.write_all(&key)?;
    file.as_file().sync_all()?;
    match file.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e.error),
    }
}

/// Reads the key at `path`, checking that it is still one only this user
/// can know: a regular file (not followed through a link), ours, 0600, of
/// the right length.
fn load(path: &Path) -> Result<CacheKey, KeyError> {
    let io_error = |source| KeyError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = open_regular(path).map_err(|e| match e.kind() {
        io::ErrorKind::InvalidInput => KeyError::NotRegular {
            path: path.to_owned(),
        },
        _ => io_error(e),
    })?;
    let meta = file.metadata().map_err(io_error)?;
    let us = rustix::process::geteuid().as_raw();
    if meta.uid() != us {
        return Err(KeyError::NotOurs {
            path: path.to_owned(),
            owner: meta.uid(),
            us,
        });
    }
    let mode = meta.mode() & 0o7777;
    if mode != 0o600 {
        return Err(KeyError::Mode {
            path: path.to_owned(),
            mode,
        });
    }
    if meta.len() != KEY_LEN as u64 {
        return Err(KeyError::Length {
            path: path.to_owned(),
            len: meta.len(),
        });
    }
    let mut key = [0; KEY_LEN];
    file.read_exact(&mut key).map_err(io_error)?;
    Ok(CacheKey(key))
}

/// Opens `path` for reading if it is a regular file, not following a final
/// symbolic link and not blocking on a FIFO; anything else is
/// `InvalidInput` (a link: `ELOOP`, mapped to it too).
pub fn open_regular(path: &Path) -> io::Result<File> {
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                io::Error::new(io::ErrorKind::InvalidInput, "a symbolic link")
            } else {
                e
            }
        })?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let first = CacheKey::load_or_create(dir.path()).unwrap();
        let meta = fs::symlink_metadata(dir.path().join(KEY_FILE)).unwrap();
        assert_eq!(meta.mode() & 0o7777, 0o600);
        assert_eq!(meta.len(), KEY_LEN as u64);
        let second = CacheKey::load_or_create(dir.path()).unwrap();
        assert_eq!(first.0, second.0);
        let other = tempfile::tempdir().unwrap();
        assert_ne!(CacheKey::load_or_create(other.path()).unwrap().0, first.0);
    }
}
