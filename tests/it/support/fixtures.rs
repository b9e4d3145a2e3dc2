//! JS fixtures: behaviour cases written as JavaScript files, run on the
//! shared [`runtime`](super::runtime) and compared with what they must
//! print.
//!
//! A case is `<dir>/<name>.js` (a classic script) or `<dir>/<name>.mjs` (a
//! module, so top-level `await` works) beside `<name>.out`: every message
//! the run logs, one per line, and, when the last line is `=> JSON`, the
//! script's completion value. Set `JSBOX_BLESS=1` to write each `.out` from
//! what the run printed instead (then read the diff before committing it).
//!
//! Each directory lists its cases with [`fixtures!`](crate::fixtures), one
//! `#[test]` per case, and checks with [`all_listed`] that no file was
//! left out.

use std::path::{Path, PathBuf};

use jsbox::{Outcome, Script};

/// The directory of the fixtures under `tests/it/`.
fn dir(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it")
        .join(relative)
}

/// Runs the case `name` in `tests/it/<relative>` and compares it with its
/// `.out` file.
pub fn check(relative: &str, name: &str) {
    let dir = dir(relative);
    let (path, script) = if dir.join(format!("{name}.js")).exists() {
        let file = format!("{name}.js");
        (dir.join(&file), Script::new(&file, read(&dir.join(&file))))
    } else if dir.join(format!("{name}.mjs")).exists() {
        let file = format!("{name}.mjs");
        (
            dir.join(&file),
            Script::module(&file, read(&dir.join(&file))),
        )
    } else {
        panic!("no {name}.js or {name}.mjs in {}", dir.display())
    };
    let (execution, messages) = super::run(&script, Default::default());
    let mut printed: String = messages.iter().map(|m| format!("{m}\n")).collect();
    match &execution.outcome {
        Outcome::Ok {
            value_json: Some(json),
        } => printed.push_str(&format!("=> {json}\n")),
        Outcome::Ok { .. } => {}
        other => panic!("{}: {other:?}\nlogged: {messages:?}", path.display()),
    }
    let expected_path = dir.join(format!("{name}.out"));
    if std::env::var_os("JSBOX_BLESS").is_some() {
        std::fs::write(&expected_path, &printed).expect("the .out file writes");
        return;
    }
    let expected = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|e| panic!("{}: {e} (JSBOX_BLESS=1 writes it)", expected_path.display()));
    assert!(
        printed == expected,
        "{} printed what {} does not hold:\n{}",
        path.display(),
        expected_path.display(),
        diff(&expected, &printed)
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("the fixture reads")
}

/// The lines of `expected` and `printed`, marked `-` and `+` where they
/// differ.
fn diff(expected: &str, printed: &str) -> String {
    let (expected, printed): (Vec<_>, Vec<_>) =
        (expected.lines().collect(), printed.lines().collect());
    (0..expected.len().max(printed.len()))
        .map(|i| match (expected.get(i), printed.get(i)) {
            (Some(a), Some(b)) if a == b => format!("  {a}\n"),
            (a, b) => {
                a.map(|a| format!("- {a}\n")).unwrap_or_default()
                    + &b.map(|b| format!("+ {b}\n")).unwrap_or_default()
            }
        })
        .collect()
}

/// Asserts that every case in `tests/it/<relative>` is among `listed`, and
/// every listed case has its files.
pub fn all_listed(relative: &str, listed: &[&str]) {
    let dir = dir(relative);
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("the fixture directory reads")
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "js" || ext == "mjs")
        })
        .map(|path| path.file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = listed.iter().map(|name| (*name).to_owned()).collect();
    listed.sort();
    assert_eq!(
        on_disk,
        listed,
        "the cases in {} and those listed",
        dir.display()
    );
    for name in &listed {
        assert!(
            dir.join(format!("{name}.out")).exists(),
            "{name}.out is missing"
        );
    }
}

/// One `#[test]` per JS fixture in `tests/it/<dir>` (see the module doc),
/// and `every_fixture_is_listed`.
#[macro_export]
macro_rules! fixtures {
    ($dir:literal: $($name:ident),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::support::fixtures::check($dir, stringify!($name));
            }
        )+

        #[test]
        fn every_fixture_is_listed() {
            $crate::support::fixtures::all_listed($dir, &[$(stringify!($name)),+]);
        }
    };
}
