//! Parsers for option values: sizes and request contexts. Durations use
//! `humantime` (`50ms`, `5s`, `1m 30s`).

use std::time::Duration;

use jsbox::{NetProxy, RequestContext};

/// Parses a positive duration such as `50ms` or `5s`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text)
        .map_err(|e| format!("{e}; expected a duration such as 50ms, 5s or 1m"))?;
    if duration.is_zero() {
        return Err("must be greater than zero".to_owned());
    }
    Ok(duration)
}

/// Parses a positive byte size: a number with an optional unit, `K`/`KiB`,
/// `M`/`MiB` or `G`/`GiB` (all powers of 1024), e.g. `128M`, `64MiB`, `4096`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(split);
    let usage = || {
        format!(
            "invalid size '{text}'; expected a number with an optional unit K, M or G, such as 128M"
        )
    };
    let number: u64 = digits.parse().map_err(|_| usage())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(usage()),
    };
    let bytes = number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("size '{text}' is too large"))?;
    if bytes == 0 {
        return Err("must be greater than zero".to_owned());
    }
    Ok(bytes)
}

/// Parses a positive integer fuel budget.
pub fn parse_fuel(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("must be greater than zero".to_owned()),
        Ok(fuel) => Ok(fuel),
        Err(_) => Err(format!(
            "invalid fuel '{text}'; expected a positive integer such as 1000000"
        )),
    }
}

/// Parses `--net-proxy`: an HTTP CONNECT proxy URL.
pub fn parse_net_proxy(text: &str) -> Result<NetProxy, String> {
    NetProxy::parse(text).map_err(|e| e.to_string())
}

/// Parses `--context`: inline JSON, or `@path` to read JSON from a file.
pub fn parse_context(text: &str) -> Result<RequestContext, String> {
    let (json, origin) = match text.strip_prefix('@') {
        Some(path) => (
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read context file {path}: {e}"))?,
            format!("context file {path}"),
        ),
        None => (text.to_owned(), "context JSON".to_owned()),
    };
    serde_json::from_str(&json).map_err(|e| {
        format!(
            "invalid {origin}: {e}; expected an object like \
             {{\"tenantId\": \"t1\", \"requestId\": \"r1\", \"locale\": \"en-US\", \
             \"user\": {{\"id\": \"u1\", \"email\": \"a@b.c\", \"permissions\": [\"read\"]}}}}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_accept_units_and_reject_garbage() {
        assert_eq!(parse_size("128M"), Ok(128 << 20));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("-5M").is_err());
        assert!(parse_size("99999999999999G").is_err());
    }

    #[test]
    fn durations_must_be_positive() {
        assert_eq!(parse_duration("50ms"), Ok(Duration::from_millis(50)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn context_rejects_unknown_fields() {
        let context = parse_context(r#"{"tenantId":"t","user":{"id":"u"}}"#).unwrap();
        assert_eq!(context.tenant_id.as_deref(), Some("t"));
        assert!(
            parse_context(r#"{"tenant":"t"}"#)
                .unwrap_err()
                .contains("unknown field")
        );
    }
}
