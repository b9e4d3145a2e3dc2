//! `jsbox:sandbox/modules`: resolving and reading the files a script
//! imports or requires, confined to the run's module root.
//!
//! The module root is the run's read grant for module files, and for
//! nothing else: loading a module needs no `--allow-read`, but every read
//! deny rule still applies. A lookup
//! 1. for a relative or absolute specifier, joins it to the referrer's
//!    directory and normalises it lexically, as Node's `path.resolve`
//!    does; a path not under the root is refused, whether it exists or not;
//! 2. runs Node's resolution algorithm (`packages.rs`: `node_modules`,
//!    `exports`, `imports`, `main`, extensions) on a file system that is
//!    the root and nothing else, and fails if that met a refusal (a link
//!    leading out, a denied `package.json`);
//! 3. opens the file it settled on beneath a directory handle of the root
//!    (`cap-std`: `openat2(RESOLVE_BENEATH)` on Linux), so no `..` or
//!    symbolic link leads out of it, without blocking (a FIFO never holds
//!    the run);
//! 4. decides on the opened file's real path (read back from
//!    `/proc/self/fd`): a regular file, with a module extension (`.js`,
//!    `.mjs`, `.cjs`, `.json`), no deny rule over it. The decision is
//!    audited through [`RunState::decide`], like a file call's.
//!
//! `read` does the same again rather than trusting that its argument came
//! from `resolve`, then reads from the file it checked, so a link swapped
//! in between cannot redirect the read. Extensionless files do not load
//! (Node would run them as CommonJS): they are where keys and settings
//! live (`id_rsa`, `.env`, `credentials`), and a module is always named
//! with, or found by, its extension.
//!
//! Whatever the reason a file does not load (missing, refused, outside the
//! root), the script is told only "not found or not allowed", naming the
//! specifier it wrote and paths relative to the root: it can neither learn
//! whether a host path exists nor where a link leads, and a refused file's
//! text never reaches the guest (so no parse error can quote it). The
//! audit log, which the operator reads, has the real paths. The code says
//! only which side of the root the path named lies on: `not-found` inside,
//! `access-denied` outside (including through a link leading out). A
//! package that does not export a subpath, or a `package.json` that is
//! malformed, is reported as Node reports it, with root-relative paths.

