//! The on-disk cache of compiled (and pre-initialized) guest components.
//!
//! Compiling the guest with Cranelift takes about a second, and taking its
//! snapshot another moment; a cached artifact loads in milliseconds. Each
//! artifact is one file named after its key, the blake3 hash of everything
//! that determines the compiled code: the guest's bytes, whether it was
//! snapshotted, the Wasmtime version and the engine's compilation settings.
//!
//! Deserializing compiled code is `unsafe` in Wasmtime: the file's machine
//! code runs in the host. So every file carries a header with the key and a
//! MAC of header and payload, keyed with the installation's secret
//! (`key.rs`), checked before Wasmtime sees a byte: a truncated, corrupted,
//! foreign or forged file (one whose author does not know the key) is
//! ignored, recompiled and overwritten. The directory and its key are
//! host-owned paths no script may read or write, whatever its grants.
//! Files are written to a temporary name and renamed, so a reader never
//! sees half a file, and concurrent writers are harmless. A process about
//! to compile an artifact that is missing first takes a lock named after
//! it (`<key>.lock`, an advisory `flock`), then looks again: processes and
//! threads starting together on a cold cache compile each artifact once
//! while the others wait for it, instead of all compiling it at once. The
//! lock only saves work; a holder that takes too long is not waited for.
//!
//! The directory keeps the [`KEEP_ARTIFACTS`] most recently used artifacts
//! (a load counts as a use), so a long-lived server's entries are not
//! evicted by one-off compiles.

use std::fs;
use std::hash::Hash;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use wasmtime::Engine;
use wasmtime::component::Component;

use super::Blake3Hasher;
use super::key::{CacheKey, open_regular};

/// Identifies the format of a cache file. Bump on any format change.
const MAGIC: &[u8; 8] = b"JSBOXCC2";
const HEADER_LEN: usize = MAGIC.len() + 32 + 32 + 8;

/// The key of one compiled artifact: what it was compiled from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArtifactKey([u8; 32]);

impl ArtifactKey {
    /// The key of an artifact of kind `kind` (`"guest"`, `"plugin"`,
    /// `"entry snapshot"`...) compiled by `engine` from `inputs`. It always
    /// covers jsbox's version and the engine's compilation settings
    /// (Wasmtime's compatibility hash, which covers its version); each
    /// input is length-prefixed, so no two lists of inputs share a key.
    pub fn new(engine: &Engine, kind: &str, inputs: &[&[u8]]) -> Self {
        let mut hasher = Blake3Hasher(blake3::Hasher::new());
        hasher.0.update(b"jsbox artifact v2\0");
        hasher.0.update(env!("CARGO_PKG_VERSION").as_bytes());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        for part in std::iter::once(kind.as_bytes()).chain(inputs.iter().copied()) {
            hasher.0.update(&(part.len() as u64).to_le_bytes());
            hasher.0.update(part);
        }
        ArtifactKey(*hasher.0.finalize().as_bytes())
    }

    fn hex(&self) -> impl std::fmt::Display {
        blake3::Hash::from_bytes(self.0).to_hex()
    }

    fn file_name(&self) -> String {
        format!("{}.cwasm", self.hex())
    }
}

/// How the runtime obtained its compiled guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentSource {
    /// Loaded from the cache file at this path.
    Cached(PathBuf),
    /// Compiled now; `reason` says why the cache was not used.
    Compiled {
        /// Why no cached artifact was loaded.
        reason: String,
        /// Why the fresh artifact could not be saved, if it could not.
        save_error: Option<String>,
    },
}

/// The disk cache a runtime compiles through: a directory and the key that
/// authenticates its artifacts, or why there is none.
pub enum DiskCache {
    /// Artifacts are loaded from and saved to `dir`.
    Ready {
        /// The cache directory.
        dir: PathBuf,
        /// The secret that keys the artifacts' MACs.
        key: CacheKey,
    },
    /// Nothing is loaded or saved.
    Off {
        /// Why, as [`ComponentSource::Compiled`]'s reason.
        reason: String,
        /// Why, if it is a fault the operator should hear of.
        save_error: Option<String>,
    },
}

