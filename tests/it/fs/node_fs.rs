//! `node:fs` and `node:fs/promises` over the host's `fs` interface, inside
//! a granted temporary directory: what works there, and what is denied and
//! audited outside it (`..`, absolute paths, symbolic links, deny rules).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jsbox::{
    Access, Decision, Grants, MemoryAuditSink, MemorySink, OutcomeKind, RunOptions, Script,
};
use tempfile::TempDir;

use crate::support::{Ran, run_audited, runtime};

/// `root/granted/{data.txt, link -> root/outside, secret/key.txt}` and
/// `root/outside/passwd.txt`.
struct Tree {
    _dir: TempDir,
    root: PathBuf,
    granted: PathBuf,
}

fn tree() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let granted = root.join("granted");
    std::fs::create_dir_all(granted.join("secret")).unwrap();
    std::fs::create_dir_all(root.join("outside")).unwrap();
    std::fs::write(granted.join("data.txt"), "hello").unwrap();
    std::fs::write(granted.join("secret/key.txt"), "k").unwrap();
    std::fs::write(root.join("outside/passwd.txt"), "root:x").unwrap();
    std::os::unix::fs::symlink(root.join("outside"), granted.join("link")).unwrap();
    Tree {
        _dir: dir,
        root,
        granted,
    }
}

/// Runs `source` as a module with `DIR` (the granted directory) and `ROOT`
/// defined.
fn run(tree: &Tree, grants: Grants, source: &str) -> Ran {
    let source = format!(
        "const DIR = {:?};\nconst ROOT = {:?};\n{source}",
        tree.granted.display().to_string(),
        tree.root.display().to_string()
    );
    run_audited(
        &Script::module("fs.mjs", source),
        RunOptions::default().with_grants(grants),
    )
}

fn read_write(dir: &Path) -> Grants {
    let dir = dir.to_str().unwrap();
    Grants::builder()
        .allow_read([dir])
        .allow_write([dir])
        .build()
        .unwrap()
}

