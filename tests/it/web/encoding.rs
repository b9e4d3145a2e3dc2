//! `TextDecoder` with every WHATWG encoding (`encoding_rs` in the guest):
//! labels, one case per family, malformed input (U+FFFD, or `TypeError`
//! when `fatal`), streaming split inside a sequence, and the BOM. Expected
//! texts are the WHATWG indexes' (`encoding_rs`'s own expectations), and
//! Node 20 printed the same for each case, except where a test says so.
//! UTF-8's own cases are in `web::native`.

use jsbox::{Limits, OutcomeKind, RunOptions, Script};

use crate::support;

/// The completion value of `source` after a prelude: `dec(label, bytes,
/// options)` decodes once, `chunks(label, parts)` streams `parts` then
/// flushes (joined with `|`), `fatal(label, bytes, stream)` decodes with
/// `fatal: true` or names what it threw. Texts are `escape`d, so that
/// replacement characters and BOMs are visible.
fn value(source: &str) -> String {
    const PRELUDE: &str = r#"
const u8 = (a) => new Uint8Array(a);
const dec = (label, bytes, opts) => escape(new TextDecoder(label, opts).decode(u8(bytes)));
function chunks(label, parts, opts) {
  const d = new TextDecoder(label, opts);
  const out = parts.map((p) => d.decode(u8(p), { stream: true }));
  out.push(d.decode());
  return escape(out.join('|'));
}
function fatal(label, bytes, stream) {
  try { return escape(new TextDecoder(label, { fatal: true }).decode(u8(bytes), { stream })); }
  catch (e) { return e.name; }
}
"#;
    support::value(&Script::new("encoding.js", format!("{PRELUDE}\n{source}")))
}

#[test]
fn labels_resolve_to_the_standard_names() {
    assert_eq!(
        value(
            "['latin1', 'ascii', 'iso-8859-1', 'us-ascii', 'utf-16', 'ucs-2', 'unicode', 'unicodefffe',
              'sjis', 'ms_kanji', 'windows-31j', 'x-euc-jp', 'csiso2022jp', 'ks_c_5601-1987', 'windows-949',
              'gb2312', 'x-gbk', 'chinese', 'GB18030', 'big5-hkscs', 'cn-big5', 'cp1251', 'koi8-u', 'l2',
              'iso8859-15', 'x-mac-roman', 'dos-874', 'tis-620', 'x-user-defined', '  UTF-16BE\\n',
              'ISO-8859-8-I', 'x-mac-cyrillic', 'ibm866']
               .map((label) => new TextDecoder(label).encoding)"
        ),
        r#"["windows-1252","windows-1252","windows-1252","windows-1252","utf-16le","utf-16le","utf-16le","utf-16be","shift_jis","shift_jis","shift_jis","euc-jp","iso-2022-jp","euc-kr","euc-kr","gbk","gbk","gbk","gb18030","big5","big5","windows-1251","koi8-u","iso-8859-2","iso-8859-15","macintosh","windows-874","windows-874","x-user-defined","utf-16be","iso-8859-8-i","x-mac-cyrillic","ibm866"]"#
    );
}

#[test]
fn the_replacement_encodings_labels_and_unknown_labels_throw_range_error() {
    // The constructor refuses `replacement` (iso-2022-kr, hz-gb-2312...)
    // as the standard says; a lone surrogate in a label is just unknown.
    assert_eq!(
        value(
            "['replacement', 'iso-2022-kr', 'csiso2022kr', 'hz-gb-2312', 'iso-2022-cn', 'utf-7', 'utf-32',
              'nope', 'utf-8\\ud800', '']
               .map((label) => { try { new TextDecoder(label); return 'made'; } catch (e) { return e.name; } })"
        ),
        r#"["RangeError","RangeError","RangeError","RangeError","RangeError","RangeError","RangeError","RangeError","RangeError","RangeError"]"#
    );
}

