//! Host-owned paths: jsbox's own state, which no grant reaches.
//!
//! A script granted `--allow-read=/` or `--allow-write=$HOME` must still not
//! read or change what the host itself runs on: the compiled-code cache
//! (machine code the host executes, and the key that authenticates it) and
//! the host process's own `/proc` entries (its environment, memory, open
//! files). [`Grants::check_path`](super::Grants) refuses these before any
//! rule, for reading and writing; a write whose target holds one (the
//! rename or recursive removal of an ancestor) is refused too, since it
//! would move or delete it.
//!
//! Paths are compared in canonical form, so each protected place is listed
//! as it resolves and as the links leading to it are named: `/proc/self`
//! resolves to `/proc/<pid>`, a cache directory reached through a symbolic
//! link is listed as its target and as the link (which a script could
//! otherwise point at a directory of its own). The threads of this process
//! have `/proc/<tid>` entries of their own, recognised by asking the
//! kernel whether `/proc/<pid>/task/<tid>` exists.

use std::path::{Component, Path, PathBuf};

use super::path::resolve;

/// What a protected place is, in the message a refused script sees.
const PROCESS: &str = "the host process's own /proc entries";
const CACHE: &str = "the compiled-code cache and its key";

/// Links in a chain of symbolic links followed before giving up, as the
/// kernel's `ELOOP`.
const MAX_LINKS: usize = 40;

/// The places of one runtime no run may touch.
#[derive(Debug, Clone)]
pub(crate) struct HostPaths {
    owned: Vec<(PathBuf, &'static str)>,
    pid: u32,
}

impl HostPaths {
    /// This process's `/proc` entries and the links into them, and each of
    /// `cache_dirs`.
    pub fn new(cache_dirs: impl IntoIterator<Item = PathBuf>) -> Self {
        let mut paths = HostPaths::process();
        for dir in cache_dirs {
            for path in named_and_resolved(&dir) {
                paths.owned.push((path, CACHE));
            }
        }
        paths
    }

    /// This process's `/proc` entries alone: the least any grants refuse.
    pub fn process() -> Self {
        let pid = std::process::id();
        let owned = [
            format!("/proc/{pid}"),
            "/proc/self".to_owned(),
            "/proc/thread-self".to_owned(),
            // Links into /proc/self/fd, judged as themselves when their
            // target does not resolve (a pipe, a socket).
            "/dev/fd".to_owned(),
            "/dev/stdin".to_owned(),
            "/dev/stdout".to_owned(),
            "/dev/stderr".to_owned(),
        ]
        .into_iter()
        .map(|path| (PathBuf::from(path), PROCESS))
        .collect();
        HostPaths { owned, pid }
    }

    /// What of jsbox's own state `path` (canonical) is, or holds when
    /// `writing`: `None` if neither.
    pub fn owner(&self, path: &Path, writing: bool) -> Option<&'static str> {
        let listed = self
            .owned
            .iter()
            .find(|(owned, _)| path.starts_with(owned) || (writing && owned.starts_with(path)));
        match listed {
            Some((_, what)) => Some(*what),
            None => self.is_our_thread(path).then_some(PROCESS),
        }
    }

    /// Whether `path` lies in `/proc/<tid>` for a thread of this process.
    fn is_our_thread(&self, path: &Path) -> bool {
        let Ok(rest) = path.strip_prefix("/proc") else {
            return false;
        };
        let Some(Component::Normal(id)) = rest.components().next() else {
            return false;
        };
        let Some(id) = id
            .to_str()
            .filter(|id| id.bytes().all(|b| b.is_ascii_digit()))
        else {
            return false;
        };
        let task = Path::new("/proc")
            .join(self.pid.to_string())
            .join("task")
            .join(id);
        task.symlink_metadata().is_ok()
    }
}

/// `dir` as it resolves, and every symbolic link on the way to it (itself
/// unresolved, its parent resolved), following links in link targets too.
fn named_and_resolved(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = resolve(dir, true).into_iter().collect();
    let mut pending = vec![dir.to_path_buf()];
    let mut followed = 0;
    while let Some(path) = pending.pop() {
        let Ok(absolute) = std::path::absolute(&path) else {
            continue;
        };
        let mut prefix = PathBuf::new();
        for component in absolute.components() {
            prefix.push(component);
            let Ok(named) = resolve(&prefix, false) else {
                break;
            };
            let Ok(target) = std::fs::read_link(&named) else {
                continue;
            };
            if followed < MAX_LINKS {
                followed += 1;
                let parent = named.parent().unwrap_or(Path::new("/"));
                pending.push(parent.join(target));
            }
            found.push(named);
        }
    }
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_and_its_threads_are_owned() {
        let paths = HostPaths::process();
        let pid = std::process::id();
        for path in [
            format!("/proc/{pid}/environ"),
            format!("/proc/{pid}"),
            "/proc/self/mem".to_owned(),
            "/proc/thread-self".to_owned(),
            "/dev/stdin".to_owned(),
        ] {
            assert!(paths.owner(Path::new(&path), false).is_some(), "{path}");
        }
        let (tid_sender, tid) = std::sync::mpsc::channel();
        let (done, wait) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            // `<pid>/task/<tid>`
            let link = std::fs::read_link("/proc/thread-self").unwrap();
            let tid = link.file_name().unwrap().to_str().unwrap().to_owned();
            tid_sender.send(tid).unwrap();
            wait.recv().unwrap();
        });
        let tid = tid.recv().unwrap();
        assert!(
            paths
                .owner(Path::new(&format!("/proc/{tid}/environ")), false)
                .is_some()
        );
        done.send(()).unwrap();
        thread.join().unwrap();
        for path in ["/proc/cpuinfo", "/proc/1/status", "/dev/null", "/procfoo"] {
            assert!(paths.owner(Path::new(path), false).is_none(), "{path}");
        }
        assert!(
            paths.owner(Path::new("/proc"), true).is_some(),
            "an ancestor"
        );
        assert!(paths.owner(Path::new("/proc"), false).is_none());
    }

    #[test]
    fn a_cache_dir_is_owned_as_resolved_and_through_its_links() {
        let base = tempfile::tempdir().unwrap();
        let base = base.path().canonicalize().unwrap();
        let real = base.join("real");
        std::fs::create_dir_all(real.join("jsbox")).unwrap();
        std::os::unix::fs::symlink(&real, base.join("link")).unwrap();
        let paths = HostPaths::new([base.join("link/jsbox")]);
        let owned = |path: &Path, writing| paths.owner(path, writing).is_some();
        assert!(owned(&real.join("jsbox/artifact.key"), false));
        assert!(owned(&base.join("link"), true), "the link itself");
        assert!(owned(&real, true), "an ancestor, for writing");
        assert!(!owned(&real, false));
        assert!(!owned(&base.join("other"), true));
    }
}