#[test]
fn sync_callback_and_promise_forms_work_inside_the_grant() {
    let tree = tree();
    let ran = run(
        &tree,
        read_write(&tree.granted),
        "import fs from 'node:fs';
         import { readFile, writeFile, open, readdir } from 'fs/promises';
         console.log(fs.readFileSync(DIR + '/data.txt', 'utf8'));
         const bytes = fs.readFileSync(DIR + '/data.txt');
         console.log(Buffer.isBuffer(bytes), bytes.length, bytes.toString('hex'));
         fs.writeFileSync(DIR + '/out.txt', 'one');
         fs.appendFileSync(DIR + '/out.txt', Buffer.from(' two'));
         console.log(fs.readFileSync(DIR + '/out.txt', { encoding: 'utf8' }));
         const stat = fs.statSync(DIR + '/out.txt');
         console.log(stat.isFile(), stat.isDirectory(), stat.size, stat.mtime instanceof Date);
         console.log(fs.lstatSync(DIR + '/link').isSymbolicLink(), fs.existsSync(DIR + '/nope'));
         fs.mkdirSync(DIR + '/a/b/c', { recursive: true });
         fs.renameSync(DIR + '/out.txt', DIR + '/a/b/moved.txt');
         console.log(fs.readdirSync(DIR + '/a/b').join(','));
         console.log(fs.readdirSync(DIR, { withFileTypes: true })
           .map((d) => d.name + ':' + (d.isDirectory() ? 'd' : d.isSymbolicLink() ? 'l' : 'f')).join(','));
         const fd = fs.openSync(DIR + '/data.txt', 'r');
         const buffer = Buffer.alloc(3);
         console.log(fs.readSync(fd, buffer, 0, 3, 1), buffer.toString());
         fs.closeSync(fd);
         await writeFile(DIR + '/p.txt', 'promised');
         console.log(await readFile(DIR + '/p.txt', 'utf8'), (await readdir(DIR)).length);
         const handle = await open(DIR + '/p.txt', 'r+');
         await handle.write('PRO', 0);
         console.log((await handle.stat()).size, await handle.readFile('utf8'));
         await handle.close();
         console.log(await readFile(DIR + '/p.txt', 'utf8'));
         await new Promise((resolve) => fs.readFile(DIR + '/missing', (err, data) => {
           console.log('callback', err.code, data);
           resolve();
         }));
         fs.rmSync(DIR + '/a', { recursive: true });
         fs.unlinkSync(DIR + '/p.txt');
         console.log(fs.existsSync(DIR + '/a'), fs.existsSync(DIR + '/p.txt'));",
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(
        ran.logs,
        [
            "hello",
            "true 5 68656c6c6f",
            "one two",
            "true false 7 true",
            "true false",
            "c,moved.txt",
            "a:d,data.txt:f,link:l,secret:d",
            "3 ell",
            "promised 5",
            "8 PROmised",
            "PROmised",
            "callback ENOENT undefined",
            "false false",
        ]
    );
    assert!(
        ran.audit
            .events()
            .iter()
            .all(|event| event.decision == Decision::Allowed)
    );
}

#[test]
fn streams_copy_a_file_through_a_pipeline() {
    let tree = tree();
    let ran = run(
        &tree,
        read_write(&tree.granted),
        "import fs from 'node:fs';
         import { pipeline } from 'node:stream/promises';
         const out = fs.createWriteStream(DIR + '/big.txt');
         for (let i = 0; i < 1000; i++) out.write(`line ${i}\\n`);
         await new Promise((resolve) => out.end(resolve));
         console.log(out.bytesWritten);
         const chunks = [];
         for await (const chunk of fs.createReadStream(DIR + '/big.txt', { highWaterMark: 1024 })) {
           chunks.push(chunk.length);
         }
         console.log(chunks.length > 1, chunks.reduce((a, b) => a + b));
         await pipeline(fs.createReadStream(DIR + '/big.txt'), fs.createWriteStream(DIR + '/copy.txt'));
         console.log(fs.readFileSync(DIR + '/copy.txt', 'utf8').split('\\n')[999]);
         const part = fs.createReadStream(DIR + '/big.txt', { start: 5, end: 9, encoding: 'utf8' });
         let text = '';
         for await (const chunk of part) text += chunk;
         console.log(JSON.stringify(text));",
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(ran.logs, ["8890", "true 8890", "line 999", "\"0\\nlin\""]);
}

/// The denied calls' (target, permission) pairs from the audit log.
fn denials(audit: &MemoryAuditSink) -> Vec<(String, String)> {
    audit
        .events()
        .into_iter()
        .filter(|e| e.decision == Decision::Denied)
        .map(|e| (e.target, e.permission))
        .collect()
}

#[test]
fn dot_dot_absolute_paths_and_symlinks_out_of_the_grant_are_denied_and_audited() {
    let tree = tree();
    let ran = run(
        &tree,
        read_write(&tree.granted),
        "import fs from 'node:fs';
         for (const path of [
           DIR + '/../outside/passwd.txt',
           ROOT + '/outside/passwd.txt',
           DIR + '/link/passwd.txt',
           DIR + '/../outside/missing/../../x',
         ]) {
           try { fs.readFileSync(path); console.log('read', path); }
           catch (e) { console.log(e.code, e.message.startsWith('Requires read access to')); }
         }
         try { fs.writeFileSync(DIR + '/link/new.txt', 'x'); } catch (e) { console.log(e.code); }
         console.log(fs.readFileSync(DIR + '/data.txt', 'utf8'));",
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(
        ran.logs,
        [
            "ERR_ACCESS_DENIED true",
            "ERR_ACCESS_DENIED true",
            "ERR_ACCESS_DENIED true",
            "ERR_ACCESS_DENIED true",
            "ERR_ACCESS_DENIED",
            "hello",
        ]
    );
    let passwd = tree.root.join("outside/passwd.txt").display().to_string();
    let permission = format!("--allow-read={passwd}");
    let x = tree.root.join("x").display().to_string();
    let new = tree.root.join("outside/new.txt").display().to_string();
    assert_eq!(
        denials(&ran.audit),
        [
            (passwd.clone(), permission.clone()),
            (passwd.clone(), permission.clone()),
            (passwd, permission),
            (x.clone(), format!("--allow-read={x}")),
            (new.clone(), format!("--allow-write={new}")),
        ]
    );
    let event = &ran.audit.events()[0];
    assert_eq!(event.operation, "fs.open");
    assert_eq!(event.access, Access::Read);
}

#[test]
fn deny_rules_beat_allow_rules_and_writes_need_their_own_grant() {
    let tree = tree();
    let grants = Grants::builder()
        .allow_read([tree.granted.to_str().unwrap()])
        .deny_read([tree.granted.join("secret").to_str().unwrap()])
        .build()
        .unwrap();
    let ran = run(
        &tree,
        grants,
        "import fs from 'node:fs';
         try { fs.readFileSync(DIR + '/secret/key.txt'); } catch (e) { console.log(e.code, e.message); }
         try { fs.readdirSync(DIR + '/secret'); } catch (e) { console.log(e.code); }
         try { fs.writeFileSync(DIR + '/new.txt', 'x'); } catch (e) { console.log(e.code, e.message); }
         console.log(fs.readdirSync(DIR).length);",
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    let secret = tree.granted.join("secret");
    let new = tree.granted.join("new.txt");
    assert_eq!(
        ran.logs,
        [
            format!(
                "ERR_ACCESS_DENIED Requires read access to \"{}/key.txt\", which --deny-read={} forbids",
                secret.display(),
                secret.display()
            ),
            "ERR_ACCESS_DENIED".to_owned(),
            format!(
                "ERR_ACCESS_DENIED Requires write access to \"{}\", run again with --allow-write={}",
                new.display(),
                new.display()
            ),
            "3".to_owned(),
        ]
    );
    assert_eq!(denials(&ran.audit).len(), 3);
}

#[test]
fn errors_carry_nodes_codes_errno_syscall_and_path() {
    let tree = tree();
    let ran = run(
        &tree,
        read_write(&tree.granted),
        "import fs from 'node:fs';
         const show = (f) => { try { f(); } catch (e) {
           console.log(e.code, e.errno, e.syscall, e.path === undefined ? '-' : e.path.slice(DIR.length), e.message.split(',')[0]);
         } };
         show(() => fs.readFileSync(DIR + '/missing.txt'));
         show(() => fs.mkdirSync(DIR + '/secret'));
         show(() => fs.readdirSync(DIR + '/data.txt'));
         show(() => fs.rmdirSync(DIR + '/secret'));
         show(() => fs.openSync(DIR + '/data.txt', 'wx'));
         show(() => fs.readFileSync(DIR));
         show(() => fs.closeSync(99));",
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(
        ran.logs,
        [
            "ENOENT -2 open /missing.txt ENOENT: no such file or directory",
            "EEXIST -17 mkdir /secret EEXIST: file already exists",
            "ENOTDIR -20 scandir /data.txt ENOTDIR: not a directory",
            "ENOTEMPTY -39 rmdir /secret ENOTEMPTY: directory not empty",
            "EEXIST -17 open /data.txt EEXIST: file already exists",
            "EISDIR -21 read - EISDIR: illegal operation on a directory",
            "EBADF -9 close - EBADF: bad file descriptor",
        ]
    );
}

#[test]
fn a_path_with_a_lone_surrogate_is_a_path_with_u_fffd_as_in_node() {
    // Before, converting it for the host threw "Conversion from string
    // failed"; Node reads such a path as its UTF-8 with U+FFFD.
    let tree = tree();
    std::fs::write(tree.granted.join("a\u{FFFD}.txt"), "replaced").unwrap();
    let ran = run(
        &tree,
        read_write(&tree.granted),
        "import fs from 'node:fs';
         console.log(fs.readFileSync(DIR + '/a\\ud800.txt', 'utf8'));
         try { fs.readFileSync(DIR + '/b\\udc00.txt'); } catch (e) { console.log(e.code); }",
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(ran.logs, ["replaced", "ENOENT"]);
}

#[test]
fn a_dangling_link_out_of_the_grant_cannot_create_its_target() {
    // The link does not resolve, so the check sees a new file inside the
    // granted directory; the operation runs through cap-std, confined to
    // that directory, which refuses to follow the link out of it.
    let tree = tree();
    let target = tree.root.join("outside/created.txt");
    std::os::unix::fs::symlink(&target, tree.granted.join("dangling")).unwrap();
    let ran = run(
        &tree,
        read_write(&tree.granted),
        "import fs from 'node:fs';
         try { fs.writeFileSync(DIR + '/dangling', 'escaped'); console.log('written'); }
         catch (e) { console.log(e.code); }",
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(ran.logs, ["ERR_ACCESS_DENIED"]);
    assert!(!target.exists(), "the write escaped the grant");
    let dangling = tree.granted.join("dangling").display().to_string();
    assert_eq!(
        denials(&ran.audit),
        [(dangling.clone(), format!("--allow-write={dangling}"))]
    );
}

#[test]
fn a_50_mb_pipeline_with_backpressure_stays_under_the_memory_cap() {
    let tree = tree();
    let size = 50 << 20;
    let file = std::fs::File::create(tree.granted.join("big.bin")).unwrap();
    file.set_len(size).unwrap();
    let logs = Arc::new(MemorySink::new());
    let source = format!(
        "import fs from 'node:fs';
         import {{ Transform }} from 'node:stream';
         import {{ pipeline }} from 'node:stream/promises';
         let seen = 0;
         const count = new Transform({{ transform(chunk, encoding, done) {{ seen += chunk.length; done(null, chunk); }} }});
         await pipeline(fs.createReadStream({dir:?} + '/big.bin'), count, fs.createWriteStream({dir:?} + '/copy.bin'));
         console.log(seen);",
        dir = tree.granted.display().to_string()
    );
    let memory_cap = 48 << 20;
    let execution = runtime().run(
        &Script::module("pipe.mjs", source),
        RunOptions::default()
            .with_log_sink(logs.clone())
            .with_grants(read_write(&tree.granted))
            .with_limits(jsbox::Limits {
                memory_bytes: memory_cap,
                timeout: std::time::Duration::from_secs(60),
                ..jsbox::Limits::default()
            }),
    );
    assert!(execution.outcome.is_ok(), "{:?}", execution.outcome);
    assert_eq!(logs.messages(), [size.to_string()]);
    assert_eq!(
        std::fs::metadata(tree.granted.join("copy.bin"))
            .unwrap()
            .len(),
        size
    );
    assert!(execution.report.peak_memory_bytes < memory_cap);
}

#[test]
fn realpath_resolves_inside_the_grant_and_refuses_links_out_of_it() {
    let tree = tree();
    let ran = run(
        &tree,
        read_write(&tree.granted),
        "import fs from 'node:fs';
         fs.mkdirSync(DIR + '/sub');
         console.log(fs.realpathSync(DIR + '/sub/../data.txt') === DIR + '/data.txt');
         console.log(await fs.promises.realpath(DIR + '/./sub') === DIR + '/sub');
         try { fs.realpathSync(DIR + '/link'); } catch (e) { console.log(e.code); }",
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(ran.logs, ["true", "true", "ERR_ACCESS_DENIED"]);
}
