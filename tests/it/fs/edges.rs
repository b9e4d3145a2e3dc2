//! The edges of the file grants, tried as a hostile script would: moving
//! files out of places it may not read, moving or removing a directory a
//! deny rule protects part of, opening FIFOs, devices and sockets, creating
//! setuid files, and racing a symbolic link swap between the check and the
//! open. Real files, a real FIFO and socket, a real racing thread.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use jsbox::{Decision, Grants, Limits, MemoryAuditSink, OutcomeKind, RunOptions, Script};
use tempfile::TempDir;

use crate::support::{Ran, run_audited};

/// Runs `source` as a module with `DIR` defined as `dir`, under a 60 s
/// deadline.
fn run(dir: &Path, grants: Grants, source: &str) -> Ran {
    let source = format!("const DIR = {:?};\n{source}", dir.display().to_string());
    run_audited(
        &Script::module("edges.mjs", source),
        RunOptions::default()
            .with_grants(grants)
            .with_limits(Limits::DEFAULT.with_timeout(Duration::from_secs(60))),
    )
}

/// A canonical temporary directory.
fn temp() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    (dir, root)
}

fn text(path: PathBuf) -> String {
    path.to_str().unwrap().to_owned()
}

fn denied_count(audit: &MemoryAuditSink) -> usize {
    audit
        .events()
        .iter()
        .filter(|e| e.decision == Decision::Denied)
        .count()
}

/// Logs `code message` of what `f` throws, or `ok`.
const SHOW: &str = "const show = (f) => {
  try { f(); console.log('ok'); } catch (e) { console.log(e.code, e.message); }
};\n";