impl DiskCache {
    /// The cache in `dir` (made, owner-only, if missing) with its key, or
    /// off when there is no `dir` or the key cannot be trusted.
    pub fn open(dir: Option<&Path>) -> Self {
        let Some(dir) = dir else {
            return DiskCache::Off {
                reason: "no cache directory configured".to_owned(),
                save_error: None,
            };
        };
        let opened = fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create the cache directory {}: {e}", dir.display()))
            .and_then(|()| CacheKey::load_or_create(dir).map_err(|e| e.to_string()));
        match opened {
            Ok(key) => DiskCache::Ready {
                dir: dir.to_owned(),
                key,
            },
            Err(why) => DiskCache::Off {
                reason: format!("the cache is off: {why}"),
                save_error: Some(format!("not saved: {why}")),
            },
        }
    }

    /// The artifact `key`, from the cache when a valid one (authenticated
    /// with this installation's key) is there; otherwise made by `compile`
    /// and saved. The only way anything in jsbox deserializes machine code.
    pub fn load_or_compile<E>(
        &self,
        engine: &Engine,
        key: ArtifactKey,
        compile: impl FnOnce() -> Result<Component, E>,
    ) -> Result<(Component, ComponentSource), E> {
        let (dir, mac_key) = match self {
            DiskCache::Ready { dir, key } => (dir, key),
            DiskCache::Off { reason, save_error } => {
                let component = compile()?;
                let source = ComponentSource::Compiled {
                    reason: reason.clone(),
                    save_error: save_error.clone(),
                };
                return Ok((component, source));
            }
        };
        let reason = match load(engine, dir, key, mac_key) {
            Ok((component, path)) => return Ok((component, ComponentSource::Cached(path))),
            Err(why) => why,
        };
        let _lock = CompileLock::acquire(dir, key);
        // Whoever held the lock may have just saved it.
        if let Ok((component, path)) = load(engine, dir, key, mac_key) {
            return Ok((component, ComponentSource::Cached(path)));
        }
        let component = compile()?;
        let save_error = component
            .serialize()
            .map_err(|e| e.to_string())
            .and_then(|bytes| store(dir, key, mac_key, &bytes).map_err(|e| e.to_string()))
            .err()
            .map(|e| format!("cannot save to {}: {e}", dir.display()));
        Ok((component, ComponentSource::Compiled { reason, save_error }))
    }
}

/// Loads the artifact `key` from `dir`, if a valid one is there. Returns why
/// not otherwise.
fn load(
    engine: &Engine,
    dir: &Path,
    key: ArtifactKey,
    mac_key: &CacheKey,
) -> Result<(Component, PathBuf), String> {
    let path = dir.join(key.file_name());
    let mut bytes = Vec::new();
    match open_regular(&path).and_then(|mut file| file.read_to_end(&mut bytes)) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("no cached artifact yet".to_owned());
        }
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    let payload =
        verify(&bytes, key, mac_key).map_err(|why| format!("{} is {why}", path.display()))?;
    // SAFETY: `payload` passed `verify`: its MAC, keyed with this
    // installation's secret (which no script can read), matches, so it is
    // exactly what `store` wrote from `Component::serialize` for an engine
    // with the same compatibility hash (part of `key`). Wasmtime checks
    // version and configuration compatibility once more itself.
    let component = unsafe { Component::deserialize(engine, payload) }
        .map_err(|e| format!("{} was rejected by Wasmtime: {e}", path.display()))?;
    // A use: `prune` keeps the most recently used artifacts. Best effort
    // (the file stays valid either way).
    if let Ok(file) = fs::File::open(&path) {
        let _ = file.set_modified(SystemTime::now());
    }
    Ok((component, path))
}

/// How long a process waits for another one compiling the same artifact:
/// far longer than a compile takes, short of looking hung.
const LOCK_PATIENCE: Duration = Duration::from_secs(120);

/// The advisory lock on compiling one artifact (see the module doc),
/// released when dropped.
struct CompileLock {
    file: fs::File,
    path: PathBuf,
}

