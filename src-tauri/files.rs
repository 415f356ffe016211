//! Files the analyst chose: the webview never names a path. Open and save dialogs run here, on
//! the Rust side, and the page gets an opaque handle for each file picked (or dropped on the
//! window); commands take handles and refuse anything else. A compromised page can neither
//! read nor overwrite a file the analyst did not choose.
//!
//! End-to-end tests cannot click a native dialog: with `CLOUDWARDEN_E2E_DIALOG=FILE`, each
//! dialog instead takes the first answer queued in FILE (a JSON array of answers, each an
//! array of paths or `null` for a cancelled dialog) — set only by `tests/e2e/run.sh`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cloudwarden_engine::ErrorCode;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;

use crate::error::CommandError;

/// A file the analyst chose, as the page sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ChosenFile {
    /// What commands take instead of the path.
    pub handle: String,
    /// The path, to show (commands do not accept it).
    pub path: String,
    pub name: String,
    #[specta(type = u32)]
    pub bytes: u64,
}

/// The files this window's analyst chose to read (picked in a dialog, dropped on the window).
#[derive(Debug, Default)]
pub struct FileGrants(Mutex<HashMap<String, PathBuf>>);

fn refused(message: &str) -> CommandError {
    CommandError {
        code: ErrorCode::Validation,
        message: message.to_owned(),
        field: None,
        detail: None,
    }
}

impl FileGrants {
    /// A handle for reading `path`.
    pub fn grant_read(&self, path: &Path) -> ChosenFile {
        let handle = self.insert(path);
        ChosenFile {
            handle,
            path: path.display().to_string(),
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        }
    }

    fn insert(&self, path: &Path) -> String {
        // Unguessable: a page that saw other handles cannot forge one.
        let handle = format!("file-{:032x}", rand::random::<u128>());
        if let Ok(mut map) = self.0.lock() {
            map.insert(handle.clone(), path.to_path_buf());
        }
        handle
    }

    /// The file behind a handle the analyst's choice made; anything else is refused.
    pub fn read_path(&self, handle: &str) -> Result<PathBuf, CommandError> {
        self.0
            .lock()
            .ok()
            .and_then(|m| m.get(handle).cloned())
            .ok_or_else(|| {
                refused("this file was not chosen in Cloudwarden's file dialog or dropped on its window; choose it again")
            })
    }
}

/// What a dialog is for.
pub enum Dialog<'a> {
    /// Log files and archives, several at once.
    OpenLogs,
    /// One JSON file (custom apps).
    OpenJson,
    /// Where to save, suggesting `name`, with a filter.
    Save {
        name: &'a str,
        filter: &'a str,
        extensions: &'a [&'a str],
    },
}

/// Shows `dialog` (or takes the next queued end-to-end answer); the paths chosen, empty when
/// cancelled.
pub async fn choose<R: Runtime>(app: &AppHandle<R>, dialog: Dialog<'_>) -> Vec<PathBuf> {
    if let Ok(queue) = std::env::var("CLOUDWARDEN_E2E_DIALOG") {
        return next_queued(Path::new(&queue));
    }
    let (tx, rx) = tokio::sync::oneshot::channel::<Vec<PathBuf>>();
    let builder = app.dialog().file();
    let to_paths = |files: Vec<tauri_plugin_dialog::FilePath>| -> Vec<PathBuf> {
        files
            .into_iter()
            .filter_map(|f| f.into_path().ok())
            .collect()
    };
    match dialog {
        Dialog::OpenLogs => builder
            .set_title("Choose firewall or proxy logs")
            .add_filter(
                "Logs and archives",
                &[
                    "log", "txt", "csv", "tsv", "json", "gz", "bz2", "zst", "zip", "w3c", "elff",
                ],
            )
            .add_filter("All files", &["*"])
            .pick_files(move |files| {
                let _ = tx.send(files.map(to_paths).unwrap_or_default());
            }),
        Dialog::OpenJson => builder
            .set_title("Choose a Cloudwarden custom-apps file")
            .add_filter("JSON", &["json"])
            .pick_file(move |file| {
                let _ = tx.send(file.map(|f| to_paths(vec![f])).unwrap_or_default());
            }),
        Dialog::Save {
            name,
            filter,
            extensions,
        } => builder
            .set_file_name(name)
            .add_filter(filter, extensions)
            .save_file(move |file| {
                let _ = tx.send(file.map(|f| to_paths(vec![f])).unwrap_or_default());
            }),
    }
    rx.await.unwrap_or_default()
}

/// The first answer queued for end-to-end tests (removed from the queue).
fn next_queued(queue: &Path) -> Vec<PathBuf> {
    let mut answers: Vec<Option<Vec<PathBuf>>> = std::fs::read(queue)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    if answers.is_empty() {
        return Vec::new();
    }
    let first = answers.remove(0);
    let _ = std::fs::write(queue, serde_json::to_vec(&answers).unwrap_or_default());
    first.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_chosen_files_have_handles() {
        let grants = FileGrants::default();
        let dir = std::env::temp_dir();
        let chosen = grants.grant_read(&dir.join("proxy.log"));
        assert!(chosen.handle.starts_with("file-") && chosen.handle.len() == 37);
        assert_eq!(
            grants.read_path(&chosen.handle).unwrap(),
            dir.join("proxy.log")
        );
        // A path, or a handle nobody was given, is refused.
        for forged in ["/etc/passwd", "file-00000000000000000000000000000000", ""] {
            let e = grants.read_path(forged).unwrap_err();
            assert!(e.message.contains("not chosen"), "{}", e.message);
        }
        assert_ne!(grants.grant_read(&dir).handle, chosen.handle);
    }
}
