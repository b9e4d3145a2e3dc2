//! The symmetric ciphers behind `createCipheriv`/`createDecipheriv` and
//! `crypto.subtle`'s `encrypt`/`decrypt`: AES-128/192/256 in GCM, CBC
//! (PKCS#7 padding, optional) and CTR (a 128-bit big-endian counter, as
//! OpenSSL's), and ChaCha20-Poly1305 (RFC 8439).
//!
//! The AEAD modes are assembled from their parts (a CTR keystream and
//! GHASH, or ChaCha20 and Poly1305) rather than the `aes-gcm` and
//! `chacha20poly1305` one-shot APIs, so that `update` streams as Node's
//! does, GCM takes an IV of any length and the tag may be truncated.
//! A decipher releases plaintext before `final` checks the tag, as Node's
//! does; `final` is the authentication.
//!
//! `cipherNew` makes one in the per-instance table and returns its index
//! (`-1` for an unknown algorithm or a key or IV of the wrong length: JS
//! checks those first and throws Node's errors); `cipherFinal` frees it.

use std::cell::RefCell;

use aes::cipher::consts::U16;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{
    BlockCipher, BlockDecrypt, BlockDecryptMut, BlockEncrypt, BlockEncryptMut, KeyInit, KeyIvInit,
    StreamCipher,
};
use aes::{Aes128, Aes192, Aes256};
use chacha20::ChaCha20;
use ghash::GHash;
use ghash::universal_hash::UniversalHash;
use javy::quickjs::{ArrayBuffer, Ctx, Exception, Function, Object, Result, TypedArray};
use poly1305::Poly1305;

use super::bytes;

/// A cipher in progress, encrypting or decrypting.
trait Cipher {
    /// The output for `input`, as much of it as the mode can give yet.
    fn update(&mut self, input: &[u8]) -> Vec<u8>;
    /// Adds authenticated data; false for modes without it or after data.
    fn set_aad(&mut self, _aad: &[u8]) -> bool {
        false
    }
    /// The tag a decipher must match (its first `tag.len()` bytes).
    fn set_tag(&mut self, _tag: &[u8]) -> bool {
        false
    }
    fn set_padding(&mut self, _on: bool) -> bool {
        false
    }
    /// The last output: for a cipher the remaining output, or the tag for
    /// an AEAD encryption; for a decipher the rest of the plaintext.
    fn finish(&mut self) -> std::result::Result<Vec<u8>, Failure>;
}

/// Why `final` failed, as the names JS maps to Node's errors.
#[derive(Clone, Copy)]
enum Failure {
    WrongFinalBlockLength,
    BadDecrypt,
    Authenticate,
}

impl Failure {
    fn name(self) -> &'static str {
        match self {
            Failure::WrongFinalBlockLength => "wrong final block length",
            Failure::BadDecrypt => "bad decrypt",
            Failure::Authenticate => "authenticate",
        }
    }
}

thread_local! {
    /// Ciphers in progress, by the index JS holds.
    static CIPHERS: RefCell<Vec<Option<Box<dyn Cipher>>>> = const { RefCell::new(Vec::new()) };
}

/// Adds the cipher functions to `native`.
pub fn register<'js>(ctx: &Ctx<'js>, native: &Object<'js>) -> Result<()> {
    native.set("cipherNew", Function::new(ctx.clone(), cipher_new)?)?;
    native.set("cipherUpdate", Function::new(ctx.clone(), cipher_update)?)?;
    native.set("cipherSetAAD", Function::new(ctx.clone(), cipher_set_aad)?)?;
    native.set("cipherSetTag", Function::new(ctx.clone(), cipher_set_tag)?)?;
    native.set(
        "cipherSetPadding",
        Function::new(ctx.clone(), cipher_set_padding)?,
    )?;
    native.set("cipherFinal", Function::new(ctx.clone(), cipher_final)?)?;
    Ok(())
}

