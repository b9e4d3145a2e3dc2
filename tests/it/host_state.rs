//! jsbox's own state is out of every script's reach, whatever its grants:
//! the compiled-code cache and its key (refused and audited; an artifact
//! that fails its MAC is recompiled, never loaded) and the host process's
//! own `/proc` entries.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use jsbox::{ComponentSource, Decision, Grants, Outcome, OutcomeKind, RunOptions, Runtime, Script};

use crate::support::{Ran, run_audited_on, runtime_builder};

/// The length of an artifact's header: magic, key, hash or MAC, length.
const HEADER_LEN: usize = 8 + 32 + 32 + 8;

/// A runtime on its own `cache`. Without the snapshot: the cache treats
/// both kinds of artifact alike, and each of these tests compiles the guest
/// several times, which costs half as much without the snapshot's
/// instrumented compile.
fn build(cache: &Path) -> Runtime {
    Runtime::builder()
        .cache_dir(cache)
        .snapshot(false)
        .build()
        .expect("runtime builds")
}

/// The one compiled artifact in `cache`.
fn artifact(cache: &Path) -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir(cache)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "cwasm"))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found.pop().unwrap()
}

fn key_file(cache: &Path) -> PathBuf {
    cache.join("artifact.key")
}

fn works(runtime: &Runtime) {
    let run = runtime.run(&Script::new("a.js", "6 * 7"), RunOptions::default());
    assert_eq!(
        run.outcome,
        Outcome::Ok {
            value_json: Some("42".into())
        }
    );
}

