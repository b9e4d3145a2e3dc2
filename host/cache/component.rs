//! The on-disk cache of compiled (and pre-initialized) guest components.
//!
//! Compiling the guest with Cranelift takes about a second, and taking its
//! snapshot another moment; a cached artifact loads in milliseconds. Each
//! artifact is one file named after its key, the blake3 hash of everything
//! that determines the compiled code: the guest's bytes, whether it was
//! snapshotted, the Wasmtime version and the engine's compilation settings.
//!
//! Deserializing compiled code is `unsafe` in Wasmtime: a corrupted file
//! could run arbitrary machine code. So every file carries a header with the
//! key and the blake3 hash of its payload, checked before Wasmtime sees a
//! byte; a truncated, corrupted or foreign file is ignored, recompiled and
//! overwritten. Files are written to a temporary name and renamed, so a
//! reader never sees half a file, and concurrent writers are harmless.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

/// Identifies the format of a cache file. Bump on any format change.
const MAGIC: &[u8; 8] = b"JSBOXCC1";
const HEADER_LEN: usize = MAGIC.len() + 32 + 32 + 8;

/// The key of one compiled artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArtifactKey(pub [u8; 32]);

impl ArtifactKey {
    fn file_name(&self) -> String {
        format!("{}.cwasm", blake3::Hash::from_bytes(self.0).to_hex())
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

/// Loads the artifact `key` from `dir`, if a valid one is there. Returns why
/// not otherwise.
pub fn load(engine: &Engine, dir: &Path, key: ArtifactKey) -> Result<(Component, PathBuf), String> {
    let path = dir.join(key.file_name());
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("no cached artifact yet".to_owned());
        }
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let payload = verify(&bytes, key).map_err(|why| format!("{} is {why}", path.display()))?;
    // SAFETY: `payload` passed `verify`: its blake3 hash matches the one
    // written next to it by `store`, which wrote exactly what
    // `Component::serialize` produced for an engine with the same
    // compatibility hash (part of `key`). Wasmtime checks version and
    // configuration compatibility once more itself.
    let component = unsafe { Component::deserialize(engine, payload) }
        .map_err(|e| format!("{} was rejected by Wasmtime: {e}", path.display()))?;
    Ok((component, path))
}

/// Checks the header; returns the payload if the file is whole and ours.
fn verify(bytes: &[u8], key: ArtifactKey) -> Result<&[u8], &'static str> {
    if bytes.len() < HEADER_LEN {
        return Err("truncated (shorter than its header)");
    }
    let (header, payload) = bytes.split_at(HEADER_LEN);
    let (magic, rest) = header.split_at(MAGIC.len());
    let (file_key, rest) = rest.split_at(32);
    let (payload_hash, len) = rest.split_at(32);
    if magic != MAGIC {
        return Err("not a jsbox artifact (bad magic)");
    }
    if file_key != key.0 {
        return Err("an artifact for another key");
    }
    let len = u64::from_le_bytes(len.try_into().expect("8 bytes"));
    if len != payload.len() as u64 {
        return Err("truncated (payload length differs from its header)");
    }
    if blake3::hash(payload).as_bytes() != payload_hash {
        return Err("corrupted (payload hash differs from its header)");
    }
    Ok(payload)
}

/// Artifacts kept per cache directory: each guest build and engine
/// configuration has its own, and upgrades would otherwise pile them up.
const KEEP_ARTIFACTS: usize = 8;

/// Writes `serialized` as the artifact `key` in `dir`, atomically, then
/// removes all but the most recently written [`KEEP_ARTIFACTS`] artifacts.
pub fn store(dir: &Path, key: ArtifactKey, serialized: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(MAGIC)?;
    file.write_all(&key.0)?;
    file.write_all(blake3::hash(serialized).as_bytes())?;
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

    fn key() -> ArtifactKey {
        ArtifactKey(*blake3::hash(b"key").as_bytes())
    }

    fn file(payload: &[u8]) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        store(dir.path(), key(), payload).unwrap();
        fs::read(dir.path().join(key().file_name())).unwrap()
    }

    #[test]
    fn a_stored_file_verifies() {
        let bytes = file(b"compiled code");
        assert_eq!(verify(&bytes, key()), Ok(&b"compiled code"[..]));
    }

    #[test]
    fn only_the_newest_artifacts_are_kept() {
        let dir = tempfile::tempdir().unwrap();
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
        store(dir.path(), key(), b"new").unwrap();
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
        let bytes = file(b"compiled code");
        assert!(
            verify(&bytes[..bytes.len() - 1], key())
                .unwrap_err()
                .contains("truncated")
        );
        assert!(
            verify(&bytes[..10], key())
                .unwrap_err()
                .contains("truncated")
        );
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(verify(&flipped, key()).unwrap_err().contains("corrupted"));
        let other = ArtifactKey(*blake3::hash(b"other").as_bytes());
        assert!(verify(&bytes, other).unwrap_err().contains("another key"));
        let mut foreign = bytes;
        foreign[0] = b'X';
        assert!(verify(&foreign, key()).unwrap_err().contains("bad magic"));
    }
}
