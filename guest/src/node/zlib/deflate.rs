//! The deflate family: raw deflate, zlib (RFC 1950) and gzip (RFC 1952)
//! streams, compressed and decompressed by `miniz_oxide`.
//!
//! `miniz_oxide` only ever sees raw deflate on the decompressing side: the
//! zlib and gzip headers and trailers are parsed here, byte by byte, so that
//! each fault gets zlib's own message (`incorrect header check`, `incorrect
//! data check`...) and no header field can make this code allocate. Output
//! goes straight into the caller's bounded buffer; `miniz_oxide` keeps only
//! its 32 KiB window.

use miniz_oxide::deflate::core::{CompressorOxide, create_comp_flags_from_zip_params};
use miniz_oxide::inflate::stream::InflateState;
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

use super::{Flush, Step, ZError};

/// zlib's `Z_FINISH`: the last input was given.
const Z_FINISH: Flush = 4;

fn mz_flush(flush: Flush) -> MZFlush {
    match flush {
        1 => MZFlush::Partial,
        2 => MZFlush::Sync,
        3 => MZFlush::Full,
        4 => MZFlush::Finish,
        5 => MZFlush::Block,
        _ => MZFlush::None,
    }
}

/// The wrapping around the deflate data.
#[derive(Clone, Copy, PartialEq)]
pub enum Wrap {
    Raw,
    Zlib,
    Gzip,
    /// Node's `unzip`: gzip or zlib, told by the first two bytes.
    Detect,
}

/// A compressor in progress.
pub struct Deflater {
    compressor: Box<CompressorOxide>,
    /// The gzip trailer's CRC-32 and length of the input, for gzip.
    gzip: Option<(crc32fast::Hasher, u32)>,
    /// Header or trailer bytes not yet handed out, from `pending_at`.
    pending: Vec<u8>,
    pending_at: usize,
    finished: bool,
}

impl Deflater {
    /// `level` 0–9, `strategy` 0–4 (zlib's values, checked by the JS side).
    /// The window is always 32 KiB, whatever `windowBits` said.
    pub fn new(wrap: Wrap, level: u8, strategy: i32) -> Deflater {
        let window_bits = if wrap == Wrap::Zlib { 15 } else { -15 };
        let flags = create_comp_flags_from_zip_params(level.into(), window_bits, strategy);
        let compressor = Box::new(CompressorOxide::new(flags));
        let gzip = (wrap == Wrap::Gzip).then(|| (crc32fast::Hasher::new(), 0));
        // zlib's header: no name, time 0, "extra flags" by level, OS Unix.
        let pending = if gzip.is_some() {
            let xfl = match (level, strategy) {
                (9, _) => 2,
                (0 | 1, _) | (_, 2..) => 4,
                _ => 0,
            };
            vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]
        } else {
            Vec::new()
        };
        Deflater {
            compressor,
            gzip,
            pending,
            pending_at: 0,
            finished: false,
        }
    }

    pub fn process(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        flush: Flush,
    ) -> Result<Step, ZError> {
        let (mut consumed, mut written) = (0, 0);
        loop {
            written += self.drain_pending(&mut output[written..]);
            if self.pending_at < self.pending.len() {
                return Ok(Step::more(consumed, written));
            }
            if self.finished {
                return Ok(Step::ended(input.len(), written));
            }
            if written == output.len() {
                return Ok(Step::more(consumed, written));
            }
            let result = miniz_oxide::deflate::stream::deflate(
                &mut self.compressor,
                &input[consumed..],
                &mut output[written..],
                mz_flush(flush),
            );
            if let Some((crc, size)) = &mut self.gzip {
                let taken = &input[consumed..consumed + result.bytes_consumed];
                crc.update(taken);
                *size = size.wrapping_add(taken.len() as u32);
            }
            consumed += result.bytes_consumed;
            written += result.bytes_written;
            match result.status {
                Ok(MZStatus::StreamEnd) => {
                    self.finished = true;
                    if let Some((crc, size)) = self.gzip.take() {
                        self.pending.clear();
                        self.pending_at = 0;
                        self.pending.extend(crc.finalize().to_le_bytes());
                        self.pending.extend(size.to_le_bytes());
                    }
                }
                Ok(_) if written == output.len() => return Ok(Step::more(consumed, written)),
                Ok(_) | Err(MZError::Buf) => return Ok(Step::need_input(consumed, written)),
                Err(_) => return Err(ZError::stream("deflate failed")),
            }
        }
    }

    fn drain_pending(&mut self, output: &mut [u8]) -> usize {
        let rest = &self.pending[self.pending_at..];
        let n = rest.len().min(output.len());
        output[..n].copy_from_slice(&rest[..n]);
        self.pending_at += n;
        n
    }
}