#[test]
fn utf16_decodes_both_byte_orders_with_replacement_and_bom_handling() {
    assert_eq!(
        value(
            "[dec('utf-16le', [0x3d, 0xd8, 0x00, 0xde, 0x41, 0x00]), dec('utf-16', [0xff, 0xfe, 0x41, 0x00]),
              dec('utf-16le', [0x00, 0xd8, 0x41, 0x00]), dec('utf-16le', [0x41, 0x00, 0x42]),
              dec('utf-16be', [0xd8, 0x3d, 0xde, 0x00]), dec('utf-16be', [0xfe, 0xff, 0x00, 0x41]),
              dec('utf-16be', [0xfe, 0xff, 0x00, 0x41], { ignoreBOM: true }),
              // A BOM of the other byte order is an ordinary character.
              dec('utf-16le', [0xfe, 0xff, 0x41, 0x00])]"
        ),
        r#"["%uD83D%uDE00A","A","%uFFFDA","A%uFFFD","%uD83D%uDE00","A","%uFEFFA","%uFFFEA"]"#
    );
}

#[test]
fn the_cjk_encodings_decode_their_index_entries() {
    assert_eq!(
        value(
            "[dec('shift_jis', [0x82, 0xa0, 0x88, 0x9f, 0xb1, 0x41]), dec('sjis', [0x82, 0x20]),
              dec('euc-jp', [0xa4, 0xa2, 0x8e, 0xb1]),
              dec('iso-2022-jp', [0x1b, 0x24, 0x42, 0x24, 0x22, 0x1b, 0x28, 0x42, 0x41]),
              dec('euc-kr', [0xb0, 0xa1, 0x41]), dec('gbk', [0xc4, 0xe3, 0xba, 0xc3, 0x80]),
              dec('gb18030', [0x81, 0x30, 0x81, 0x30, 0x95, 0x32, 0x82, 0x36]), dec('big5', [0xa4, 0x40, 0xa4, 0x48])]"
        ),
        // あ亜ｱA; a lead byte before ASCII is U+FFFD and the ASCII byte
        // stays; あｱ; あ then back to ASCII; 가A; 你好€; U+0080 U+20000; 一人.
        r#"["%u3042%u4E9C%uFF71A","%uFFFD%20","%u3042%uFF71","%u3042A","%uAC00A","%u4F60%u597D%u20AC","%80%uD840%uDC00","%u4E00%u4EBA"]"#
    );
}

#[test]
fn the_single_byte_encodings_and_x_user_defined_use_their_tables() {
    assert_eq!(
        value(
            "[dec('latin1', [0x80, 0xe9, 0x41]), dec('windows-1251', [0xcf, 0xf0, 0xe8]), dec('koi8-r', [0xf0, 0xd2, 0xc9]),
              dec('iso-8859-2', [0xa1, 0xb1]), dec('iso-8859-7', [0xe1, 0xe2]), dec('windows-1255', [0xf9, 0xec]),
              dec('ibm866', [0x80, 0xa0]), dec('macintosh', [0x80, 0xa5]), dec('windows-874', [0xa1]),
              dec('x-user-defined', [0x41, 0x80, 0xff]), dec('windows-1253', [0xaa]), dec('iso-8859-8', [0xbf])]"
        ),
        // `latin1` is windows-1252 (0x80 is €), as the standard says; Node
        // 20 decodes it as ISO-8859-1 (U+0080). Unmapped bytes are U+FFFD
        // (Node's ICU maps windows-1253's 0xAA to U+00AA).
        r#"["%u20AC%E9A","%u041F%u0440%u0438","%u041F%u0440%u0438","%u0104%u0105","%u03B1%u03B2","%u05E9%u05DC","%u0410%u0430","%C4%u2022","%u0E01","A%uF780%uF7FF","%uFFFD","%uFFFD"]"#
    );
}

