//! Grant and address parsing: arbitrary rules of every kind never panic
//! the builder, a net rule's normal form parses back to itself, and a deny
//! rule wins over an allow rule for the same target, whatever spelling
//! either uses (observed in a real run, through the audit sink).

use std::path::Path;
use std::sync::Arc;

use arbitrary::Unstructured;
use jsbox::{Access, Decision, Grants, GrantsBuilder, HostPattern, MemoryAuditSink, MemorySink};
use jsbox::{Limits, RunOptions, Script};

use super::harness::fuzz;
use super::inputs::{self, count, index, one_in, pick};

/// Adds one arbitrary rule of an arbitrary kind to `builder`.
fn add_rule(u: &mut Unstructured<'_>, builder: GrantsBuilder) -> GrantsBuilder {
    let rule = match index(u, 3) {
        0 => inputs::net_rule(u),
        1 => inputs::odd_string(u),
        _ => format!("/{}", inputs::odd_string(u)),
    };
    match index(u, 15) {
        0 => builder.allow_read([rule]),
        1 => builder.deny_read([rule]),
        2 => builder.allow_write([rule]),
        3 => builder.deny_write([rule]),
        4 => builder.allow_net([rule]),
        5 => builder.deny_net([rule]),
        6 => builder.allow_env([rule]),
        7 => builder.deny_env([rule]),
        8 => builder.allow_host_module([rule]),
        9 => builder.deny_host_module([rule]),
        10 => builder.allow_net_all(),
        11 => builder.deny_env_all(),
        12 => builder.allow_read_all(),
        13 => builder.deny_write_all(),
        _ => builder.allow_host_module_all(),
    }
}

#[test]
fn grant_rules_parse_without_panics_and_normalise_idempotently() {
    fuzz("grant_rules", 3000, 512, |u| {
        let mut builder = Grants::builder();
        for _ in 0..count(u, 6) {
            builder = add_rule(u, builder);
        }
        if let Err(error) = builder.build()
            && error.to_string().trim().is_empty()
        {
            return Err("a refused rule set gave an empty error".into());
        }
        let rule = inputs::net_rule(u);
        let Ok(pattern) = HostPattern::parse(&rule) else {
            return Ok(());
        };
        let normal = pattern.to_string();
        let again = HostPattern::parse(&normal).map_err(|e| {
            format!("net rule {rule:?} normalises to {normal:?}, which does not parse: {e}")
        })?;
        if again.to_string() != normal {
            return Err(format!(
                "net rule {rule:?} normalises to {normal:?}, then to {:?}",
                again.to_string()
            ));
        }
        Grants::builder()
            .allow_net([normal.clone()])
            .deny_net([rule.clone()])
            .build()
            .map_err(|e| format!("net rule {rule:?} parses, but not in a grant: {e}"))?;
        Ok(())
    });
}

/// A spelling of a rule that covers `host` (as the URL parser normalises
/// it) on `port`, or `None` for "everything".
fn covering_net_rule(
    u: &mut Unstructured<'_>,
    spelled: &str,
    host: &str,
    port: u16,
) -> Option<String> {
    let bracketed = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let mut options = vec![
        spelled.to_owned(),
        bracketed.clone(),
        format!("{bracketed}:{port}"),
        format!("{}:{port}", bracketed.to_uppercase()),
    ];
    if let Some((_, parent)) = host.split_once('.')
        && host.parse::<std::net::IpAddr>().is_err()
        && !parent.is_empty()
    {
        options.push(format!("*.{parent}"));
    }
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        // CIDR spellings: refused by a parser without ranges, in which case
        // the case is skipped.
        let len = if ip.is_ipv4() {
            u.int_in_range(0..=32u8)
        } else {
            u.int_in_range(0..=128u8)
        };
        let len = len.unwrap_or(0);
        options.push(format!("{ip}/{len}"));
        options.push(format!("{ip}/{}", if ip.is_ipv4() { 32 } else { 128 }));
    }
    if one_in(u, 8) {
        return None;
    }
    Some(pick(u, &options).clone())
}

/// A directory tree with a denied subtree inside an allowed one, and a
/// link into the denied subtree from the allowed part.
struct Tree {
    _dir: tempfile::TempDir,
    allowed: String,
    denied: String,
}

fn tree() -> Tree {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");
    let allowed = root.join("allowed");
    let denied = allowed.join("denied");
    std::fs::create_dir_all(&denied).unwrap();
    std::fs::write(denied.join("secret.txt"), "TOPSECRET").unwrap();
    std::fs::write(allowed.join("open.txt"), "open").unwrap();
    std::os::unix::fs::symlink(&denied, allowed.join("link")).unwrap();
    Tree {
        _dir: dir,
        allowed: allowed.display().to_string(),
        denied: denied.display().to_string(),
    }
}

/// Odd spellings of the directory `dir`.
fn spell_dir(u: &mut Unstructured<'_>, dir: &str) -> String {
    let name = Path::new(dir).file_name().unwrap().to_str().unwrap();
    match index(u, 5) {
        0 => dir.to_owned(),
        1 => format!("{dir}/"),
        2 => format!("{dir}/."),
        3 => format!("{dir}/../{name}"),
        _ => dir.replacen('/', "//", 1),
    }
}

