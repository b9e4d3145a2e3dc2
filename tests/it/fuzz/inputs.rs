//! Generators over `arbitrary::Unstructured` that never fail: an exhausted
//! input reads as zeros, so a short case is still a valid (small) case.
//! They favour the spellings that break parsers: separators, NUL, escapes,
//! dots, brackets, boundary numbers and non-ASCII text.

use arbitrary::Unstructured;

/// Text fragments odd strings are made of.
const TOKENS: &[&str] = &[
    "",
    "a",
    "Z",
    "0",
    "1",
    "9",
    "-",
    "_",
    ".",
    "..",
    "/",
    "//",
    "\\",
    "\0",
    "%00",
    "%2e%2e",
    "%2F",
    "*",
    "*.",
    ":",
    "::",
    "[",
    "]",
    "@",
    "?",
    "#",
    "=",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\"",
    "'",
    "`",
    "${",
    "{",
    "}",
    ",",
    ";",
    "é",
    "ß",
    "\u{202e}",
    "\u{feff}",
    "\u{fffd}",
    "\u{10ffff}",
    "😀",
    "xn--",
    "xn--zz",
    "localhost",
    "127.0.0.1",
    "0.0.0.0",
    "0x7f",
    "0177",
    "127.1",
    "2130706433",
    "4294967295",
    "4294967296",
    "-1",
    "+1",
    "65535",
    "65536",
    "080",
    "::1",
    "::ffff:",
    "fe80::1%25eth0",
    "[::]",
    "/8",
    "/32",
    "/33",
    "/128",
    "/-1",
    "10.0.0.0/8",
    "169.254.169.254",
    "example.com",
    "EXAMPLE.COM.",
    "proc",
    "self",
    "environ",
    "~",
    "$HOME",
    "1e308",
    "NaN",
    "null",
    "true",
    "{}",
    "[]",
];

/// Whether to take a branch with probability `1/n`.
pub fn one_in(u: &mut Unstructured<'_>, n: u32) -> bool {
    u.int_in_range(1..=n).unwrap_or(1) == 1
}

/// An index below `len` (`len` > 0).
pub fn index(u: &mut Unstructured<'_>, len: usize) -> usize {
    u.choose_index(len).unwrap_or(0)
}

/// One of `items` (not empty).
pub fn pick<'a, T>(u: &mut Unstructured<'_>, items: &'a [T]) -> &'a T {
    &items[index(u, items.len())]
}

/// A count in `0..=max`.
pub fn count(u: &mut Unstructured<'_>, max: usize) -> usize {
    u.int_in_range(0..=max).unwrap_or(0)
}

/// A string of tokens, raw arbitrary text, or a long run of one character.
pub fn odd_string(u: &mut Unstructured<'_>) -> String {
    match u.int_in_range(0..=9u8).unwrap_or(0) {
        0 => u.arbitrary::<String>().unwrap_or_default(),
        1 => pick(u, &["a", "\0", "/", ".", "é", "9"]).repeat(count(u, 5000)),
        _ => (0..count(u, 8)).map(|_| *pick(u, TOKENS)).collect(),
    }
}

/// A label of a host name: letters, digits, hyphens, and now and then
/// something odd.
pub fn label(u: &mut Unstructured<'_>) -> String {
    if one_in(u, 6) {
        return odd_string(u);
    }
    let len = 1 + count(u, 12);
    (0..len)
        .map(|_| *pick(u, &['a', 'b', 'x', 'Z', '0', '7', '-', 'é']))
        .collect()
}

/// A host as a URL or a rule would spell it: names (with trailing dots and
/// odd case), IPv4 in its many spellings, bracketed IPv6, or garbage.
pub fn host(u: &mut Unstructured<'_>) -> String {
    match u.int_in_range(0..=7u8).unwrap_or(0) {
        0 | 1 => {
            let labels: Vec<String> = (0..1 + count(u, 3)).map(|_| label(u)).collect();
            let mut name = labels.join(".");
            if one_in(u, 4) {
                name.push('.');
            }
            name
        }
        2 => {
            let octets: [u8; 4] = u.arbitrary().unwrap_or_default();
            std::net::Ipv4Addr::from(octets).to_string()
        }
        3 => pick(
            u,
            &[
                "127.0.0.1",
                "127.1",
                "0x7f.0.0.1",
                "0177.0.0.1",
                "2130706433",
                "0",
                "0.0.0.0",
                "10.0.0.1",
                "192.168.1.1",
                "169.254.169.254",
                "255.255.255.255",
                "localhost",
                "LOCALHOST.",
                "1.2.3.4.5",
                "256.0.0.1",
                "0x100000000",
            ],
        )
        .to_string(),
        4 => {
            let segments: [u16; 8] = u.arbitrary().unwrap_or_default();
            format!("[{}]", std::net::Ipv6Addr::from(segments))
        }
        5 => pick(
            u,
            &[
                "[::1]",
                "[::]",
                "[::ffff:127.0.0.1]",
                "[::ffff:0.0.0.0]",
                "[0:0:0:0:0:0:0:1]",
                "[fe80::1]",
                "[fe80::1%25eth0]",
                "[fc00::1]",
                "[64:ff9b::7f00:1]",
                "[::1",
                "::1",
                "[]",
                "[1:2:3:4:5:6:7:8:9]",
            ],
        )
        .to_string(),
        _ => odd_string(u),
    }
}

/// A port suffix: none, a port, or an odd spelling of one.
pub fn port_suffix(u: &mut Unstructured<'_>) -> String {
    match u.int_in_range(0..=4u8).unwrap_or(0) {
        0 | 1 => String::new(),
        2 => format!(":{}", u.arbitrary::<u16>().unwrap_or(0)),
        3 => format!(
            ":{}",
            pick(
                u,
                &[
                    "", "0", "080", "00080", "65535", "65536", "-1", "+1", " 1", "1 ", "0x50",
                    "80a"
                ]
            )
        ),
        _ => format!(":{}", odd_string(u)),
    }
}

/// A net rule as a user might write one (or mistype it).
pub fn net_rule(u: &mut Unstructured<'_>) -> String {
    if one_in(u, 8) {
        return odd_string(u);
    }
    let wildcard = if one_in(u, 4) { "*." } else { "" };
    let host = host(u);
    let cidr = if one_in(u, 5) {
        format!(
            "/{}",
            pick(
                u,
                &[
                    "0", "8", "16", "24", "32", "33", "64", "128", "129", "-1", "x", ""
                ]
            )
        )
    } else {
        String::new()
    };
    format!("{wildcard}{host}{cidr}{}", port_suffix(u))
}

/// A number a script might pass where a length, mode, flag or delay goes.
pub fn odd_number(u: &mut Unstructured<'_>) -> f64 {
    match u.int_in_range(0..=3u8).unwrap_or(0) {
        0 => f64::from(u.arbitrary::<i32>().unwrap_or(0)),
        1 => *pick(
            u,
            &[
                0.0,
                -0.0,
                -1.0,
                1.5,
                255.0,
                4095.0,
                65536.0,
                2147483647.0,
                2147483648.0,
                4294967295.0,
                4294967296.0,
                9007199254740991.0,
                9007199254740992.0,
                1e21,
                -1e21,
                f64::MAX,
                f64::MIN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NAN,
            ],
        ),
        2 => f64::from_bits(u.arbitrary().unwrap_or(0)),
        _ => f64::from(u.arbitrary::<u16>().unwrap_or(0)),
    }
}