#[test]
fn rename_needs_read_access_to_its_source() {
    let (_dir, root) = temp();
    let secret = root.join("rw/secret");
    std::fs::create_dir_all(&secret).unwrap();
    std::fs::write(secret.join("key.txt"), "k").unwrap();
    std::fs::create_dir_all(root.join("write-only")).unwrap();
    std::fs::write(root.join("write-only/drop.txt"), "w").unwrap();
    let grants = Grants::builder()
        .allow_read([text(root.join("rw"))])
        .allow_write([text(root.join("rw")), text(root.join("write-only"))])
        .deny_read([text(secret.clone())])
        .build()
        .unwrap();
    let ran = run(
        &root,
        grants,
        &format!(
            "import fs from 'node:fs';
             {SHOW}
             show(() => fs.renameSync(DIR + '/rw/secret/key.txt', DIR + '/rw/key.txt'));
             show(() => fs.renameSync(DIR + '/rw/secret', DIR + '/rw/open'));
             show(() => fs.renameSync(DIR + '/write-only/drop.txt', DIR + '/rw/drop.txt'));
             fs.writeFileSync(DIR + '/rw/mine.txt', 'm');
             show(() => fs.renameSync(DIR + '/rw/mine.txt', DIR + '/rw/moved.txt'));"
        ),
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    let drop = text(root.join("write-only/drop.txt"));
    assert_eq!(
        ran.logs,
        [
            format!(
                "ERR_ACCESS_DENIED Requires read access to \"{}\", which --deny-read={} forbids",
                secret.join("key.txt").display(),
                secret.display()
            ),
            format!(
                "ERR_ACCESS_DENIED Requires read access to \"{}\", which --deny-read={} forbids",
                secret.display(),
                secret.display()
            ),
            format!(
                "ERR_ACCESS_DENIED Requires read access to \"{drop}\", run again with \
                 --allow-read={drop}"
            ),
            "ok".to_owned(),
        ]
    );
    assert_eq!(
        std::fs::read_to_string(secret.join("key.txt")).unwrap(),
        "k"
    );
    assert!(!root.join("rw/key.txt").exists() && !root.join("rw/open").exists());
    assert!(root.join("write-only/drop.txt").exists() && !root.join("rw/drop.txt").exists());
    assert_eq!(denied_count(&ran.audit), 3);
}

#[test]
fn a_deny_rule_keeps_its_subtree_from_renames_and_removals_above_it() {
    let (_dir, root) = temp();
    let keep = root.join("a/keep");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::write(keep.join("file.txt"), "kept").unwrap();
    std::fs::create_dir_all(root.join("d/secret")).unwrap();
    std::fs::write(root.join("d/secret/key.txt"), "k").unwrap();
    std::fs::create_dir_all(root.join("x/keep")).unwrap();
    std::fs::write(root.join("x/keep/planted.txt"), "planted").unwrap();
    let grants = Grants::builder()
        .allow_read([text(root.clone())])
        .allow_write([text(root.clone())])
        .deny_write([text(keep.clone()), text(root.join("new/keep"))])
        .deny_read([text(root.join("d/secret"))])
        .build()
        .unwrap();
    let ran = run(
        &root,
        grants,
        &format!(
            "import fs from 'node:fs';
             {SHOW}
             show(() => fs.renameSync(DIR + '/a', DIR + '/b'));
             show(() => fs.rmSync(DIR + '/a', {{ recursive: true }}));
             show(() => fs.rmSync(DIR + '/a', {{ recursive: true, force: true }}));
             show(() => fs.renameSync(DIR + '/d', DIR + '/e'));
             show(() => fs.renameSync(DIR + '/x', DIR + '/new'));
             fs.writeFileSync(DIR + '/a/beside.txt', 'b');
             show(() => fs.rmSync(DIR + '/a/beside.txt'));
             show(() => fs.rmSync(DIR + '/x', {{ recursive: true }}));"
        ),
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    let refused = |path: &str, rule: &str| {
        format!(
            "ERR_ACCESS_DENIED Requires {} access to \"{}\" and all it contains, but \
             --deny-{rule} forbids a part of it; act on the paths beside the denied one instead",
            rule.split('=').next().unwrap(),
            root.join(path).display(),
        )
    };
    assert_eq!(
        ran.logs,
        [
            refused("a", &format!("write={}", keep.display())),
            refused("a", &format!("write={}", keep.display())),
            refused("a", &format!("write={}", keep.display())),
            refused("d", &format!("read={}", root.join("d/secret").display())),
            refused("new", &format!("write={}", root.join("new/keep").display())),
            "ok".to_owned(),
            "ok".to_owned(),
        ]
    );
    assert_eq!(
        std::fs::read_to_string(keep.join("file.txt")).unwrap(),
        "kept"
    );
    assert!(root.join("d/secret/key.txt").exists() && !root.join("e").exists());
    assert!(!root.join("new").exists() && !root.join("x").exists());
}

/// Once `after` has passed without the run reporting that it finished,
/// opens the FIFO at `path` read-write every 200 ms until it does, so that
/// an `open` blocked on the FIFO (as on a host that opens FIFOs) returns and
/// the test fails instead of hanging.
fn unblock_fifo_after(path: PathBuf, after: Duration) -> mpsc::Sender<()> {
    let (finished, wait) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if wait.recv_timeout(after) != Err(mpsc::RecvTimeoutError::Timeout) {
            return;
        }
        while wait.recv_timeout(Duration::from_millis(200)) == Err(mpsc::RecvTimeoutError::Timeout)
        {
            // O_RDWR on a FIFO never blocks on Linux, and is both a reader
            // and a writer for whoever waits.
            let _ = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path);
        }
    });
    finished
}

#[test]
fn fifos_devices_and_sockets_are_refused_without_blocking() {
    let (_dir, root) = temp();
    let fifo = root.join("fifo");
    let name = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: `name` is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
    let _socket = std::os::unix::net::UnixListener::bind(root.join("sock")).unwrap();
    let grants = Grants::builder()
        .allow_read([text(root.clone()), "/dev/zero".to_owned()])
        .allow_write([text(root.clone()), "/dev/null".to_owned()])
        .build()
        .unwrap();
    let finished = unblock_fifo_after(fifo.clone(), Duration::from_secs(20));
    let ran = run(
        &root,
        grants,
        &format!(
            "import fs from 'node:fs';
             {SHOW}
             show(() => fs.readFileSync(DIR + '/fifo'));
             show(() => fs.writeFileSync(DIR + '/fifo', 'x'));
             show(() => fs.openSync(DIR + '/fifo', 'r+'));
             show(() => fs.readFileSync('/dev/zero'));
             show(() => fs.writeFileSync('/dev/null', 'x'));
             show(() => fs.openSync(DIR + '/sock', 'r'));
             console.log(fs.statSync(DIR + '/fifo').isFIFO(), fs.readdirSync(DIR).join());"
        ),
    );
    let _ = finished.send(());
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    let refused = |path: String, what: &str| {
        format!(
            "EPERM EPERM: only regular files and directories can be opened, and this is {what}, \
             open '{path}'"
        )
    };
    let fifo = text(fifo);
    assert_eq!(
        ran.logs,
        [
            refused(fifo.clone(), "a FIFO"),
            refused(fifo.clone(), "a FIFO"),
            refused(fifo, "a FIFO"),
            refused("/dev/zero".to_owned(), "a character device"),
            refused("/dev/null".to_owned(), "a character device"),
            refused(text(root.join("sock")), "a socket"),
            "true fifo,sock".to_owned(),
        ]
    );
}

