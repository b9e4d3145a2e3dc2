//! Caches that make a sandbox cheap: the compiled guest component on disk
//! ([`component`], authenticated with the installation's [`key`]) and
//! compiled JS bytecode in memory ([`bytecode`]).

pub mod bytecode;
pub mod component;
pub mod key;

/// A blake3 [`std::hash::Hasher`], so that values that only expose `Hash`
/// (like Wasmtime's engine-compatibility hash) can feed a blake3 key.
pub struct Blake3Hasher(pub blake3::Hasher);

impl std::hash::Hasher for Blake3Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let hash = self.0.finalize();
        u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("32-byte hash"))
    }
}
