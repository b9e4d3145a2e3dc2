//! `jsbox:sandbox/modules`: resolving and reading the files a script
//! imports or requires, confined to the run's module root.
//!
//! Both calls check confinement on the canonical path (`..` and symbolic
//! links resolved) of an existing file, so neither `../../etc/passwd` nor a
//! symlink pointing out of the root gets through. `read` checks again
//! rather than trusting that its argument came from `resolve`.

use std::path::{Path, PathBuf};

use crate::bindings::jsbox::sandbox::modules::{self, LoadError};
use crate::state::SandboxState;

/// Extensions tried, in order, after the exact name.
const EXTENSIONS: [&str; 4] = ["js", "mjs", "cjs", "json"];
/// Largest module source the host will hand to the guest.
const MAX_MODULE_BYTES: u64 = 16 << 20;

impl modules::Host for SandboxState {
    fn resolve(
        &mut self,
        referrer: String,
        specifier: String,
    ) -> wasmtime::Result<Result<String, LoadError>> {
        self.count_host_call()?;
        Ok(self.resolve_module(&referrer, &specifier))
    }

    fn read(&mut self, path: String) -> wasmtime::Result<Result<String, LoadError>> {
        self.count_host_call()?;
        let source = self.read_module(&path);
        if self.preparing_entry {
            let content = source
                .as_ref()
                .map(|source| blake3::hash(source.as_bytes()));
            self.modules_read.push((path, content.ok()));
        }
        Ok(source)
    }
}

impl SandboxState {
    fn module_root(&self) -> Result<&Path, LoadError> {
        self.module_root.as_deref().ok_or_else(|| {
            LoadError::AccessDenied(
                "this run has no module root, so it cannot load modules \
                 (set RunOptions::module_root)"
                    .to_owned(),
            )
        })
    }

    fn resolve_module(&self, referrer: &str, specifier: &str) -> Result<String, LoadError> {
        let root = self.module_root()?;
        let relative = specifier.starts_with("./") || specifier.starts_with("../");
        if !relative && !specifier.starts_with('/') {
            return Err(LoadError::NotFound(format!(
                "cannot find module '{specifier}' imported from {referrer}: only relative \
                 ('./x') and absolute paths are supported, there is no node_modules lookup"
            )));
        }
        let base = Path::new(referrer)
            .parent()
            .filter(|_| Path::new(referrer).is_absolute())
            .unwrap_or(root);
        let wanted = base.join(specifier);
        let found = candidates(&wanted)
            .into_iter()
            .find(|candidate| candidate.is_file())
            .ok_or_else(|| {
                LoadError::NotFound(format!(
                    "cannot find module '{specifier}' imported from {referrer}"
                ))
            })?;
        let canonical = confine(root, &found)?;
        Ok(canonical.to_string_lossy().into_owned())
    }

    fn read_module(&self, path: &str) -> Result<String, LoadError> {
        let root = self.module_root()?;
        let canonical = confine(root, Path::new(path))?;
        let unreadable =
            |e: std::io::Error| LoadError::Unreadable(format!("cannot read {path}: {e}"));
        let size = std::fs::metadata(&canonical).map_err(unreadable)?.len();
        if size > MAX_MODULE_BYTES {
            return Err(LoadError::Unreadable(format!(
                "{path} is {size} bytes; modules may be at most {MAX_MODULE_BYTES}"
            )));
        }
        let bytes = std::fs::read(&canonical).map_err(unreadable)?;
        String::from_utf8(bytes)
            .map_err(|_| LoadError::Unreadable(format!("{path} is not valid UTF-8")))
    }
}

/// `path`, then `path.js`, `path.mjs`... then `path/index.js`.
fn candidates(path: &Path) -> Vec<PathBuf> {
    let mut all = vec![path.to_path_buf()];
    for extension in EXTENSIONS {
        let mut with_extension = path.as_os_str().to_owned();
        with_extension.push(".");
        with_extension.push(extension);
        all.push(PathBuf::from(with_extension));
    }
    all.push(path.join("index.js"));
    all
}

/// The canonical form of `path`, if it lies inside `root` (itself canonical).
fn confine(root: &Path, path: &Path) -> Result<PathBuf, LoadError> {
    let canonical = path
        .canonicalize()
        .map_err(|e| LoadError::NotFound(format!("cannot find module {}: {e}", path.display())))?;
    if canonical.starts_with(root) {
        Ok(canonical)
    } else {
        Err(LoadError::AccessDenied(format!(
            "{} is outside the module root {}",
            canonical.display(),
            root.display()
        )))
    }
}