const PROBE: &str = r#"
import fs from 'node:fs';
const out = [];
try { out.push('env:' + typeof process.env[ENV]); } catch (e) { out.push('env threw ' + e.name); }
if (URL_TEXT !== null) {
  try { const r = await fetch(URL_TEXT); out.push('net: status ' + r.status); }
  catch (e) { out.push('net threw ' + e.name); }
}
for (const path of PATHS) {
  try { out.push('read: ' + fs.readFileSync(path, 'utf8')); }
  catch (e) { out.push('read threw ' + (e.code ?? e.name)); }
}
console.log(JSON.stringify(out));
"#;

#[test]
fn deny_rules_win_over_allow_rules_for_the_same_target() {
    fuzz("grant_deny_wins", 40, 256, |u| {
        let tree = tree();
        let mut builder = Grants::builder();

        // An env variable allowed and denied by a name or a prefix.
        let mut env: String = inputs::odd_string(u).replace(['=', '\0', '*'], "");
        if env.is_empty() {
            env.push('V');
        }
        let prefix = |u: &mut Unstructured<'_>| {
            let cut = env
                .char_indices()
                .map(|(i, _)| i)
                .nth(count(u, 4))
                .unwrap_or(0);
            format!("{}*", &env[..cut])
        };
        builder = match index(u, 3) {
            0 => builder.allow_env_all(),
            1 => builder.allow_env([env.clone()]),
            _ => builder.allow_env([prefix(u)]),
        };
        builder = if one_in(u, 2) {
            builder.deny_env([env.clone()])
        } else {
            builder.deny_env([prefix(u)])
        };

        // A URL, allowed and denied by rules that cover its host and port.
        let spelled = inputs::host(u);
        let port = u.arbitrary::<u16>().unwrap_or(1).max(1);
        let url_text = format!("http://{spelled}:{port}/");
        let parsed = url::Url::parse(&url_text).ok();
        let mut net = None;
        if let Some(url) = &parsed
            && let Some(host) = url.host_str()
        {
            let host = host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned();
            let port = url.port_or_known_default().unwrap_or(80);
            let allow = covering_net_rule(u, &spelled, &host, port);
            let deny = covering_net_rule(u, &spelled, &host, port).unwrap_or_else(|| host.clone());
            let probe = match &allow {
                Some(rule) => Grants::builder().allow_net([rule.clone()]),
                None => Grants::builder().allow_net_all(),
            };
            // Skip spellings the parser refuses (a `/prefix` too short for
            // the address class, say).
            if probe.deny_net([deny.clone()]).build().is_ok() {
                builder = match allow {
                    Some(rule) => builder.allow_net([rule]),
                    None => builder.allow_net_all(),
                };
                builder = builder.deny_net([deny.clone()]);
                net = Some((url_text.clone(), deny));
            }
        }

        // A file in a denied directory inside an allowed one.
        builder = if one_in(u, 4) {
            builder.allow_read_all()
        } else {
            builder.allow_read([spell_dir(u, &tree.allowed)])
        };
        builder = if one_in(u, 3) {
            builder.deny_read([format!("{}/secret.txt", tree.denied)])
        } else {
            builder.deny_read([spell_dir(u, &tree.denied)])
        };
        let grants = builder
            .build()
            .map_err(|e| format!("rules that all parse alone: {e}"))?;
        let paths = [
            format!("{}/secret.txt", tree.denied),
            format!("{}/./denied//secret.txt", tree.allowed),
            format!("{}/denied/../denied/secret.txt", tree.allowed),
            format!("{}/link/secret.txt", tree.allowed),
            format!("{}/../allowed/denied/secret.txt", tree.allowed),
        ];

        let source = PROBE
            .replace("ENV", &serde_json::to_string(&env).unwrap())
            .replace(
                "URL_TEXT",
                &serde_json::to_string(&net.as_ref().map(|(url, _)| url)).unwrap(),
            )
            .replace("PATHS", &serde_json::to_string(&paths).unwrap());
        let audit = Arc::new(MemoryAuditSink::new());
        let logs = Arc::new(MemorySink::new());
        let execution = super::runtime_with_echo().run(
            &Script::module("probe.mjs", source),
            RunOptions::default()
                .with_grants(grants)
                .with_limits(Limits::default().with_timeout(std::time::Duration::from_secs(20)))
                .with_audit_sink(audit.clone())
                .with_log_sink(logs.clone()),
        );
        let output = logs.messages().join("\n");
        let context = || {
            format!(
                "env {env:?}, net {net:?}; logged {output}; outcome {}",
                execution.outcome
            )
        };
        if execution.outcome.kind() != jsbox::OutcomeKind::Ok {
            return Err(format!("the probe did not complete: {}", context()));
        }
        if output.contains("TOPSECRET") {
            return Err(format!("a denied file was read: {}", context()));
        }
        for event in audit.events() {
            if event.decision != Decision::Allowed {
                continue;
            }
            let leaked = match event.access {
                Access::Env => event.target == env,
                Access::Net => net.is_some(),
                Access::Read => event.target.starts_with(&tree.denied),
                _ => false,
            };
            if leaked {
                return Err(format!(
                    "{} {:?} was allowed by {} despite a deny rule: {}",
                    event.operation,
                    event.target,
                    event.permission,
                    context()
                ));
            }
        }
        Ok(())
    });
}