/// A new cipher (`decrypt` false) or decipher for `algorithm` (Node's
/// lowercase name); its index, or -1 when the name, key or IV is wrong.
fn cipher_new(
    algorithm: String,
    decrypt: bool,
    key: TypedArray<'_, u8>,
    iv: TypedArray<'_, u8>,
) -> i32 {
    let (key, iv) = (bytes(&key), bytes(&iv));
    let Some(cipher) = make(&algorithm, decrypt, key, iv) else {
        return -1;
    };
    CIPHERS.with(|ciphers| {
        let mut ciphers = ciphers.borrow_mut();
        ciphers.push(Some(cipher));
        ciphers.len() as i32 - 1
    })
}

fn make(algorithm: &str, decrypt: bool, key: &[u8], iv: &[u8]) -> Option<Box<dyn Cipher>> {
    macro_rules! by_key_size {
        ($make:ident) => {
            match key.len() {
                16 => $make::<Aes128>(decrypt, key, iv),
                24 => $make::<Aes192>(decrypt, key, iv),
                32 => $make::<Aes256>(decrypt, key, iv),
                _ => None,
            }
        };
    }
    let (bits, mode) = match algorithm {
        "chacha20-poly1305" => return chacha20_poly1305(decrypt, key, iv),
        _ => algorithm.strip_prefix("aes-")?.split_once('-')?,
    };
    if bits.parse::<usize>().ok()? != key.len() * 8 {
        return None;
    }
    match mode {
        "gcm" => by_key_size!(gcm),
        "cbc" => by_key_size!(cbc),
        "ctr" => by_key_size!(ctr),
        _ => None,
    }
}

fn with_cipher<T>(ctx: &Ctx<'_>, id: usize, f: impl FnOnce(&mut dyn Cipher) -> T) -> Result<T> {
    CIPHERS.with(|ciphers| match ciphers.borrow_mut().get_mut(id) {
        Some(Some(cipher)) => Ok(f(cipher.as_mut())),
        _ => Err(Exception::throw_internal(
            ctx,
            "the cipher was already finished",
        )),
    })
}

fn cipher_update<'js>(
    ctx: Ctx<'js>,
    id: usize,
    input: TypedArray<'js, u8>,
) -> Result<ArrayBuffer<'js>> {
    let output = with_cipher(&ctx, id, |cipher| cipher.update(bytes(&input)))?;
    ArrayBuffer::new(ctx, output)
}

fn cipher_set_aad(ctx: Ctx<'_>, id: usize, aad: TypedArray<'_, u8>) -> Result<bool> {
    with_cipher(&ctx, id, |cipher| cipher.set_aad(bytes(&aad)))
}

fn cipher_set_tag(ctx: Ctx<'_>, id: usize, tag: TypedArray<'_, u8>) -> Result<bool> {
    with_cipher(&ctx, id, |cipher| cipher.set_tag(bytes(&tag)))
}

fn cipher_set_padding(ctx: Ctx<'_>, id: usize, on: bool) -> Result<bool> {
    with_cipher(&ctx, id, |cipher| cipher.set_padding(on))
}

/// Finishes and frees the cipher: its last output as an `ArrayBuffer`, or
/// the name of the failure (a string).
fn cipher_final<'js>(ctx: Ctx<'js>, id: usize) -> Result<javy::quickjs::Value<'js>> {
    let cipher = CIPHERS.with(|ciphers| ciphers.borrow_mut().get_mut(id).and_then(Option::take));
    let Some(mut cipher) = cipher else {
        return Err(Exception::throw_internal(
            &ctx,
            "the cipher was already finished",
        ));
    };
    match cipher.finish() {
        Ok(output) => Ok(ArrayBuffer::new(ctx, output)?.into_value()),
        Err(failure) => Ok(javy::quickjs::String::from_str(ctx, failure.name())?.into_value()),
    }
}

