//! `--watch`: reloading the entry when its file changes. The file's
//! modification time and size are polled; a changed file is read once it
//! has stayed unchanged for a moment (not half written), and
//! compiled (a component also checked against its world), and only an
//! entry that is ready replaces the running one, so a save in the middle of
//! an edit never takes the server down. Files a JS entry imports need no
//! watching: every request reads them afresh.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use jsbox::RunOptions;

use super::entry::EntryFile;
use super::handler::App;
use super::logging::TracingSink;

/// How often the file is checked.
const POLL: Duration = Duration::from_millis(500);

/// How long a changed file must stay unchanged before it is read: an
/// editor (or `std::fs::write`) truncates a file before writing it, and an
/// empty file is a valid module that would replace the entry.
const SETTLE: Duration = Duration::from_millis(150);

/// Watches the entry's file until the task is aborted.
pub async fn watch(app: Arc<App>) {
    let path = app.config.entry_path.clone();
    let mut seen = stamp(&path);
    loop {
        tokio::time::sleep(POLL).await;
        let mut now = stamp(&path);
        if now == seen {
            continue;
        }
        loop {
            tokio::time::sleep(SETTLE).await;
            let again = stamp(&path);
            if again == now {
                break;
            }
            now = again;
        }
        seen = now;
        let app = app.clone();
        let path = path.clone();
        // Compiling runs a sandbox: not on the async workers.
        let reloaded = tokio::task::spawn_blocking(move || reload(&app, &path)).await;
        if let Err(error) = reloaded {
            tracing::error!(target: "jsbox::serve", %error, "the reload task failed");
        }
    }
}

/// The file's modification time and size, or `None` while it is missing
/// (an editor replacing it).
fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}

fn reload(app: &App, path: &Path) {
    let app_name = &*app.app_name;
    let options = RunOptions::default()
        .with_limits(app.config.limits.clone())
        .with_module_root(&app.config.module_root)
        .with_log_sink(Arc::new(TracingSink {
            app: app.app_name.clone(),
            trace_parent: None,
        }));
    let entry = EntryFile::read(path, app.config.source_kind)
        .and_then(|(file, _)| file.prepare(&app.runtime, &options, app.config.entry_snapshot));
    match entry {
        Ok(entry) => {
            app.set_entry(entry);
            tracing::info!(target: "jsbox::serve", app = app_name, entry = %path.display(), "reloaded the entry");
        }
        Err(error) => {
            tracing::warn!(target: "jsbox::serve", app = app_name, %error, "reload failed; still serving the previous entry");
        }
    }
}