/// Where a decompressor is in its stream.
enum Phase {
    /// `unzip` before its first two bytes.
    Detect {
        bytes: [u8; 2],
        have: usize,
    },
    ZlibHeader {
        bytes: [u8; 2],
        have: usize,
    },
    Gzip(GzipHeader),
    Body,
    Trailer {
        bytes: [u8; 8],
        have: usize,
    },
    End,
}

/// The parts of a gzip header, read one byte at a time.
enum GzipHeader {
    Fixed {
        bytes: [u8; 10],
        have: usize,
    },
    ExtraLength {
        flags: u8,
        bytes: [u8; 2],
        have: usize,
    },
    Extra {
        flags: u8,
        left: u16,
    },
    Name {
        flags: u8,
    },
    Comment {
        flags: u8,
    },
    /// The low 16 bits of the CRC-32 of the header before them.
    HeaderCrc {
        bytes: [u8; 2],
        have: usize,
    },
}

const FHCRC: u8 = 2;
const FEXTRA: u8 = 4;
const FNAME: u8 = 8;
const FCOMMENT: u8 = 16;

/// The check a trailer is compared with.
enum Check {
    None,
    Adler(adler2::Adler32),
    Crc { crc: crc32fast::Hasher, size: u32 },
}

/// A decompressor in progress.
pub struct Inflater {
    /// Raw, Zlib or Gzip once known.
    wrap: Wrap,
    /// The largest window a zlib header may declare (8–15).
    window_bits: u8,
    phase: Phase,
    inflate: Box<InflateState>,
    check: Check,
    /// The CRC-32 of a gzip header so far, for its optional CRC field.
    header_crc: crc32fast::Hasher,
}

fn data_error(message: &'static str) -> ZError {
    ZError::zlib(-3, message)
}

impl Inflater {
    /// `window_bits` 8–15, or 0 for "what the header says".
    pub fn new(wrap: Wrap, window_bits: u8) -> Inflater {
        let mut inflater = Inflater {
            wrap,
            window_bits: if window_bits == 0 { 15 } else { window_bits },
            phase: Phase::End,
            inflate: InflateState::new_boxed(DataFormat::Raw),
            check: Check::None,
            header_crc: crc32fast::Hasher::new(),
        };
        inflater.start();
        inflater
    }

    /// Starts a stream (or the next gzip member).
    fn start(&mut self) {
        self.inflate.reset(DataFormat::Raw);
        self.header_crc = crc32fast::Hasher::new();
        (self.phase, self.check) = match self.wrap {
            Wrap::Raw => (Phase::Body, Check::None),
            Wrap::Zlib => (
                Phase::ZlibHeader {
                    bytes: [0; 2],
                    have: 0,
                },
                Check::Adler(adler2::Adler32::new()),
            ),
            Wrap::Gzip => (
                Phase::Gzip(GzipHeader::Fixed {
                    bytes: [0; 10],
                    have: 0,
                }),
                Check::Crc {
                    crc: crc32fast::Hasher::new(),
                    size: 0,
                },
            ),
            Wrap::Detect => (
                Phase::Detect {
                    bytes: [0; 2],
                    have: 0,
                },
                Check::None,
            ),
        };
    }

