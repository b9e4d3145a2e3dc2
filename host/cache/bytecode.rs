//! The in-memory cache of compiled JS: script → QuickJS bytecode.
//!
//! Parsing is most of a small handler's cost, so a server that runs the
//! same handler for every request should parse it once. The key is the
//! blake3 hash of the guest build, the source kind, the name (stack traces
//! are baked into bytecode) and the source; entries are evicted least
//! recently used first.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use lru::LruCache;

use crate::{Script, SourceKind};

/// Counters of the bytecode cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BytecodeCacheStats {
    /// Lookups that found bytecode.
    pub hits: u64,
    /// Lookups that had to compile.
    pub misses: u64,
    /// Entries held now.
    pub entries: u64,
    /// Bytes of bytecode held now.
    pub bytes: u64,
    /// Maximum number of entries.
    pub capacity: u64,
}

/// Key of a compiled script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BytecodeKey([u8; 32]);

impl BytecodeKey {
    /// The key of `script` compiled by the guest whose hash is `guest`.
    pub fn new(guest: &blake3::Hash, script: &Script) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(guest.as_bytes());
        hasher.update(&[match script.kind {
            SourceKind::Script => 0,
            SourceKind::Module => 1,
        }]);
        // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        hasher.update(&(script.name.len() as u64).to_le_bytes());
        hasher.update(script.name.as_bytes());
        hasher.update(script.source.as_bytes());
        BytecodeKey(*hasher.finalize().as_bytes())
    }
}

/// A bounded LRU map from [`BytecodeKey`] to bytecode.
pub struct BytecodeCache {
    entries: Mutex<Entries>,
    hits: AtomicU64,
    misses: AtomicU64,
}

struct Entries {
    lru: LruCache<BytecodeKey, Arc<[u8]>>,
    bytes: u64,
}

impl BytecodeCache {
    /// A cache holding at most `capacity` scripts.
    pub fn new(capacity: NonZeroUsize) -> Self {
        BytecodeCache {
            entries: Mutex::new(Entries {
                lru: LruCache::new(capacity),
                bytes: 0,
            }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The bytecode for `key`, counting a hit or a miss.
    pub fn get(&self, key: &BytecodeKey) -> Option<Arc<[u8]>> {
        let found = self.lock().lru.get(key).cloned();
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Remembers `bytecode` for `key`, evicting the least recently used
    /// entry when full.
    pub fn insert(&self, key: BytecodeKey, bytecode: Arc<[u8]>) {
        let mut entries = self.lock();
        entries.bytes += bytecode.len() as u64;
        if let Some((_, old)) = entries.lru.push(key, bytecode) {
            entries.bytes -= old.len() as u64;
        }
    }

    /// The cache's counters now.
    pub fn stats(&self) -> BytecodeCacheStats {
        let entries = self.lock();
        BytecodeCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: entries.lru.len() as u64,
            bytes: entries.bytes,
            capacity: entries.lru.cap().get() as u64,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // Every update leaves `Entries` consistent before it can panic.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(source: &str) -> BytecodeKey {
        BytecodeKey::new(&blake3::hash(b"guest"), &Script::new("a.js", source))
    }

    #[test]
    fn keys_separate_name_kind_and_source() {
        let guest = blake3::hash(b"guest");
        let script = Script::new("a.js", "1");
        assert_eq!(BytecodeKey::new(&guest, &script), key("1"));
        assert_ne!(key("1"), key("2"));
        assert_ne!(
            BytecodeKey::new(&guest, &Script::module("a.js", "1")),
            key("1")
        );
        assert_ne!(
            BytecodeKey::new(&guest, &Script::new("b.js", "1")),
            key("1")
        );
        assert_ne!(BytecodeKey::new(&blake3::hash(b"other"), &script), key("1"));
    }

    #[test]
    fn counts_hits_misses_and_evicts_least_recently_used() {
        let cache = BytecodeCache::new(NonZeroUsize::new(2).unwrap());
        assert!(cache.get(&key("a")).is_none());
        cache.insert(key("a"), Arc::from(&b"AA"[..]));
        cache.insert(key("b"), Arc::from(&b"BBB"[..]));
        assert!(cache.get(&key("a")).is_some());
        cache.insert(key("c"), Arc::from(&b"C"[..]));
        assert!(cache.get(&key("b")).is_none(), "b was least recently used");
        assert_eq!(
            cache.stats(),
            BytecodeCacheStats {
                hits: 1,
                misses: 2,
                entries: 2,
                bytes: 3,
                capacity: 2
            }
        );
    }
}