#[test]
fn fatal_decoders_throw_type_error_on_malformed_input_and_start_afresh() {
    assert_eq!(
        value(
            "const f = new TextDecoder('shift_jis', { fatal: true });
             const after = [];
             try { f.decode(u8([0x82]), { stream: true }); after.push('kept'); f.decode(); } catch (e) { after.push(e.name); }
             after.push(f.decode(u8([0x41])));
             [fatal('shift_jis', [0x82], false), fatal('shift_jis', [0x82], true), fatal('utf-16le', [0x00, 0xd8], false),
              fatal('utf-16le', [0x41], true), fatal('euc-kr', [0xff, 0x41], false), fatal('gbk', [0x81, 0x20], false),
              fatal('iso-2022-jp', [0x1b, 0x41], false), fatal('big5', [0xa4, 0x40], false),
              fatal('windows-1253', [0xaa], false), fatal('iso-8859-8', [0xbf], false), after,
              (() => { try { new TextDecoder('gbk', { fatal: true }).decode(u8([0x81, 0x20])); } catch (e) { return e.message; } })()]"
        ),
        r#"["TypeError","","TypeError","","TypeError","TypeError","TypeError","%u4E00","TypeError","TypeError",["kept","TypeError","A"],"The encoded data was not valid for encoding gbk"]"#
    );
}

#[test]
fn streaming_keeps_a_sequence_split_across_chunks() {
    assert_eq!(
        value(
            "[chunks('utf-16le', [[0x3d], [0xd8, 0x00], [0xde]]), chunks('utf-16le', [[0x3d, 0xd8], [0x00, 0xde]]),
              chunks('utf-16le', [[0xff], [0xfe, 0x41], [0x00]]), chunks('utf-16be', [[0xd8, 0x3d]]),
              chunks('shift_jis', [[0x41, 0x82], [0xa0]]), chunks('shift_jis', [[0x82]]),
              chunks('iso-2022-jp', [[0x1b, 0x24], [0x42, 0x24], [0x22, 0x1b, 0x28], [0x42, 0x41]]),
              chunks('iso-2022-jp', [[0x1b, 0x24, 0x42, 0x24, 0x22], [0x24, 0x24]]),
              chunks('gb18030', [[0x95], [0x32, 0x82], [0x36]]), chunks('big5', [[0xa4], [0x40]]),
              chunks('euc-kr', [[0xb0], [0xa1]]), chunks('utf-8', [[0xef, 0xbb], [0xbf, 0x41], [0xef, 0xbb, 0xbf]])]"
        ),
        // `%7C` is the `|` between chunks. A surrogate pair split three
        // ways; a BOM split in two; a lone lead at the end of the stream;
        // ISO-2022-JP's escape split and its mode kept between chunks; a
        // BOM after the first chunk is a character.
        r#"["%7C%7C%uD83D%uDE00%7C","%7C%uD83D%uDE00%7C","%7C%7CA%7C","%7C%uFFFD","A%7C%u3042%7C","%7C%uFFFD","%7C%7C%u3042%7CA%7C","%u3042%7C%u3044%7C","%7C%7C%uD840%uDC00%7C","%7C%u4E00%7C","%7C%uAC00%7C","%7CA%7C%uFEFF%7C"]"#
    );
}

#[test]
fn a_decode_too_large_for_the_memory_cap_ends_the_run_as_memory_limit() {
    // 12 MiB of 0x80 is 36 MiB of UTF-8 (each byte is €): the decoder's
    // buffer does not fit a 32 MiB sandbox, and the run ends classified,
    // never as a host crash or an internal error.
    let (execution, _) = support::run(
        &Script::new(
            "big.js",
            "const bytes = new Uint8Array(12 * 1024 * 1024).fill(0x80);
             console.log(new TextDecoder('windows-1252').decode(bytes).length);",
        ),
        RunOptions::default().with_limits(Limits::default().with_memory_bytes(32 << 20)),
    );
    assert_eq!(execution.outcome.kind(), OutcomeKind::MemoryLimit);
}
