//! Cranelift's incremental compilation cache: functions it compiled before,
//! kept in memory and shared by every engine of the process.
//!
//! An entry snapshot is the guest with its heap filled in: the same
//! functions as the guest, compiled again for every entry, tenant and
//! reload; and a runtime whose disk cache cannot serve it compiles the
//! guest anew. Cranelift reuses a function it has compiled when its input
//! is the same: the key is a hash of the function's IR (fuel and epoch
//! checks included) and of the compiler's settings, so engines configured
//! differently never share an entry; the value is Cranelift's own output.
//!
//! Nothing here comes from a file or from a script: it is this process's
//! compiler output, never written to disk (the disk cache keeps only whole
//! artifacts, each checked with its MAC). Were a script ever to have wasm
//! compiled, its functions could only hit entries whose IR hashes the same
//! (SHA-256), that is, identical code. The cache holds at most
//! [`MAX_BYTES`]; past that, functions are compiled as if there were none.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use wasmtime::CacheStore;

/// The most compiled code the cache keeps: several guests' worth (each
/// engine configuration compiles its own).
const MAX_BYTES: usize = 256 << 20;

#[derive(Debug)]
struct FunctionCache {
    entries: Mutex<Entries>,
    max_bytes: usize,
}

impl FunctionCache {
    fn new(max_bytes: usize) -> Self {
        FunctionCache {
            entries: Mutex::default(),
            max_bytes,
        }
    }
}

#[derive(Debug, Default)]
struct Entries {
    by_key: HashMap<Vec<u8>, Vec<u8>>,
    bytes: usize,
}

impl CacheStore for FunctionCache {
    fn get(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .by_key
            .get(key)
            .map(|value| Cow::Owned(value.clone()))
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let size = key.len() + value.len();
        if entries.bytes + size > self.max_bytes {
            return false;
        }
        if entries.by_key.insert(key.to_vec(), value).is_none() {
            entries.bytes += size;
        }
        true
    }
}

/// The process's cache.
pub fn shared() -> Arc<dyn CacheStore> {
    static CACHE: OnceLock<Arc<FunctionCache>> = OnceLock::new();
    CACHE
        .get_or_init(|| Arc::new(FunctionCache::new(MAX_BYTES)))
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_kept_up_to_the_cap_and_counted_once() {
        let cache = FunctionCache::new(12);
        assert!(cache.insert(b"ab", b"1234".to_vec()));
        assert!(cache.insert(b"ab", b"1234".to_vec()));
        assert_eq!(cache.get(b"ab").as_deref(), Some(&b"1234"[..]));
        assert!(cache.insert(b"cd", b"5678".to_vec()));
        assert!(!cache.insert(b"ef", b"9".to_vec()), "past the cap");
        assert_eq!(cache.get(b"ef"), None);
        assert_eq!(cache.get(b"cd").as_deref(), Some(&b"5678"[..]));
    }
}