/// Runs the module `source` with `grants`, auditing.
fn run(runtime: &Runtime, grants: Grants, source: &str) -> Ran {
    let ran = run_audited_on(
        runtime,
        &Script::module("probe.mjs", source),
        RunOptions::default().with_grants(grants),
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    ran
}

/// Tries each `[name, () => ...]` and logs `name done` or
/// `name <code> <whether the message names jsbox's own state>`.
const ATTEMPT: &str = "
import fs from 'node:fs';
function attempt(tries) {
  for (const [name, action] of tries) {
    try { action(); console.log(name, 'done'); }
    catch (e) { console.log(name, e.code, e.message.includes(\"jsbox's own state\")); }
  }
}
";

#[test]
fn scripts_cannot_read_or_change_the_cache_or_its_key_whatever_the_grants() {
    let base = tempfile::tempdir().unwrap();
    let base = base.path().canonicalize().unwrap();
    let cache = base.join("cache");
    let runtime = build(&cache);
    let cwasm = artifact(&cache);
    let key = key_file(&cache);
    let before = (std::fs::read(&cwasm).unwrap(), std::fs::read(&key).unwrap());
    let dir = base.to_str().unwrap();
    let grants = Grants::builder()
        .allow_read([dir])
        .allow_write([dir])
        .build()
        .unwrap();
    let source = format!(
        "{ATTEMPT}
         const BASE = {base:?}, CACHE = {cache:?}, ART = {cwasm:?}, KEY = {key:?};
         attempt([
           ['read artifact', () => fs.readFileSync(ART)],
           ['write artifact', () => fs.writeFileSync(ART, 'forged')],
           ['read key', () => fs.readFileSync(KEY)],
           ['write key', () => fs.writeFileSync(KEY, 'k'.repeat(32))],
           ['list', () => fs.readdirSync(CACHE)],
           ['plant', () => fs.writeFileSync(CACHE + '/other.cwasm', 'x')],
           ['dot-dot', () => fs.readFileSync(BASE + '/x/../cache/artifact.key')],
           ['rename cache', () => fs.renameSync(CACHE, BASE + '/moved')],
           ['remove cache', () => fs.rmSync(CACHE, {{ recursive: true }})],
           ['remove parent', () => fs.rmSync(BASE, {{ recursive: true }})],
         ]);
         fs.writeFileSync(BASE + '/note.txt', 'mine');
         console.log(fs.readFileSync(BASE + '/note.txt', 'utf8'));",
        base = base.display().to_string(),
        cache = cache.display().to_string(),
        cwasm = cwasm.display().to_string(),
        key = key.display().to_string(),
    );
    let ran = run(&runtime, grants, &source);
    assert_eq!(
        ran.logs,
        [
            "read artifact ERR_ACCESS_DENIED true",
            "write artifact ERR_ACCESS_DENIED true",
            "read key ERR_ACCESS_DENIED true",
            "write key ERR_ACCESS_DENIED true",
            "list ERR_ACCESS_DENIED true",
            "plant ERR_ACCESS_DENIED true",
            "dot-dot ERR_ACCESS_DENIED true",
            "rename cache ERR_ACCESS_DENIED true",
            "remove cache ERR_ACCESS_DENIED true",
            "remove parent ERR_ACCESS_DENIED true",
            "mine",
        ]
    );
    let denied: Vec<_> = ran
        .audit
        .events()
        .into_iter()
        .filter(|event| event.decision == Decision::Denied)
        .collect();
    assert_eq!(denied.len(), 10, "{denied:#?}");
    assert!(
        denied
            .iter()
            .all(|event| event.permission == "none: jsbox's own state"),
        "{denied:#?}"
    );
    assert_eq!(denied[2].target, key.display().to_string());
    assert_eq!(
        (std::fs::read(&cwasm).unwrap(), std::fs::read(&key).unwrap()),
        before,
        "the cache is untouched"
    );
    assert!(matches!(
        build(&cache).component_source(),
        ComponentSource::Cached(_)
    ));
}

/// `payload` behind a header of `magic`, the artifact key of `genuine`, and
/// the payload's unkeyed blake3 hash: what anyone who can write the file
/// can make.
fn unkeyed(genuine: &[u8], magic: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut forged = magic.to_vec();
    forged.extend_from_slice(&genuine[8..40]);
    forged.extend_from_slice(blake3::hash(payload).as_bytes());
    forged.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    forged.extend_from_slice(payload);
    forged
}

#[test]
fn forged_artifacts_are_recompiled_and_never_loaded() {
    let cache = tempfile::tempdir().unwrap();
    let cache = cache.path();
    drop(build(cache));
    let path = artifact(cache);
    let genuine = std::fs::read(&path).unwrap();
    let (header, payload) = genuine.split_at(HEADER_LEN);
    let magic = &header[..8];
    // The same artifact, authenticated by another installation's key.
    let elsewhere = tempfile::tempdir().unwrap();
    drop(build(elsewhere.path()));
    let foreign = std::fs::read(artifact(elsewhere.path())).unwrap();
    let forgeries = [
        (
            "the previous format's header on real code",
            unkeyed(&genuine, b"JSBOXCC1", payload),
        ),
        (
            "real code with an unkeyed hash",
            unkeyed(&genuine, magic, payload),
        ),
        (
            "garbage with an unkeyed hash",
            unkeyed(&genuine, magic, &b"\x7fELF machine code".repeat(1000)),
        ),
        ("another installation's artifact", foreign),
    ];
    for (what, forged) in forgeries {
        std::fs::write(&path, &forged).unwrap();
        let runtime = build(cache);
        let ComponentSource::Compiled { reason, save_error } = runtime.component_source() else {
            panic!("{what}: loaded: {:?}", runtime.component_source());
        };
        assert!(
            reason.contains("forged") || reason.contains("bad magic"),
            "{what}: {reason}"
        );
        assert!(reason.contains(&path.display().to_string()), "{reason}");
        assert_eq!(save_error, &None, "{what}");
        works(&runtime);
        assert_ne!(std::fs::read(&path).unwrap(), forged, "{what}: overwritten");
        let next = build(cache);
        assert!(
            matches!(next.component_source(), ComponentSource::Cached(_)),
            "{what}: the rewritten artifact loads"
        );
        works(&next);
    }
}

/// The reason the cache was off for a runtime built on `cache`, which must
/// not have loaded or replaced the artifact there.
fn refused_key(cache: &Path) -> String {
    let cwasm = artifact(cache);
    let before = std::fs::read(&cwasm).unwrap();
    let runtime = build(cache);
    let ComponentSource::Compiled {
        reason,
        save_error: Some(save_error),
    } = runtime.component_source()
    else {
        panic!("cache used: {:?}", runtime.component_source());
    };
    assert!(save_error.contains(reason.trim_start_matches("the cache is off: ")));
    works(&runtime);
    assert_eq!(std::fs::read(&cwasm).unwrap(), before, "not saved");
    reason.clone()
}

#[test]
fn the_cache_key_is_private_and_a_doubtful_one_turns_the_cache_off() {
    let cache = tempfile::tempdir().unwrap();
    let cache = cache.path();
    drop(build(cache));
    let key = key_file(cache);
    let meta = std::fs::symlink_metadata(&key).unwrap();
    assert!(meta.is_file());
    assert_eq!(meta.mode() & 0o7777, 0o600);
    assert_eq!(meta.len(), 32);
    let set_mode = |mode| {
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
    };

    set_mode(0o644);
    let reason = refused_key(cache);
    assert!(reason.contains("mode 0644"), "{reason}");
    set_mode(0o600);
    assert!(matches!(
        build(cache).component_source(),
        ComponentSource::Cached(_)
    ));

    let secret = std::fs::read(&key).unwrap();
    std::fs::write(&key, &secret[..31]).unwrap();
    let reason = refused_key(cache);
    assert!(reason.contains("31 bytes"), "{reason}");

    let elsewhere = cache.join("elsewhere.key");
    std::fs::write(&elsewhere, &secret).unwrap();
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::remove_file(&key).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &key).unwrap();
    let reason = refused_key(cache);
    assert!(reason.contains("not a regular file"), "{reason}");
    std::fs::remove_file(&key).unwrap();
    std::fs::rename(&elsewhere, &key).unwrap();

    // Only root can give the key away, to see that a key of another user
    // is refused.
    if std::os::unix::fs::chown(&key, Some(65534), None).is_ok() {
        let reason = refused_key(cache);
        assert!(reason.contains("belongs to user 65534"), "{reason}");
        std::os::unix::fs::chown(&key, Some(meta.uid()), None).unwrap();
    }
    assert!(matches!(
        build(cache).component_source(),
        ComponentSource::Cached(_)
    ));

    // A lost key is made anew, and artifacts of the old one are not loaded.
    std::fs::remove_file(&key).unwrap();
    let runtime = build(cache);
    let ComponentSource::Compiled { reason, .. } = runtime.component_source() else {
        panic!("loaded with a new key: {:?}", runtime.component_source());
    };
    assert!(reason.contains("forged"), "{reason}");
    assert_ne!(std::fs::read(&key).unwrap(), secret);
    assert!(matches!(
        build(cache).component_source(),
        ComponentSource::Cached(_)
    ));
}

/// This thread's id, as `/proc/thread-self` names it (`<pid>/task/<tid>`).
fn thread_id() -> String {
    let link = std::fs::read_link("/proc/thread-self").unwrap();
    link.file_name().unwrap().to_str().unwrap().to_owned()
}

#[test]
fn the_host_process_own_proc_entries_are_refused_even_with_everything_allowed() {
    let runtime = runtime_builder().build().expect("runtime builds");
    let pid = std::process::id();
    // The run runs on this thread.
    let tid = thread_id();
    let source = format!(
        "{ATTEMPT}
         attempt([
           ['self environ', () => fs.readFileSync('/proc/self/environ')],
           ['pid environ', () => fs.readFileSync('/proc/{pid}/environ')],
           ['tid environ', () => fs.readFileSync('/proc/{tid}/environ')],
           ['thread-self environ', () => fs.readFileSync('/proc/thread-self/environ')],
           ['self mem', () => fs.readFileSync('/proc/self/mem')],
           ['self maps', () => fs.readFileSync('/proc/self/maps')],
           ['self fds', () => fs.readdirSync('/proc/self/fd')],
           ['dev fd', () => fs.readdirSync('/dev/fd')],
           ['self link', () => fs.lstatSync('/proc/self')],
           ['write comm', () => fs.writeFileSync('/proc/self/comm', 'pwned')],
         ]);
         console.log(fs.readFileSync('/proc/cpuinfo', 'utf8').length > 0);
         console.log(fs.readFileSync('/proc/version', 'utf8').startsWith('Linux'));"
    );
    let ran = run(&runtime, Grants::all(), &source);
    assert_eq!(
        ran.logs,
        [
            "self environ ERR_ACCESS_DENIED true",
            "pid environ ERR_ACCESS_DENIED true",
            "tid environ ERR_ACCESS_DENIED true",
            "thread-self environ ERR_ACCESS_DENIED true",
            "self mem ERR_ACCESS_DENIED true",
            "self maps ERR_ACCESS_DENIED true",
            "self fds ERR_ACCESS_DENIED true",
            "dev fd ERR_ACCESS_DENIED true",
            "self link ERR_ACCESS_DENIED true",
            "write comm ERR_ACCESS_DENIED true",
            "true",
            "true",
        ]
    );
    let denied: Vec<_> = ran
        .audit
        .events()
        .into_iter()
        .filter(|event| event.decision == Decision::Denied)
        .map(|event| event.target)
        .collect();
    assert_eq!(denied.len(), 10, "{denied:?}");
    assert_eq!(denied[0], format!("/proc/{pid}/environ"));
    let read_all = Grants::builder().allow_read_all().build().unwrap();
    let ran = run(
        &runtime,
        read_all,
        &format!("{ATTEMPT} attempt([['environ', () => fs.readFileSync('/proc/self/environ')]]);"),
    );
    assert_eq!(ran.logs, ["environ ERR_ACCESS_DENIED true"]);
}

/// Runtimes starting together on a cold cache compile the guest once: the
/// others wait for the artifact instead of compiling it too.
#[test]
fn runtimes_starting_together_compile_once() {
    let cache = tempfile::tempdir().unwrap();
    let start = std::sync::Barrier::new(3);
    let sources: Vec<ComponentSource> = std::thread::scope(|scope| {
        let builders: Vec<_> = (0..3)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    let runtime = build(cache.path());
                    works(&runtime);
                    runtime.component_source().clone()
                })
            })
            .collect();
        builders.into_iter().map(|b| b.join().unwrap()).collect()
    });
    let compiled = sources
        .iter()
        .filter(|source| matches!(source, ComponentSource::Compiled { .. }))
        .count();
    assert_eq!(compiled, 1, "{sources:?}");
    artifact(cache.path());
    let leftovers: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name.to_string_lossy().ends_with(".lock"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