/// AES with a 128-bit block, of any key size.
trait Aes:
    BlockCipher<BlockSize = U16> + BlockEncrypt + BlockDecrypt + KeyInit + Clone + 'static
{
}
impl<T> Aes for T where
    T: BlockCipher<BlockSize = U16> + BlockEncrypt + BlockDecrypt + KeyInit + Clone + 'static
{
}

type Block = GenericArray<u8, U16>;

/// CTR (OpenSSL's: the whole 16-byte IV is a big-endian counter).
struct Ctr(Box<dyn StreamCipher>);

impl Cipher for Ctr {
    fn update(&mut self, input: &[u8]) -> Vec<u8> {
        let mut output = input.to_vec();
        self.0.apply_keystream(&mut output);
        output
    }

    fn finish(&mut self) -> std::result::Result<Vec<u8>, Failure> {
        Ok(Vec::new())
    }
}

fn ctr<A: Aes>(_decrypt: bool, key: &[u8], iv: &[u8]) -> Option<Box<dyn Cipher>>
where
    ctr::Ctr128BE<A>: KeyIvInit + StreamCipher,
{
    let stream = ctr::Ctr128BE::<A>::new_from_slices(key, iv).ok()?;
    Some(Box::new(Ctr(Box::new(stream))))
}

/// One 16-byte block at a time, in place.
trait Blocks {
    fn run(&mut self, block: &mut Block);
}

struct Encrypt<A: Aes>(cbc::Encryptor<A>);
struct Decrypt<A: Aes>(cbc::Decryptor<A>);

impl<A: Aes> Blocks for Encrypt<A> {
    fn run(&mut self, block: &mut Block) {
        self.0.encrypt_block_mut(block);
    }
}

impl<A: Aes> Blocks for Decrypt<A> {
    fn run(&mut self, block: &mut Block) {
        self.0.decrypt_block_mut(block);
    }
}

/// CBC, padded with PKCS#7 unless `setAutoPadding(false)`. A decipher
/// holds back its last whole block until `final`, which strips the padding.
struct Cbc {
    blocks: Box<dyn Blocks>,
    decrypt: bool,
    padding: bool,
    pending: Vec<u8>,
}

impl Cbc {
    fn run(&mut self, length: usize) -> Vec<u8> {
        let mut output: Vec<u8> = self.pending.drain(..length).collect();
        for chunk in output.chunks_exact_mut(16) {
            self.blocks.run(Block::from_mut_slice(chunk));
        }
        output
    }
}

impl Cipher for Cbc {
    fn update(&mut self, input: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(input);
        let mut ready = self.pending.len() - self.pending.len() % 16;
        if self.decrypt && self.padding && ready == self.pending.len() {
            ready = ready.saturating_sub(16);
        }
        self.run(ready)
    }

    fn set_padding(&mut self, on: bool) -> bool {
        self.padding = on;
        true
    }

    fn finish(&mut self) -> std::result::Result<Vec<u8>, Failure> {
        if !self.padding {
            return match self.pending.len() {
                0 => Ok(Vec::new()),
                _ => Err(Failure::WrongFinalBlockLength),
            };
        }
        if !self.decrypt {
            let pad = 16 - self.pending.len() % 16;
            self.pending.resize(self.pending.len() + pad, pad as u8);
            return Ok(self.run(self.pending.len()));
        }
        if self.pending.len() != 16 {
            return Err(Failure::WrongFinalBlockLength);
        }
        let mut block = self.run(16);
        // Every byte is checked whatever the first bad one, so the time
        // taken tells nothing about the padding (no padding oracle).
        let pad = block[15];
        let mut bad = u8::from(pad == 0) | u8::from(pad > 16);
        for (i, &byte) in block.iter().enumerate() {
            let in_padding = u8::from(16 - i as u8 <= pad);
            bad |= in_padding & u8::from(byte != pad);
        }
        if bad != 0 {
            return Err(Failure::BadDecrypt);
        }
        block.truncate(16 - pad as usize);
        Ok(block)
    }
}

