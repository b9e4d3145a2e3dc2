//! Brotli (RFC 7932) by the `brotli` crate (Dropbox's pure-Rust port of
//! Google's encoder and decoder).
//!
//! The decoder writes into the caller's bounded buffer; its own ring buffer
//! is at most the stream's window (16 MiB for an ordinary stream, up to
//! 1 GiB only when a script asks for large windows), allocated inside the
//! sandbox's memory, so the memory cap bounds it.

use brotli::enc::StandardAlloc;
use brotli::enc::encode::{
    BrotliEncoderOperation, BrotliEncoderParameter, BrotliEncoderStateStruct,
};
use brotli::interface::{InputReferenceMut, PredictionModeContextMap, StaticCommand};
use brotli::{BrotliDecompressStream, BrotliResult, BrotliState, InputPair};
use brotli_decompressor::BrotliDecoderParameter;

use super::{Flush, Step, ZError};

/// `BROTLI_OPERATION_FINISH`.
const FINISH: Flush = 2;

/// An encoder in progress.
pub struct Encoder(Box<BrotliEncoderStateStruct<StandardAlloc>>);

impl Encoder {
    /// An encoder with Node's `params` (`BROTLI_PARAM_*` keys 0–6); `None`
    /// when one is refused, as `BrotliEncoderSetParameter` refuses it.
    pub fn new(params: &[(u32, u32)]) -> Option<Encoder> {
        let mut state = Box::new(BrotliEncoderStateStruct::new(StandardAlloc::default()));
        for &(key, value) in params {
            use BrotliEncoderParameter::*;
            let key = match key {
                0 => BROTLI_PARAM_MODE,
                1 => BROTLI_PARAM_QUALITY,
                2 => BROTLI_PARAM_LGWIN,
                3 => BROTLI_PARAM_LGBLOCK,
                4 => BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING,
                5 => BROTLI_PARAM_SIZE_HINT,
                6 => BROTLI_PARAM_LARGE_WINDOW,
                _ => return None,
            };
            if !state.set_parameter(key, value) {
                return None;
            }
        }
        Some(Encoder(state))
    }

    /// `flush` is a `BROTLI_OPERATION_*`: process, flush or finish.
    pub fn process(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        flush: Flush,
    ) -> Result<Step, ZError> {
        let operation = match flush {
            0 => BrotliEncoderOperation::BROTLI_OPERATION_PROCESS,
            1 => BrotliEncoderOperation::BROTLI_OPERATION_FLUSH,
            _ => BrotliEncoderOperation::BROTLI_OPERATION_FINISH,
        };
        let mut no_callback = |_: &mut PredictionModeContextMap<InputReferenceMut>,
                               _: &mut [StaticCommand],
                               _: InputPair,
                               _: &mut StandardAlloc| ();
        let (mut consumed, mut written) = (0, 0);
        loop {
            if self.0.is_finished() {
                return Ok(Step::ended(input.len(), written));
            }
            if written == output.len() {
                return Ok(Step::more(consumed, written));
            }
            let (before_in, before_out) = (consumed, written);
            let mut available_in = input.len() - consumed;
            let mut available_out = output.len() - written;
            let ok = self.0.compress_stream(
                operation,
                &mut available_in,
                input,
                &mut consumed,
                &mut available_out,
                output,
                &mut written,
                &mut None,
                &mut no_callback,
            );
            if !ok {
                return Err(ZError::new(
                    -2,
                    "ERR_BROTLI_COMPRESSION_FAILED",
                    "Compression failed",
                ));
            }
            let progressed = consumed != before_in || written != before_out;
            let flushed = available_in == 0 && !self.0.has_more_output();
            if !progressed || (flushed && flush != FINISH) {
                return Ok(if written == output.len() {
                    Step::more(consumed, written)
                } else {
                    Step::need_input(consumed, written)
                });
            }
        }
    }
}

type DecoderState = BrotliState<StandardAlloc, StandardAlloc, StandardAlloc>;

/// A decoder in progress.
pub struct Decoder {
    state: Box<DecoderState>,
    ended: bool,
}

impl Decoder {
    /// A decoder with Node's `params` (`BROTLI_DECODER_PARAM_*` keys 0–1);
    /// `None` when one is refused.
    pub fn new(params: &[(u32, u32)]) -> Option<Decoder> {
        let alloc = StandardAlloc::default;
        let mut state = Box::new(DecoderState::new_strict(alloc(), alloc(), alloc()));
        for &(key, value) in params {
            let key = match key {
                0 => BrotliDecoderParameter::BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION,
                1 => BrotliDecoderParameter::BROTLI_DECODER_PARAM_LARGE_WINDOW,
                _ => return None,
            };
            if !state.set_parameter(key, value) {
                return None;
            }
        }
        Some(Decoder {
            state,
            ended: false,
        })
    }

    pub fn process(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        flush: Flush,
    ) -> Result<Step, ZError> {
        if self.ended {
            return Ok(Step::ended(0, 0));
        }
        let (mut consumed, mut written, mut total) = (0, 0, 0);
        let mut available_in = input.len();
        let mut available_out = output.len();
        let result = BrotliDecompressStream(
            &mut available_in,
            &mut consumed,
            input,
            &mut available_out,
            &mut written,
            output,
            &mut total,
            &mut self.state,
        );
        match result {
            BrotliResult::ResultSuccess => {
                self.ended = true;
                Ok(Step::ended(consumed, written))
            }
            BrotliResult::NeedsMoreOutput => Ok(Step::more(consumed, written)),
            BrotliResult::NeedsMoreInput if flush == FINISH => {
                Err(ZError::new(-5, "Z_BUF_ERROR", "unexpected end of file"))
            }
            BrotliResult::NeedsMoreInput => Ok(Step::need_input(consumed, written)),
            BrotliResult::ResultFailure => {
                let code = self.state.error_code;
                // Node's code is "ERR_" and the C library's name of the
                // error without its `BROTLI_DECODER` prefix.
                let name = format!("{code:?}");
                let name = name.strip_prefix("BROTLI_DECODER").unwrap_or(&name);
                Err(ZError::new(
                    code as i32,
                    &format!("ERR_{name}"),
                    "Decompression failed",
                ))
            }
        }
    }
}
