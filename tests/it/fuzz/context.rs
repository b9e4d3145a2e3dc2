//! `--context` JSON: arbitrary JSON-ish text (mostly mutated contexts)
//! either parses into a `RequestContext` that the script then sees field
//! for field, or is refused with a clear error; the CLI agrees with the
//! library on which is which.

use std::sync::Arc;

use arbitrary::Unstructured;
use jsbox::{MemorySink, OutcomeKind, RequestContext, RunOptions, Script};
use serde_json::{Value, json};

use super::harness::fuzz;
use super::inputs::{self, count, index, one_in, pick};

/// A value for a context field: mostly a string, sometimes the wrong type.
fn field(u: &mut Unstructured<'_>) -> Value {
    match index(u, 8) {
        0 => Value::Null,
        1 => json!(inputs::odd_number(u).to_string()),
        2 => json!(u.arbitrary::<i64>().unwrap_or(0)),
        3 => json!([inputs::odd_string(u)]),
        _ => json!(inputs::odd_string(u)),
    }
}

/// A context object with some fields set, odd values and, now and then,
/// an unknown field.
fn context_value(u: &mut Unstructured<'_>) -> Value {
    let mut object = serde_json::Map::new();
    for _ in 0..count(u, 6) {
        let key = *pick(
            u,
            &[
                "tenantId",
                "requestId",
                "locale",
                "traceParent",
                "user",
                "user",
                "tenant",
                "TenantId",
                "__proto__",
                "",
            ],
        );
        let value = if key == "user" {
            let mut user = serde_json::Map::new();
            for _ in 0..count(u, 4) {
                let key = *pick(
                    u,
                    &[
                        "id",
                        "id",
                        "email",
                        "permissions",
                        "permissions",
                        "name",
                        "constructor",
                    ],
                );
                let value = if key == "permissions" && !one_in(u, 4) {
                    Value::Array((0..count(u, 4)).map(|_| field(u)).collect())
                } else {
                    field(u)
                };
                user.insert(key.to_owned(), value);
            }
            Value::Object(user)
        } else {
            field(u)
        };
        object.insert(key.to_owned(), value);
    }
    Value::Object(object)
}

/// JSON-ish text: a serialized context, often mutated; or raw text.
fn context_text(u: &mut Unstructured<'_>) -> String {
    if one_in(u, 8) {
        return match index(u, 3) {
            0 => inputs::odd_string(u),
            1 => "[".repeat(count(u, 100_000)),
            _ => format!("{{\"tenantId\":\"{}\"}}", "\\ud800".repeat(1 + count(u, 3))),
        };
    }
    let mut text = if one_in(u, 2) {
        serde_json::to_string_pretty(&context_value(u)).unwrap()
    } else {
        serde_json::to_string(&context_value(u)).unwrap()
    };
    for _ in 0..count(u, 3) {
        if text.is_empty() {
            break;
        }
        let at = text
            .char_indices()
            .map(|(i, _)| i)
            .nth(index(u, text.chars().count()))
            .unwrap_or(0);
        match index(u, 4) {
            0 => text.truncate(at),
            1 => text.insert_str(
                at,
                pick::<&str>(
                    u,
                    &[
                        "\"", "\\", "{", "}", "[", ",", ":", "\\u0000", "1e999", "-", "\u{feff}",
                        " ",
                    ],
                ),
            ),
            2 => {
                let removed = text[at..].chars().next().map_or(0, char::len_utf8);
                text.replace_range(at..at + removed, "");
            }
            _ => text.insert_str(at, &inputs::odd_string(u)),
        }
    }
    text
}

const ECHO: &str = "console.log(JSON.stringify({
  tenantId: context.tenantId ?? null, requestId: context.requestId, locale: context.locale ?? null,
  traceParent: context.traceParent ?? null, user: context.user ?? null,
  frozen: Object.isFrozen(context) && (!context.user || Object.isFrozen(context.user)),
}));";

/// Runs the echo script with `context` and checks the script saw it.
fn script_sees(context: &RequestContext) -> Result<(), String> {
    let logs = Arc::new(MemorySink::new());
    let execution = super::runtime_with_echo().run(
        &Script::new("context.js", ECHO),
        RunOptions::default()
            .with_context(context.clone())
            .with_log_sink(logs.clone()),
    );
    if execution.outcome.kind() != OutcomeKind::Ok {
        return Err(format!(
            "a run with context {context:?} ended {}",
            execution.outcome
        ));
    }
    let seen: Value = serde_json::from_str(&logs.messages().join("\n"))
        .map_err(|e| format!("context {context:?} echoed as unreadable JSON: {e}"))?;
    let expected_user = context.user.as_ref().map_or(
        Value::Null,
        |user| json!({ "id": user.id, "email": user.email, "permissions": user.permissions }),
    );
    let mismatch = seen["tenantId"] != json!(context.tenant_id)
        || seen["locale"] != json!(context.locale)
        || seen["traceParent"] != json!(context.trace_parent)
        || (!context.request_id.is_empty() && seen["requestId"] != json!(context.request_id))
        || seen["requestId"].as_str().is_none_or(str::is_empty)
        || strip_nulls(&seen["user"]) != strip_nulls(&expected_user)
        || seen["frozen"] != json!(true);
    if mismatch {
        return Err(format!(
            "context {context:?} was seen by the script as {seen}"
        ));
    }
    Ok(())
}

/// `value` without null-valued object members (an absent `email` may read
/// as undefined or null).
fn strip_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn context_json_parses_or_is_refused_and_reaches_the_script_intact() {
    let mut ran = 0;
    fuzz("context_json", 600, 1024, |u| {
        let text = context_text(u);
        let Ok(context) = serde_json::from_str::<RequestContext>(&text) else {
            return Ok(());
        };
        // A sandbox run per parsed context, not per text: most texts fail.
        ran += 1;
        if ran % 4 == 0 || one_in(u, 8) {
            script_sees(&context)?;
        }
        Ok(())
    });
}

/// The CLI parses `--context` like the library does: what the library
/// refuses exits 2 naming the context, what it accepts runs.
#[test]
fn the_cli_accepts_exactly_the_contexts_the_library_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("echo.js");
    std::fs::write(
        &script,
        "console.log(JSON.stringify(context.tenantId ?? null))",
    )
    .unwrap();
    fuzz("context_cli", 6, 512, |u| {
        let text = context_text(u);
        if text.contains('\0') || text.starts_with('@') || text.starts_with('-') {
            return Ok(());
        }
        let output = crate::support::jsbox()
            .arg("run")
            .arg(format!("--context={text}"))
            .arg(&script)
            .output()
            .map_err(|e| format!("jsbox did not start: {e}"))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("panicked") {
            return Err(format!("jsbox run --context {text:?} panicked: {stderr}"));
        }
        match serde_json::from_str::<RequestContext>(&text) {
            Ok(context) => {
                let expected = json!(context.tenant_id);
                let stdout = String::from_utf8_lossy(&output.stdout);
                let printed = serde_json::from_str::<Value>(stdout.trim()).ok();
                if !output.status.success() || printed.as_ref() != Some(&expected) {
                    return Err(format!(
                        "jsbox run --context {text:?} ({}): printed {stdout:?}, expected {expected}; {stderr}",
                        output.status
                    ));
                }
            }
            Err(_) => {
                if output.status.code() != Some(2) || !stderr.contains("context JSON") {
                    return Err(format!(
                        "jsbox run --context {text:?} was not refused as a usage error ({}): {stderr}",
                        output.status
                    ));
                }
            }
        }
        Ok(())
    });
}