impl CompileLock {
    /// Waits up to [`LOCK_PATIENCE`] for the lock on `key`; `None` when it
    /// cannot be had (the caller compiles anyway).
    fn acquire(dir: &Path, key: ArtifactKey) -> Option<CompileLock> {
        let path = dir.join(format!("{}.lock", key.hex()));
        let file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            // Not through a link, and never blocking on a FIFO planted in
            // its place.
            .custom_flags(
                (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32,
            )
            .open(&path)
            .ok()?;
        let deadline = Instant::now() + LOCK_PATIENCE;
        loop {
            match file.try_lock() {
                Ok(()) => return Some(CompileLock { file, path }),
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(_) => return None,
            }
        }
    }
}

impl Drop for CompileLock {
    fn drop(&mut self) {
        // Removed while held: a process waiting on this file looks in the
        // cache again once it has the lock and finds the artifact; one that
        // comes later makes a new lock file only if it finds none.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// The MAC of an artifact: magic, key, length and payload, keyed.
fn mac(mac_key: &CacheKey, key: ArtifactKey, payload: &[u8]) -> blake3::Hash {
    let mut hasher = mac_key.hasher();
    hasher.update(MAGIC);
    hasher.update(&key.0);
    hasher.update(&(payload.len() as u64).to_le_bytes());
    hasher.update(payload);
    hasher.finalize()
}

/// Checks the header; returns the payload if the file is whole and was
/// written with `mac_key`.
fn verify<'a>(
    bytes: &'a [u8],
    key: ArtifactKey,
    mac_key: &CacheKey,
) -> Result<&'a [u8], &'static str> {
    if bytes.len() < HEADER_LEN {
        return Err("truncated (shorter than its header)");
    }
    let (header, payload) = bytes.split_at(HEADER_LEN);
    let (magic, rest) = header.split_at(MAGIC.len());
    let (file_key, rest) = rest.split_at(32);
    let (file_mac, len) = rest.split_at(32);
    if magic != MAGIC {
        return Err("not a jsbox artifact of this format (bad magic)");
    }
    if file_key != key.0 {
        return Err("an artifact for another key");
    }
    let len = u64::from_le_bytes(len.try_into().expect("8 bytes"));
    if len != payload.len() as u64 {
        return Err("truncated (payload length differs from its header)");
    }
    let file_mac = blake3::Hash::from_bytes(file_mac.try_into().expect("32 bytes"));
    // `blake3::Hash` compares in constant time.
    if mac(mac_key, key, payload) != file_mac {
        return Err("corrupted or forged (its MAC does not match this installation's key)");
    }
    Ok(payload)
}

/// Artifacts kept per cache directory: each guest build, engine
/// configuration, plugin and served entry has its own (about 10 MB for the
/// guest), and upgrades would otherwise pile them up.
const KEEP_ARTIFACTS: usize = 32;

/// Writes `serialized` as the artifact `key` in `dir`, atomically, then
/// removes all but the most recently used [`KEEP_ARTIFACTS`] artifacts.
fn store(
    dir: &Path,
    key: ArtifactKey,
    mac_key: &CacheKey,
    serialized: &[u8],
) -> std::io::Result<()> {
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(MAGIC)?;
    file.write_all(&key.0)?;
    file.write_all(mac(mac_key, key, serialized).as_bytes())?;
    file.write_all(&(serialized.len() as u64).to_le_bytes())?;
    file.write_all(serialized)?;
    file.as_file().sync_all()?;
    file.persist(dir.join(key.file_name()))
        .map_err(|e| e.error)?;
    prune(dir, KEEP_ARTIFACTS);
    Ok(())
}

/// Deletes the oldest `.cwasm` files of `dir` beyond the newest `keep`.
/// Best effort: a file another process is replacing, or one that cannot be
/// deleted, is left alone.
fn prune(dir: &Path, keep: usize) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut artifacts: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "cwasm"))
        .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
        .collect();
    artifacts.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, path) in artifacts.into_iter().skip(keep) {
        let _ = fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compile_lock_is_exclusive_and_removed_when_released() {
        let dir = tempfile::tempdir().unwrap();
        let held = CompileLock::acquire(dir.path(), key()).expect("the lock");
        let path = dir.path().join(format!("{}.lock", key().hex()));
        let other = fs::OpenOptions::new().write(true).open(&path).unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(fs::TryLockError::WouldBlock)
        ));
        drop(held);
        assert!(!path.exists());
    }

    #[test]
    fn a_link_or_fifo_in_place_of_the_lock_is_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("{}.lock", key().hex()));
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), &path).unwrap();
        assert!(CompileLock::acquire(dir.path(), key()).is_none());
        assert!(
            !dir.path().join("elsewhere").exists(),
            "not created through the link"
        );
        fs::remove_file(&path).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
            0,
        )
        .unwrap();
        // Opening a FIFO for writing with no reader would block forever.
        assert!(CompileLock::acquire(dir.path(), key()).is_none());
    }

    fn key() -> ArtifactKey {
        ArtifactKey(*blake3::hash(b"key").as_bytes())
    }

    /// A cache directory with its key.
    fn cache() -> (tempfile::TempDir, CacheKey) {
        let dir = tempfile::tempdir().unwrap();
        let mac_key = CacheKey::load_or_create(dir.path()).unwrap();
        (dir, mac_key)
    }

    fn file(mac_key: &CacheKey, payload: &[u8]) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        store(dir.path(), key(), mac_key, payload).unwrap();
        fs::read(dir.path().join(key().file_name())).unwrap()
    }

    #[test]
    fn a_stored_file_verifies() {
        let (_dir, mac_key) = cache();
        let bytes = file(&mac_key, b"compiled code");
        assert_eq!(verify(&bytes, key(), &mac_key), Ok(&b"compiled code"[..]));
    }

    #[test]
    fn a_file_made_without_the_key_is_refused() {
        let (_dir, mac_key) = cache();
        let (_other_dir, other_key) = cache();
        let foreign = file(&other_key, b"compiled code");
        assert!(
            verify(&foreign, key(), &mac_key)
                .unwrap_err()
                .contains("forged")
        );
        // Whoever can write the file can recompute an unkeyed hash.
        let payload = b"machine code of the attacker's choosing";
        let mut forged = MAGIC.to_vec();
        forged.extend_from_slice(&key().0);
        forged.extend_from_slice(blake3::hash(payload).as_bytes());
        forged.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        forged.extend_from_slice(payload);
        assert!(
            verify(&forged, key(), &mac_key)
                .unwrap_err()
                .contains("forged")
        );
    }

    #[test]
    fn only_the_newest_artifacts_are_kept() {
        let (dir, mac_key) = cache();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for i in 0..KEEP_ARTIFACTS + 3 {
            let path = dir.path().join(format!("old{i}.cwasm"));
            fs::write(&path, b"x").unwrap();
            fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        fs::write(dir.path().join("unrelated.txt"), b"x").unwrap();
        store(dir.path(), key(), &mac_key, b"new").unwrap();
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            names.iter().filter(|n| n.ends_with(".cwasm")).count(),
            KEEP_ARTIFACTS
        );
        assert!(
            names.contains(&key().file_name()),
            "the new artifact is kept"
        );
        assert!(names.contains(&"unrelated.txt".to_owned()));
    }

    #[test]
    fn damaged_files_are_rejected_with_a_reason() {
        let (_dir, mac_key) = cache();
        let bytes = file(&mac_key, b"compiled code");
        let check = |bytes: &[u8], key| verify(bytes, key, &mac_key).unwrap_err();
        assert!(check(&bytes[..bytes.len() - 1], key()).contains("truncated"));
        assert!(check(&bytes[..10], key()).contains("truncated"));
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(check(&flipped, key()).contains("corrupted"));
        let other = ArtifactKey(*blake3::hash(b"other").as_bytes());
        assert!(check(&bytes, other).contains("another key"));
        let mut foreign = bytes;
        foreign[0] = b'X';
        assert!(check(&foreign, key()).contains("bad magic"));
    }
}
