//! Node's resolution algorithm, confined: `oxc_resolver` (bare names
//! through `node_modules`, `package.json` `exports`, `imports`, `main`,
//! self-reference, conditions) over [`ConfinedFs`], a file system that is
//! the module root and nothing else.
//!
//! `oxc_resolver` decides *which* file a specifier names; it never decides
//! *whether* the file loads. Every path it asks about goes through
//! [`open_beneath`](super::open_beneath) or cap-std's beneath-the-root calls
//! on the root's directory handle, so no `..`, absolute path or symbolic
//! link leads out of the root: a path outside the root (the resolver walks
//! `node_modules` and package scopes up to `/`) is simply absent, and a
//! link inside that leads out is absent and remembered as a refusal.
//! Every path the resolver asks about is decided by the same deny rules as
//! a module ([`Grants::check_module`]) before the file system is touched,
//! and every `package.json` read again on its real path; a refused one is
//! absent and remembered too, so a file under a deny rule looks the same
//! to the script whether or not it exists. The file the resolver settles on is then opened
//! and admitted again by the caller, like any module.
//!
//! A lookup that met any refusal fails, even if it found a file elsewhere,
//! so that a deny rule or an escaping link never silently picks another
//! package. A fresh cache per lookup keeps that true (a cached "absent"
//! would hide a refusal met earlier in the run).

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use cap_std::fs::Dir;
use oxc_resolver::{
    FileMetadata, FileSystem, ModuleType, Resolution, ResolveError, ResolveOptions, ResolverGeneric,
};

use super::{Lookup, MAX_MODULE_BYTES, lexical, open_beneath};
use crate::capabilities::bindings::jsbox::sandbox::modules::{ModuleFormat, ResolveMode};
use crate::capabilities::grants::{Denied, Grants};

/// The condition jsbox matches in `exports` and `imports`, before Node's
/// own: a package can ship a build for jsbox's sandbox (no `child_process`,
/// no native addons) under `"jsbox"`, as it does for `"deno"` or
/// `"workerd"`. Where it appears in the conditions object decides, as for
/// every condition; `default` always matches.
pub const JSBOX_CONDITION: &str = "jsbox";

/// What a lookup met that the caller must audit.
#[derive(Default)]
pub struct Trail {
    /// Paths inside the root whose link leads out of it.
    pub escapes: Vec<PathBuf>,
    /// `package.json` files a deny rule covers, by real path.
    pub denied: Vec<(PathBuf, Denied)>,
    /// Each `package.json` read, by real path, with its content's hash:
    /// an entry snapshot depends on them as on the modules it read.
    pub read: Vec<(String, blake3::Hash)>,
}

/// The module root as a file system: nothing above or beside it exists.
pub struct ConfinedFs {
    root: Option<RootHandle>,
    trail: Arc<Mutex<Trail>>,
}

struct RootHandle {
    path: PathBuf,
    dir: Dir,
    grants: Arc<Grants>,
}

/// One lookup's resolver and what it met.
pub struct PackageLookup {
    resolver: ResolverGeneric<ConfinedFs>,
    trail: Arc<Mutex<Trail>>,
}

impl PackageLookup {
    /// A resolver for `mode` over the root at `path` (a handle `dir`).
    pub fn new(path: &Path, dir: Dir, grants: Arc<Grants>, mode: ResolveMode) -> Self {
        let trail = Arc::new(Mutex::new(Trail::default()));
        let fs = ConfinedFs {
            root: Some(RootHandle {
                path: path.to_path_buf(),
                dir,
                grants,
            }),
            trail: trail.clone(),
        };
        Self {
            resolver: ResolverGeneric::new_with_file_system(fs, options(mode)),
            trail,
        }
    }

    /// Resolves `specifier` from the directory `base`.
    pub fn resolve(&self, base: &Path, specifier: &str) -> Result<Resolution, ResolveError> {
        self.resolver.resolve(base, specifier)
    }