#[test]
fn created_files_keep_only_their_permission_bits() {
    let (_dir, root) = temp();
    let ran = run(
        &root,
        Grants::builder()
            .allow_read([text(root.clone())])
            .allow_write([text(root.clone())])
            .build()
            .unwrap(),
        "import fs from 'node:fs';
         fs.closeSync(fs.openSync(DIR + '/setuid', 'w', 0o4755));
         fs.closeSync(fs.openSync(DIR + '/setgid', 'wx', 0o2755));
         fs.writeFileSync(DIR + '/sticky', 'x', { mode: 0o1777 });
         fs.writeFileSync(DIR + '/all', 'x', { mode: 0o7777 });
         fs.mkdirSync(DIR + '/dir', { mode: 0o2755 });
         fs.mkdirSync(DIR + '/deep/er', { recursive: true, mode: 0o6777 });
         console.log(fs.statSync(DIR + '/setuid').mode & 0o7000);",
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(ran.logs, ["0"]);
    for name in [
        "setuid", "setgid", "sticky", "all", "dir", "deep", "deep/er",
    ] {
        let mode = std::fs::metadata(root.join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o7000, 0, "{name} has mode {mode:o}");
        assert_eq!(mode & 0o700, 0o700, "{name} has mode {mode:o}");
    }
}

/// Swaps `a` and `b` (a directory and a symbolic link) atomically, over and
/// over, until `stop`.
fn swap_until(a: PathBuf, b: PathBuf, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let a = std::ffi::CString::new(a.as_os_str().as_bytes()).unwrap();
        let b = std::ffi::CString::new(b.as_os_str().as_bytes()).unwrap();
        let mut swaps = 0;
        while !stop.load(Ordering::Relaxed) {
            // SAFETY: both are valid NUL-terminated paths.
            let done = unsafe {
                libc::renameat2(
                    libc::AT_FDCWD,
                    a.as_ptr(),
                    libc::AT_FDCWD,
                    b.as_ptr(),
                    libc::RENAME_EXCHANGE,
                )
            };
            assert_eq!(done, 0, "{}", std::io::Error::last_os_error());
            swaps += 1;
        }
        swaps
    })
}

#[test]
fn a_link_swapped_in_after_the_check_never_reaches_a_denied_subtree() {
    // `sw` is a directory with a public `secret.txt` one moment and a link
    // to `denied` (inside the same grant) the next: a check that sees the
    // directory must not let the open follow the link.
    let (_dir, root) = temp();
    std::fs::create_dir_all(root.join("denied")).unwrap();
    std::fs::write(root.join("denied/secret.txt"), "SECRET").unwrap();
    std::fs::create_dir_all(root.join("sw")).unwrap();
    std::fs::write(root.join("sw/secret.txt"), "public").unwrap();
    std::os::unix::fs::symlink("denied", root.join("alt")).unwrap();
    let grants = Grants::builder()
        .allow_read([text(root.clone())])
        .deny_read([text(root.join("denied"))])
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let racer = swap_until(root.join("sw"), root.join("alt"), stop.clone());
    let ran = run(
        &root,
        grants,
        "import fs from 'node:fs';
         const seen = { public: 0, SECRET: 0, denied: 0, other: 0 };
         for (let i = 0; i < 20000; i++) {
           try { seen[fs.readFileSync(DIR + '/sw/secret.txt', 'utf8')]++; }
           catch (e) { seen[e.code === 'ERR_ACCESS_DENIED' ? 'denied' : 'other']++; }
         }
         console.log(JSON.stringify(seen));",
    );
    stop.store(true, Ordering::Relaxed);
    let swaps = racer.join().unwrap();
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    let seen: serde_json::Value = serde_json::from_str(&ran.logs[0]).unwrap();
    eprintln!("{seen} after {swaps} swaps");
    assert_eq!(seen["SECRET"], 0, "the denied file was read: {seen}");
    assert!(seen["public"].as_u64().unwrap() > 0, "{seen}");
    assert!(seen["denied"].as_u64().unwrap() > 0, "{seen}");
}