    pub fn process(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        flush: Flush,
    ) -> Result<Step, ZError> {
        let (mut consumed, mut written) = (0, 0);
        loop {
            if let Phase::Body = self.phase {
                let result = miniz_oxide::inflate::stream::inflate(
                    &mut self.inflate,
                    &input[consumed..],
                    &mut output[written..],
                    MZFlush::None,
                );
                let produced = &output[written..written + result.bytes_written];
                match &mut self.check {
                    Check::None => {}
                    Check::Adler(adler) => adler.write_slice(produced),
                    Check::Crc { crc, size } => {
                        crc.update(produced);
                        *size = size.wrapping_add(produced.len() as u32);
                    }
                }
                consumed += result.bytes_consumed;
                written += result.bytes_written;
                match result.status {
                    Ok(MZStatus::StreamEnd) => {
                        self.phase = match self.wrap {
                            Wrap::Raw => Phase::End,
                            _ => Phase::Trailer {
                                bytes: [0; 8],
                                have: 0,
                            },
                        };
                        continue;
                    }
                    Ok(_) if written == output.len() => {
                        return Ok(Step::more(consumed, written));
                    }
                    Ok(_) | Err(MZError::Buf) if consumed < input.len() => {
                        // miniz made no progress with input left: corrupt.
                        if result.bytes_consumed == 0 && result.bytes_written == 0 {
                            return Err(data_error("invalid deflate data"));
                        }
                    }
                    Ok(_) | Err(MZError::Buf) => {
                        return self.out_of_input(consumed, written, flush);
                    }
                    Err(_) => return Err(data_error("invalid deflate data")),
                }
                continue;
            }
            if let Phase::End = self.phase {
                // A gzip stream may hold more members; what follows a zlib
                // or raw stream is left unconsumed (Node ignores it, the
                // web's DecompressionStream refuses it).
                if self.wrap == Wrap::Gzip && consumed < input.len() {
                    self.start();
                    continue;
                }
                return Ok(Step::ended(consumed, written));
            }
            let Some(&byte) = input.get(consumed) else {
                return self.out_of_input(consumed, written, flush);
            };
            consumed += 1;
            self.header_or_trailer_byte(byte)?;
        }
    }

    /// All input is used: fine unless it was the last.
    fn out_of_input(&self, consumed: usize, written: usize, flush: Flush) -> Result<Step, ZError> {
        if flush == Z_FINISH {
            Err(ZError::zlib(-5, "unexpected end of file"))
        } else {
            Ok(Step::need_input(consumed, written))
        }
    }