    /// What the lookup met.
    pub fn into_trail(self) -> Trail {
        std::mem::take(&mut *self.trail.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Node's options for `mode`. Extensions: Node's CommonJS list without
/// `.node` (no native addons) for `require`; for `import`, where Node
/// tries none, jsbox keeps trying `.js`, `.mjs`, `.cjs` and `.json` as it
/// always has. No `browser` field, aliases, tsconfig or Yarn PnP.
fn options(mode: ResolveMode) -> ResolveOptions {
    let (conditions, extensions): (&[&str], &[&str]) = match mode {
        ResolveMode::Import => (
            &[JSBOX_CONDITION, "node", "import"],
            &[".js", ".mjs", ".cjs", ".json"],
        ),
        ResolveMode::Require => (&[JSBOX_CONDITION, "node", "require"], &[".js", ".json"]),
    };
    ResolveOptions {
        condition_names: conditions.iter().map(|c| (*c).to_owned()).collect(),
        extensions: extensions.iter().map(|e| (*e).to_owned()).collect(),
        main_fields: vec!["main".to_owned()],
        main_files: vec!["index".to_owned()],
        exports_fields: vec![vec!["exports".to_owned()]],
        imports_fields: vec![vec!["imports".to_owned()]],
        alias_fields: Vec::new(),
        modules: vec!["node_modules".to_owned()],
        // The caller takes the real path from the opened file itself.
        symlinks: false,
        builtin_modules: false,
        module_type: true,
        tsconfig: None,
        ..ResolveOptions::default()
    }
}

/// How Node evaluates the file at `path`, as the resolver found it.
pub fn format(resolution: &Resolution, real: &Path) -> ModuleFormat {
    match resolution.module_type() {
        Some(ModuleType::Module) => ModuleFormat::Esm,
        Some(ModuleType::CommonJs) => ModuleFormat::Commonjs,
        Some(ModuleType::Json) => ModuleFormat::Json,
        _ => match real.extension().and_then(|e| e.to_str()) {
            Some("mjs") => ModuleFormat::Esm,
            Some("cjs") => ModuleFormat::Commonjs,
            Some("json") => ModuleFormat::Json,
            _ => ModuleFormat::Ambiguous,
        },
    }
}

impl ConfinedFs {
    fn note(&self, record: impl FnOnce(&mut Trail)) {
        record(&mut self.trail.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// The root, and `path` relative to it; `NotFound` for anything
    /// outside (the resolver looks there; nothing is there for it) and for
    /// anything a deny rule covers (remembered as a refusal). Every path the
    /// resolver asks about comes through here.
    fn beneath<'a>(&'a self, path: &Path) -> io::Result<(&'a RootHandle, PathBuf)> {
        let root = self.root.as_ref().ok_or_else(absent)?;
        if !path.is_absolute() {
            return Err(absent());
        }
        let inside = lexical(path)
            .strip_prefix(&root.path)
            .map_err(|_| absent())?
            .to_path_buf();
        let inside = if inside.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            inside
        };
        if self.denied(root, &inside) {
            return Err(absent());
        }
        Ok((root, inside))
    }

    /// Whether a deny rule covers `inside` as spelled, remembering the
    /// refusal. Asked before the file system is touched, so that whether
    /// a denied file exists never shows in what the resolver does next.
    fn denied(&self, root: &RootHandle, inside: &Path) -> bool {
        let path = root.path.join(inside);
        match root.grants.check_module(&path, &root.path) {
            Ok(_) => false,
            Err(denied) => {
                self.note(|trail| trail.denied.push((path, denied)));
                true
            }
        }
    }

    /// Maps cap-std's "that would leave the directory" to absent, and
    /// remembers it.
    fn escaped(&self, root: &RootHandle, inside: &Path, error: io::Error) -> io::Error {
        if is_escape(&error) {
            let path = root.path.join(inside);
            self.note(|trail| trail.escapes.push(path));
            return absent();
        }
        error
    }
}

impl FileSystem for ConfinedFs {
    /// The file system with nothing in it: `oxc_resolver` may make one
    /// itself, and jsbox never hands it one that reaches a real directory
    /// this way.
    fn new() -> Self {
        Self {
            root: None,
            trail: Arc::default(),
        }
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let (root, inside) = self.beneath(path)?;
        let opened = match open_beneath(&root.dir, &inside) {
            Lookup::Opened(opened) => opened,
            Lookup::Absent => return Err(absent()),
            Lookup::Escapes => {
                let path = root.path.join(&inside);
                self.note(|trail| trail.escapes.push(path));
                return Err(absent());
            }
        };
        if !opened.real.starts_with(&root.path) {
            let path = root.path.join(&inside);
            self.note(|trail| trail.escapes.push(path));
            return Err(absent());
        }
        if !opened.file.metadata()?.is_file() {
            return Err(absent());
        }
        if let Err(denied) = root.grants.check_module(&opened.real, &root.path) {
            let real = opened.real.clone();
            self.note(|trail| trail.denied.push((real, denied)));
            return Err(absent());
        }
        let mut bytes = Vec::new();
        (&opened.file)
            .take(MAX_MODULE_BYTES + 1)
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_MODULE_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                "package.json too large",
            ));
        }
        let real = opened.real.to_string_lossy().into_owned();
        let hash = blake3::hash(&bytes);
        self.note(|trail| trail.read.push((real, hash)));
        Ok(bytes)
    }

    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        String::from_utf8(self.read(path)?)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    fn metadata(&self, path: &Path) -> io::Result<FileMetadata> {
        let (root, inside) = self.beneath(path)?;
        let meta = root
            .dir
            .metadata(&inside)
            .map_err(|e| self.escaped(root, &inside, e))?;
        Ok(FileMetadata::new(meta.is_file(), meta.is_dir(), false))
    }

    fn symlink_metadata(&self, path: &Path) -> io::Result<FileMetadata> {
        let (root, inside) = self.beneath(path)?;
        let meta = root
            .dir
            .symlink_metadata(&inside)
            .map_err(|e| self.escaped(root, &inside, e))?;
        Ok(FileMetadata::new(
            meta.is_file(),
            meta.is_dir(),
            meta.file_type().is_symlink(),
        ))
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, ResolveError> {
        // With `symlinks: false` the resolver never follows links itself;
        // where one leads is the opened file's business (`canonicalize`).
        self.canonicalize(path).map_err(ResolveError::from)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        let (root, inside) = self.beneath(path)?;
        match open_beneath(&root.dir, &inside) {
            Lookup::Opened(opened) if opened.real.starts_with(&root.path) => Ok(opened.real),
            Lookup::Absent => Err(absent()),
            Lookup::Opened(_) | Lookup::Escapes => {
                let path = root.path.join(&inside);
                self.note(|trail| trail.escapes.push(path));
                Err(absent())
            }
        }
    }
}

fn absent() -> io::Error {
    io::Error::from(io::ErrorKind::NotFound)
}

/// cap-std reports a path that would lead out of its directory as
/// `PermissionDenied` without an OS error.
pub fn is_escape(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::PermissionDenied && error.raw_os_error().is_none()
}
