//! What a request says about itself, read from its headers for the run's
//! context and the log line: its id (`x-request-id`), its W3C trace parent
//! and its locale. Each is kept only when well-formed, since the script
//! and the logs see it.

use hyper::header::{HeaderMap, HeaderName};

/// The header that carries a request's id, in and out.
pub(super) const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The incoming `x-request-id` when it is 1 to 128 characters of
/// `A-Z a-z 0-9 . _ : -`, else a fresh UUID v4.
pub(super) fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// The W3C `traceparent` header, when it is well-formed (version 00 layout,
/// lowercase hex, trace and parent ids not all zeros, version not `ff`).
pub(super) fn trace_parent(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("traceparent")?.to_str().ok()?;
    let fields: Vec<&str> = value.split('-').collect();
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let nonzero = |s: &str| s.bytes().any(|b| b != b'0');
    match fields.as_slice() {
        [version, trace, parent, flags]
            if hex(version, 2)
                && *version != "ff"
                && hex(trace, 32)
                && nonzero(trace)
                && hex(parent, 16)
                && nonzero(parent)
                && hex(flags, 2) =>
        {
            Some(value.to_owned())
        }
        _ => None,
    }
}

/// The first language of `accept-language`, if it is a plausible BCP 47 tag.
pub(super) fn locale(headers: &[(String, String)]) -> Option<String> {
    let value = headers
        .iter()
        .find(|(name, _)| name == "accept-language")
        .map(|(_, value)| value)?;
    let tag = value.split(',').next()?.split(';').next()?.trim();
    let plausible = (1..=35).contains(&tag.len())
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && tag.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
    plausible.then(|| tag.to_owned())
}

#[cfg(test)]
mod tests {
    use hyper::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn request_ids_are_kept_only_when_safe() {
        assert_eq!(
            request_id(&headers(&[("x-request-id", "abc-123:x")])),
            "abc-123:x"
        );
        let generated = request_id(&headers(&[("x-request-id", "no spaces")]));
        assert!(uuid::Uuid::parse_str(&generated).is_ok());
        assert!(uuid::Uuid::parse_str(&request_id(&HeaderMap::new())).is_ok());
    }

    #[test]
    fn traceparent_must_be_well_formed() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(
            trace_parent(&headers(&[("traceparent", good)])).as_deref(),
            Some(good)
        );
        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        ] {
            assert_eq!(
                trace_parent(&headers(&[("traceparent", bad)])),
                None,
                "{bad}"
            );
        }
    }

    #[test]
    fn locale_is_the_first_language() {
        let of = |v: &str| locale(&[("accept-language".to_owned(), v.to_owned())]);
        assert_eq!(of("de-CH, de;q=0.9, en;q=0.8").as_deref(), Some("de-CH"));
        assert_eq!(of("fr;q=0.5").as_deref(), Some("fr"));
        assert_eq!(of("*"), None);
        assert_eq!(of("<script>"), None);
    }
}