use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd};
use std::path::{Component, Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::{Dir, File, OpenOptions, OpenOptionsExt};

use oxc_resolver::ResolveError;

use crate::capabilities::bindings::jsbox::sandbox::modules::{
    self, LoadError, ResolveMode, Resolved,
};
use crate::capabilities::grants::{Access, Denied};
use crate::capabilities::state::RunState;

mod packages;

/// The files that load as modules, by extension.
const EXTENSIONS: [&str; 4] = ["js", "mjs", "cjs", "json"];
/// Largest module source the host will hand to the guest.
const MAX_MODULE_BYTES: u64 = 16 << 20;
/// What the script is told about any file that does not load.
const NOT_LOADABLE: &str = "not found or not allowed";

impl modules::Host for RunState {
    fn resolve(
        &mut self,
        referrer: String,
        specifier: String,
        mode: ResolveMode,
    ) -> wasmtime::Result<Result<Resolved, LoadError>> {
        self.count_host_call()?;
        Ok(self.resolve_module(&referrer, &specifier, mode))
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

/// The run's module root: its canonical path and a handle to open beneath.
struct Root {
    path: PathBuf,
    dir: Dir,
}

impl Root {
    /// `path` as the script may see it: relative to the root (`./lib/a.js`)
    /// when inside it, else as the script wrote it.
    fn show(&self, path: &str) -> String {
        match Path::new(path).strip_prefix(&self.path) {
            Ok(inside) => format!("./{}", inside.display()),
            Err(_) => path.to_owned(),
        }
    }

    /// The directory relative specifiers in `referrer` start from. A
    /// referrer named through a link to the root (`/tmp/app/main.js` with
    /// `/tmp` a link) is taken where the link leads.
    fn base_of(&self, referrer: &str) -> PathBuf {
        let referrer = Path::new(referrer);
        let Some(dir) = referrer.parent().filter(|_| referrer.is_absolute()) else {
            return self.path.clone();
        };
        let dir = lexical(dir);
        if dir.starts_with(&self.path) {
            return dir;
        }
        dir.canonicalize()
            .ok()
            .filter(|canonical| canonical.starts_with(&self.path))
            .unwrap_or(dir)
    }
}

/// A file opened beneath the root, and where it really is.
struct Opened {
    file: File,
    real: PathBuf,
}

/// What looking for one candidate found.
enum Lookup {
    Opened(Opened),
    /// Nothing there, or a directory.
    Absent,
    /// A link that leads out of the root.
    Escapes,
}

impl RunState {
    fn module_root(&self) -> Result<Root, LoadError> {
        let path = self.module_root.clone().ok_or_else(|| {
            LoadError::AccessDenied(
                "this run has no module root, so it cannot load modules \
                 (set RunOptions::module_root)"
                    .to_owned(),
            )
        })?;
        let dir = Dir::open_ambient_dir(&path, ambient_authority()).map_err(|e| {
            LoadError::AccessDenied(format!("the module root cannot be opened: {}", e.kind()))
        })?;
        Ok(Root { path, dir })
    }

    fn resolve_module(
        &mut self,
        referrer: &str,
        specifier: &str,
        mode: ResolveMode,
    ) -> Result<Resolved, LoadError> {
        let root = self.module_root()?;
        let imported_from = root.show(referrer);
        let not_loadable = |outside: bool| {
            let message = format!(
                "cannot find module '{specifier}' imported from {imported_from}: {NOT_LOADABLE}"
            );
            if outside {
                LoadError::AccessDenied(message)
            } else {
                LoadError::NotFound(message)
            }
        };
        let base = root.base_of(referrer);
        let path_like = specifier.starts_with("./")
            || specifier.starts_with("../")
            || specifier.starts_with('/');
        if path_like || specifier == "." || specifier == ".." {
            let wanted = lexical(&base.join(specifier));
            if !wanted.starts_with(&root.path) {
                self.refuse_outside("modules.resolve", &root, &wanted);
                return Err(not_loadable(true));
            }
        }
        let handle = root.dir.try_clone().map_err(|e| {
            LoadError::AccessDenied(format!("the module root cannot be opened: {}", e.kind()))
        })?;
        let lookup = packages::PackageLookup::new(&root.path, handle, self.grants.clone(), mode);
        let found = lookup.resolve(&base, specifier);
        let trail = lookup.into_trail();
        if self.preparing_entry {
            self.modules_read.extend(
                trail
                    .read
                    .iter()
                    .map(|(path, hash)| (path.clone(), Some(*hash))),
            );
        }
        // The resolver probes a spelling's extensions and index files: the
        // first refusal is the one the specifier met, the rest are echoes.
        if let Some((path, denied)) = trail.denied.first() {
            let _ = self.decide(
                "modules.resolve",
                Access::Read,
                &path.display().to_string(),
                Err(denied.clone()),
            );
        }
        for path in &trail.escapes {
            self.refuse_outside("modules.resolve", &root, path);
        }
        if !trail.escapes.is_empty() {
            return Err(not_loadable(true));
        }
        if !trail.denied.is_empty() {
            return Err(not_loadable(false));
        }
        let resolution = match found {
            Ok(resolution) => resolution,
            Err(ResolveError::NotFound(_)) if !path_like && !specifier.starts_with('#') => {
                return Err(LoadError::NotFound(format!(
                    "cannot find module '{specifier}' imported from {imported_from}: \
                     {NOT_LOADABLE} (packages are looked for in node_modules folders up to \
                     the module root, never above it: see --module-root)"
                )));
            }
            Err(error) => {
                return Err(package_error(&root, error, specifier, &imported_from)
                    .unwrap_or_else(|| not_loadable(false)));
            }
        };
        let Ok(inside) = resolution.path().strip_prefix(&root.path) else {
            self.refuse_outside("modules.resolve", &root, resolution.path());
            return Err(not_loadable(true));
        };
        match open_beneath(&root.dir, inside) {
            Lookup::Absent => Err(not_loadable(false)),
            Lookup::Escapes => {
                self.refuse_outside("modules.resolve", &root, resolution.path());
                Err(not_loadable(true))
            }
            Lookup::Opened(opened) => {
                if self.admit("modules.resolve", &root, &opened) {
                    Ok(Resolved {
                        format: packages::format(&resolution, &opened.real),
                        path: opened.real.to_string_lossy().into_owned(),
                    })
                } else {
                    Err(not_loadable(false))
                }
            }
        }
    }

    fn read_module(&mut self, path: &str) -> Result<String, LoadError> {
        let root = self.module_root()?;
        let shown = root.show(path);
        let not_loadable = |outside: bool| {
            let message = format!("cannot load module {shown}: {NOT_LOADABLE}");
            if outside {
                LoadError::AccessDenied(message)
            } else {
                LoadError::NotFound(message)
            }
        };
        let wanted = lexical(Path::new(path));
        let inside = match wanted.strip_prefix(&root.path) {
            Ok(inside) if Path::new(path).is_absolute() => inside,
            _ => {
                self.refuse_outside("modules.read", &root, &wanted);
                return Err(not_loadable(true));
            }
        };
        let opened = match open_beneath(&root.dir, inside) {
            Lookup::Opened(opened) => opened,
            Lookup::Absent => return Err(not_loadable(false)),
            Lookup::Escapes => {
                self.refuse_outside("modules.read", &root, &wanted);
                return Err(not_loadable(true));
            }
        };
        if !self.admit("modules.read", &root, &opened) {
            return Err(not_loadable(false));
        }
        let unreadable = |e: io::Error| LoadError::Unreadable(format!("cannot read {shown}: {e}"));
        let size = opened.file.metadata().map_err(unreadable)?.len();
        if size > MAX_MODULE_BYTES {
            return Err(LoadError::Unreadable(format!(
                "{shown} is {size} bytes; modules may be at most {MAX_MODULE_BYTES}"
            )));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        opened
            .file
            .take(MAX_MODULE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        if bytes.len() as u64 > MAX_MODULE_BYTES {
            return Err(LoadError::Unreadable(format!(
                "{shown} grew past {MAX_MODULE_BYTES} bytes while it was read"
            )));
        }
        String::from_utf8(bytes)
            .map_err(|_| LoadError::Unreadable(format!("{shown} is not valid UTF-8")))
    }

    /// Decides (and audits) whether the opened file loads as a module.
    fn admit(&mut self, operation: &'static str, root: &Root, opened: &Opened) -> bool {
        let target = opened.real.display().to_string();
        let refused = |why: &str| Denied {
            message: format!("{target} does not load as a module: {why}"),
            permission: format!(
                "a .js, .mjs, .cjs or .json file under --module-root={}",
                root.path.display()
            ),
        };
        let decision = if !opened.real.starts_with(&root.path) {
            Err(refused("it is outside the module root"))
        } else if !opened.file.metadata().is_ok_and(|meta| meta.is_file()) {
            Err(refused("it is not a regular file"))
        } else if !is_module_file(&opened.real) {
            Err(refused(
                "only .js, .mjs, .cjs and .json files load as modules",
            ))
        } else {
            self.grants.check_module(&opened.real, &root.path)
        };
        self.decide(operation, Access::Read, &target, decision)
            .is_ok()
    }

    /// Audits a lookup refused for leading out of the module root.
    fn refuse_outside(&mut self, operation: &'static str, root: &Root, path: &Path) {
        let target = path.display().to_string();
        let denied = Denied {
            message: format!(
                "{target} is outside the module root {}",
                root.path.display()
            ),
            permission: format!("--allow-read={target} (modules load only from the module root)"),
        };
        let _ = self.decide(operation, Access::Read, &target, Err(denied));
    }
}

/// The errors Node reports about a package itself, with the paths shown
/// relative to the root; `None` for "no such module", which the caller
/// words as it words every file that does not load.
fn package_error(
    root: &Root,
    error: ResolveError,
    specifier: &str,
    imported_from: &str,
) -> Option<LoadError> {
    let shown = |path: &Path| root.show(&path.to_string_lossy());
    Some(match error {
        ResolveError::PackagePathNotExported {
            subpath,
            package_json_path,
            ..
        } => LoadError::NotExported(if subpath == "." {
            format!(
                "No \"exports\" main defined in {} imported from {imported_from}",
                shown(&package_json_path)
            )
        } else {
            format!(
                "Package subpath '{subpath}' is not defined by \"exports\" in {} \
                 imported from {imported_from}",
                shown(&package_json_path)
            )
        }),
        ResolveError::PackageImportNotDefined(name, package_json_path) => {
            LoadError::ImportNotDefined(format!(
                "Package import specifier \"{name}\" is not defined in package {} \
                 imported from {imported_from}",
                shown(&package_json_path)
            ))
        }
        ResolveError::InvalidPackageTarget(target, key, package_json_path) => {
            LoadError::InvalidPackageTarget(format!(
                "Invalid \"exports\" or \"imports\" target \"{target}\" defined for \
                 '{key}' in the package config {} imported from {imported_from}; \
                 targets must start with \"./\" and stay inside the package",
                shown(&package_json_path)
            ))
        }
        ResolveError::InvalidModuleSpecifier(request, package_json_path) => {
            LoadError::InvalidPackageTarget(format!(
                "Invalid module \"{request}\" is not a valid subpath for the \"exports\" \
                 of {} imported from {imported_from}",
                shown(&package_json_path)
            ))
        }
        ResolveError::InvalidPackageConfig(package_json_path)
        | ResolveError::InvalidPackageConfigDefault(package_json_path)
        | ResolveError::InvalidPackageConfigDirectory(package_json_path) => {
            LoadError::InvalidPackageConfig(format!(
                "Invalid package config {} imported from {imported_from}: \
                 its \"exports\" mixes subpaths and conditions, or puts \"default\" before \
                 other conditions",
                shown(&package_json_path)
            ))
        }
        ResolveError::Json(json) => LoadError::InvalidPackageConfig(format!(
            "Invalid package config {} while importing '{specifier}' from {imported_from}: \
             {} at {}:{}",
            shown(&json.path),
            json.message,
            json.line,
            json.column
        )),
        ResolveError::Specifier(error) => LoadError::NotFound(format!(
            "cannot find module '{specifier}' imported from {imported_from}: {error}"
        )),
        _ => return None,
    })
}

fn is_module_file(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| EXTENSIONS.contains(&extension))
}

/// Opens `relative` for reading beneath `dir`, which it cannot leave.
/// `O_NONBLOCK` keeps a FIFO from blocking the open (and is meaningless
/// for the regular files that load); `O_NOCTTY` keeps a terminal from
/// becoming the host's.
fn open_beneath(dir: &Dir, relative: &Path) -> Lookup {
    let mut options = OpenOptions::new();
    options
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    let file = match dir.open_with(relative, &options) {
        Ok(file) => file,
        Err(e) if packages::is_escape(&e) => return Lookup::Escapes,
        Err(_) => return Lookup::Absent,
    };
    if file.metadata().is_ok_and(|meta| meta.is_dir()) {
        return Lookup::Absent;
    }
    match real_path(&file) {
        Ok(real) => Lookup::Opened(Opened { file, real }),
        Err(_) => Lookup::Absent,
    }
}

/// Where the open file `file` is: the kernel's own record of the path it
/// was opened by, links resolved, so the decision is taken on the file
/// that is read and not on a path that could change after a check.
fn real_path(file: &File) -> io::Result<PathBuf> {
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_fd().as_raw_fd()))
}

/// `path` with `.` and `..` resolved without the file system, as Node's
/// `path.resolve` does; `..` at the top stays at the top.
fn lexical(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_without_the_file_system() {
        assert_eq!(lexical(Path::new("/a/./b/../c")), Path::new("/a/c"));
        assert_eq!(lexical(Path::new("/a/../../etc")), Path::new("/etc"));
    }

    #[test]
    fn only_module_extensions_load() {
        for name in ["a.js", "a.mjs", "a.cjs", "a.json", "/x/.hidden.js"] {
            assert!(is_module_file(Path::new(name)), "{name}");
        }
        for name in [".env", "id_rsa", "key.pem", "a.js.bak", "a", "a.JS"] {
            assert!(!is_module_file(Path::new(name)), "{name}");
        }
    }
}
