//! `jsbox run`'s permission flags: Deno-style `--allow-*`/`--deny-*`,
//! `--allow-all`, and the JSON-lines `--audit-log`.

use crate::support::{jsbox_output, text};

/// A directory with `script.js` (reading `data/note.txt`) and the note.
fn workspace() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join("data")).unwrap();
    std::fs::write(root.join("data/note.txt"), "noted").unwrap();
    let script = root.join("script.js");
    std::fs::write(
        &script,
        format!(
            "const fs = require('fs');\nconsole.log(fs.readFileSync({:?}, 'utf8'));",
            root.join("data/note.txt").display().to_string()
        ),
    )
    .unwrap();
    let data = root.join("data").display().to_string();
    (dir, script.display().to_string(), data)
}

#[test]
fn allow_read_grants_a_directory_and_its_absence_names_the_flag() {
    let (_dir, script, data) = workspace();
    let allowed = jsbox_output(&["run", &format!("--allow-read={data}"), &script], &[]);
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed.stderr));
    assert_eq!(text(&allowed.stdout), "noted\n");

    let denied = jsbox_output(&["run", &script], &[]);
    assert_eq!(denied.status.code(), Some(1));
    let stderr = text(&denied.stderr);
    assert!(
        stderr.contains(&format!(
            "Requires read access to \"{data}/note.txt\", run again with --allow-read={data}/note.txt"
        )),
        "{stderr}"
    );

    let everything_but = jsbox_output(&["run", "-A", &format!("--deny-read={data}"), &script], &[]);
    assert_eq!(everything_but.status.code(), Some(1));
    assert!(text(&everything_but.stderr).contains(&format!("--deny-read={data} forbids")));
}

#[test]
fn allow_env_takes_names_from_the_process_environment() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("env.js");
    std::fs::write(
        &script,
        "console.log(process.env.JSBOX_TEST_SHOWN, Object.keys(process.env).join(','));
         console.log(process.env.JSBOX_TEST_HIDDEN);",
    )
    .unwrap();
    let output = jsbox_output(
        &[
            "run",
            "--allow-env=JSBOX_TEST_*",
            "--deny-env=JSBOX_TEST_HIDDEN",
            script.to_str().unwrap(),
        ],
        &[("JSBOX_TEST_SHOWN", "yes"), ("JSBOX_TEST_HIDDEN", "no")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "yes JSBOX_TEST_SHOWN\nundefined\n");
}

#[test]
fn audit_log_writes_one_json_line_per_decision() {
    let (dir, script, data) = workspace();
    let log = dir.path().join("audit.jsonl");
    let output = jsbox_output(
        &[
            "run",
            "--audit-log",
            log.to_str().unwrap(),
            "--context",
            r#"{"tenantId":"t1","requestId":"r1"}"#,
            &script,
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let lines = std::fs::read_to_string(&log).unwrap();
    let events: Vec<serde_json::Value> = lines
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(events.len(), 1, "{lines}");
    let event = &events[0];
    assert_eq!(event["tenant_id"], "t1");
    assert_eq!(event["request_id"], "r1");
    assert_eq!(event["operation"], "fs.open");
    assert_eq!(event["access"], "read");
    assert_eq!(event["decision"], "denied");
    assert_eq!(event["target"], format!("{data}/note.txt"));
    assert_eq!(event["permission"], format!("--allow-read={data}/note.txt"));
}

#[test]
fn bad_rules_are_usage_errors() {
    let (_dir, script, _) = workspace();
    let output = jsbox_output(&["run", "--allow-net=https://example.com/x", &script], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("invalid net rule 'https://example.com/x'"));
}

#[test]
fn allow_all_reaches_neither_the_cache_nor_the_hosts_own_proc_entries() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script.js");
    // The default cache directory is jsbox's own even in a run that does
    // not use it.
    let key = format!("{}/jsbox/artifact.key", env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(
        &script,
        format!(
            "const fs = require('fs');
             for (const path of ['/proc/self/environ', {key:?}]) {{
               try {{ console.log(fs.readFileSync(path, 'latin1')); }}
               catch (e) {{ console.log(e.code); }}
             }}
             try {{ fs.writeFileSync({key:?}, 'k'.repeat(32)); }} catch (e) {{ console.log(e.code); }}
             console.log(process.env.JSBOX_TEST_SECRET);"
        ),
    )
    .unwrap();
    let output = jsbox_output(
        &[
            "run",
            "-A",
            "--no-cache",
            "--deny-env=JSBOX_TEST_SECRET",
            "--audit-log",
            "-",
            script.to_str().unwrap(),
        ],
        &[("JSBOX_TEST_SECRET", "hunter2")],
    );
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        stdout,
        "ERR_ACCESS_DENIED\nERR_ACCESS_DENIED\nERR_ACCESS_DENIED\nundefined\n"
    );
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("\"permission\":\"none: jsbox's own state\""),
        "{stderr}"
    );
}