    fn header_or_trailer_byte(&mut self, byte: u8) -> Result<(), ZError> {
        match &mut self.phase {
            Phase::Detect { bytes, have } => {
                bytes[*have] = byte;
                *have += 1;
                // Node's rule: gzip if it starts 1f 8b, else zlib.
                let gzip = match &bytes[..*have] {
                    [0x1f] => return Ok(()),
                    [0x1f, 0x8b] => true,
                    _ => false,
                };
                let seen = (*bytes, *have);
                self.wrap = if gzip { Wrap::Gzip } else { Wrap::Zlib };
                self.start();
                for &byte in &seen.0[..seen.1] {
                    self.header_or_trailer_byte(byte)?;
                }
            }
            Phase::ZlibHeader { bytes, have } => {
                bytes[*have] = byte;
                *have += 1;
                if *have == 2 {
                    let [cmf, flg] = *bytes;
                    if (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 {
                        return Err(data_error("incorrect header check"));
                    }
                    if cmf & 0x0f != 8 {
                        return Err(data_error("unknown compression method"));
                    }
                    if (cmf >> 4) + 8 > self.window_bits {
                        return Err(data_error("invalid window size"));
                    }
                    if flg & 0x20 != 0 {
                        return Err(ZError::zlib(2, "Missing dictionary"));
                    }
                    self.phase = Phase::Body;
                }
            }
            Phase::Gzip(header) => {
                if !matches!(header, GzipHeader::HeaderCrc { .. }) {
                    self.header_crc.update(&[byte]);
                }
                if let Some(next) = gzip_header_byte(header, byte, &self.header_crc)? {
                    self.phase = next;
                }
            }
            Phase::Trailer { bytes, have } => {
                bytes[*have] = byte;
                *have += 1;
                let (bytes, have) = (*bytes, *have);
                match &self.check {
                    Check::Adler(adler) if have == 4 => {
                        if u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
                            != adler.checksum()
                        {
                            return Err(data_error("incorrect data check"));
                        }
                        self.phase = Phase::End;
                    }
                    Check::Crc { crc, size } if have == 8 => {
                        let [c0, c1, c2, c3, s0, s1, s2, s3] = bytes;
                        if u32::from_le_bytes([c0, c1, c2, c3]) != crc.clone().finalize() {
                            return Err(data_error("incorrect data check"));
                        }
                        if u32::from_le_bytes([s0, s1, s2, s3]) != *size {
                            return Err(data_error("incorrect length check"));
                        }
                        self.phase = Phase::End;
                    }
                    _ => {}
                }
            }
            Phase::Body | Phase::End => {}
        }
        Ok(())
    }
}

/// Takes one byte of a gzip header (whose CRC-32 so far is `crc`); the
/// next phase once the part is done.
fn gzip_header_byte(
    header: &mut GzipHeader,
    byte: u8,
    crc: &crc32fast::Hasher,
) -> Result<Option<Phase>, ZError> {
    /// The first optional part from `from` on that the flags announce.
    fn after(flags: u8, from: usize) -> Phase {
        let part = [FEXTRA, FNAME, FCOMMENT, FHCRC]
            .into_iter()
            .skip(from)
            .find(|flag| flags & flag != 0);
        match part {
            Some(FEXTRA) => Phase::Gzip(GzipHeader::ExtraLength {
                flags,
                bytes: [0; 2],
                have: 0,
            }),
            Some(FNAME) => Phase::Gzip(GzipHeader::Name { flags }),
            Some(FCOMMENT) => Phase::Gzip(GzipHeader::Comment { flags }),
            Some(_) => Phase::Gzip(GzipHeader::HeaderCrc {
                bytes: [0; 2],
                have: 0,
            }),
            None => Phase::Body,
        }
    }
    Ok(match header {
        GzipHeader::Fixed { bytes, have } => {
            bytes[*have] = byte;
            *have += 1;
            match (*have, bytes[0], bytes[1]) {
                (1, 0x1f, _) | (2, _, 0x8b) => None,
                (1 | 2, _, _) => return Err(data_error("incorrect header check")),
                (3, _, _) if byte != 8 => return Err(data_error("unknown compression method")),
                (4, _, _) if byte & 0xe0 != 0 => {
                    return Err(data_error("unknown header flags set"));
                }
                (10, _, _) => Some(after(bytes[3], 0)),
                _ => None,
            }
        }
        GzipHeader::ExtraLength { flags, bytes, have } => {
            bytes[*have] = byte;
            *have += 1;
            match u16::from_le_bytes(*bytes) {
                _ if *have < 2 => None,
                0 => Some(after(*flags, 1)),
                left => {
                    *header = GzipHeader::Extra {
                        flags: *flags,
                        left,
                    };
                    None
                }
            }
        }
        GzipHeader::Extra { flags, left } => {
            *left -= 1;
            (*left == 0).then(|| after(*flags, 1))
        }
        GzipHeader::Name { flags } => (byte == 0).then(|| after(*flags, 2)),
        GzipHeader::Comment { flags } => (byte == 0).then(|| after(*flags, 3)),
        GzipHeader::HeaderCrc { bytes, have } => {
            bytes[*have] = byte;
            *have += 1;
            if *have < 2 {
                None
            } else if u32::from(u16::from_le_bytes(*bytes)) == crc.clone().finalize() & 0xffff {
                Some(Phase::Body)
            } else {
                return Err(data_error("header crc mismatch"));
            }
        }
    })
}