fn cbc<A: Aes>(decrypt: bool, key: &[u8], iv: &[u8]) -> Option<Box<dyn Cipher>> {
    let blocks: Box<dyn Blocks> = if decrypt {
        Box::new(Decrypt(cbc::Decryptor::<A>::new_from_slices(key, iv).ok()?))
    } else {
        Box::new(Encrypt(cbc::Encryptor::<A>::new_from_slices(key, iv).ok()?))
    };
    Some(Box::new(Cbc {
        blocks,
        decrypt,
        padding: true,
        pending: Vec::new(),
    }))
}

/// The authenticator of an AEAD mode.
enum Mac {
    /// GHASH, and the tag's mask, E(K, J0).
    Gcm(GHash, Block),
    Poly1305(Poly1305),
}

impl Mac {
    fn blocks(&mut self, blocks: &[Block]) {
        match self {
            Mac::Gcm(ghash, _) => ghash.update(blocks),
            Mac::Poly1305(poly) => poly.update(blocks),
        }
    }

    fn padded(&mut self, data: &[u8]) {
        match self {
            Mac::Gcm(ghash, _) => ghash.update_padded(data),
            Mac::Poly1305(poly) => poly.update_padded(data),
        }
    }

    /// The full 16-byte tag, after the lengths block.
    fn tag(self, aad_length: u64, text_length: u64) -> [u8; 16] {
        let mut lengths = [0u8; 16];
        let mut tag = [0u8; 16];
        match self {
            Mac::Gcm(mut ghash, mask) => {
                lengths[..8].copy_from_slice(&(aad_length * 8).to_be_bytes());
                lengths[8..].copy_from_slice(&(text_length * 8).to_be_bytes());
                ghash.update(&[lengths.into()]);
                for ((t, h), m) in tag.iter_mut().zip(ghash.finalize()).zip(mask) {
                    *t = h ^ m;
                }
            }
            Mac::Poly1305(mut poly) => {
                lengths[..8].copy_from_slice(&aad_length.to_le_bytes());
                lengths[8..].copy_from_slice(&text_length.to_le_bytes());
                poly.update(&[lengths.into()]);
                tag.copy_from_slice(&poly.finalize());
            }
        }
        tag
    }
}

/// GCM or ChaCha20-Poly1305: a keystream and a MAC over the padded AAD,
/// the padded ciphertext and their lengths.
struct Aead {
    keystream: Box<dyn StreamCipher>,
    mac: Option<Mac>,
    decrypt: bool,
    aad: Vec<u8>,
    aad_length: u64,
    /// Ciphertext not yet a whole block for the MAC.
    partial: Vec<u8>,
    text_length: u64,
    started: bool,
    expected_tag: Option<Vec<u8>>,
}

impl Aead {
    fn new(keystream: Box<dyn StreamCipher>, mac: Mac, decrypt: bool) -> Self {
        Aead {
            keystream,
            mac: Some(mac),
            decrypt,
            aad: Vec::new(),
            aad_length: 0,
            partial: Vec::new(),
            text_length: 0,
            started: false,
            expected_tag: None,
        }
    }

    fn start(&mut self, mac: &mut Mac) {
        if !self.started {
            self.started = true;
            mac.padded(&std::mem::take(&mut self.aad));
        }
    }

    /// Feeds ciphertext to the MAC a whole block at a time.
    fn authenticate(&mut self, mac: &mut Mac, ciphertext: &[u8]) {
        self.text_length += ciphertext.len() as u64;
        self.partial.extend_from_slice(ciphertext);
        let whole = self.partial.len() - self.partial.len() % 16;
        let blocks: Vec<Block> = self.partial[..whole]
            .chunks_exact(16)
            .map(|chunk| *Block::from_slice(chunk))
            .collect();
        mac.blocks(&blocks);
        self.partial.drain(..whole);
    }
}

impl Cipher for Aead {
    fn update(&mut self, input: &[u8]) -> Vec<u8> {
        let Some(mut mac) = self.mac.take() else {
            return Vec::new();
        };
        self.start(&mut mac);
        let mut output = input.to_vec();
        if self.decrypt {
            self.authenticate(&mut mac, input);
            self.keystream.apply_keystream(&mut output);
        } else {
            self.keystream.apply_keystream(&mut output);
            self.authenticate(&mut mac, &output);
        }
        self.mac = Some(mac);
        output
    }

    fn set_aad(&mut self, aad: &[u8]) -> bool {
        if self.started {
            return false;
        }
        self.aad.extend_from_slice(aad);
        self.aad_length += aad.len() as u64;
        true
    }

    fn set_tag(&mut self, tag: &[u8]) -> bool {
        if !self.decrypt || tag.is_empty() || tag.len() > 16 {
            return false;
        }
        self.expected_tag = Some(tag.to_vec());
        true
    }

    fn finish(&mut self) -> std::result::Result<Vec<u8>, Failure> {
        let mut mac = self.mac.take().ok_or(Failure::Authenticate)?;
        self.start(&mut mac);
        mac.padded(&std::mem::take(&mut self.partial));
        let tag = mac.tag(self.aad_length, self.text_length);
        if !self.decrypt {
            return Ok(tag.to_vec());
        }
        let expected = self.expected_tag.as_deref().ok_or(Failure::Authenticate)?;
        // Every byte is compared whatever the first difference.
        let difference = expected
            .iter()
            .zip(tag)
            .fold(0u8, |difference, (a, b)| difference | (a ^ b));
        match difference {
            0 => Ok(Vec::new()),
            _ => Err(Failure::Authenticate),
        }
    }
}

fn gcm<A: Aes>(decrypt: bool, key: &[u8], iv: &[u8]) -> Option<Box<dyn Cipher>>
where
    ctr::Ctr32BE<A>: KeyIvInit + StreamCipher,
{
    if iv.is_empty() {
        return None;
    }
    let aes = A::new_from_slice(key).ok()?;
    let mut h = Block::default();
    aes.encrypt_block(&mut h);
    let ghash = GHash::new(&h);
    // J0 is the IV and a counter of 1 for 96-bit IVs, else GHASH(IV).
    let j0: Block = if iv.len() == 12 {
        let mut j0 = Block::default();
        j0[..12].copy_from_slice(iv);
        j0[15] = 1;
        j0
    } else {
        let mut hash = ghash.clone();
        hash.update_padded(iv);
        let mut lengths = Block::default();
        lengths[8..].copy_from_slice(&(iv.len() as u64 * 8).to_be_bytes());
        hash.update(&[lengths]);
        hash.finalize()
    };
    let mut mask = j0;
    aes.encrypt_block(&mut mask);
    let mut counter = j0;
    let low = u32::from_be_bytes(counter[12..].try_into().ok()?).wrapping_add(1);
    counter[12..].copy_from_slice(&low.to_be_bytes());
    let keystream = ctr::Ctr32BE::<A>::new_from_slices(key, &counter).ok()?;
    Some(Box::new(Aead::new(
        Box::new(keystream),
        Mac::Gcm(ghash, mask),
        decrypt,
    )))
}

fn chacha20_poly1305(decrypt: bool, key: &[u8], iv: &[u8]) -> Option<Box<dyn Cipher>> {
    let mut keystream = ChaCha20::new_from_slices(key, iv).ok()?;
    // The first block's keystream is the one-time Poly1305 key; the text
    // starts at block 1.
    let mut block = [0u8; 64];
    keystream.apply_keystream(&mut block);
    let poly = Poly1305::new_from_slice(&block[..32]).ok()?;
    Some(Box::new(Aead::new(
        Box::new(keystream),
        Mac::Poly1305(poly),
        decrypt,
    )))
}
