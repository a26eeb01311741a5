//! Model files: safetensors with a `format` entry in the metadata, read once and written
//! atomically. Shared by every model kind.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::tensor::SafeTensors;

use crate::TextError;

/// A [`TextError::BadModel`] without a path yet ([`with_path`] adds it).
pub(crate) fn bad(reason: String) -> TextError {
    TextError::BadModel {
        path: PathBuf::new(),
        reason,
    }
}

/// Parses safetensors bytes: the tensors and the metadata map (empty when absent).
pub(crate) fn parse(bytes: &[u8]) -> Result<(SafeTensors<'_>, HashMap<String, String>), TextError> {
    let (_, meta) = SafeTensors::read_metadata(bytes)
        .map_err(|e| bad(format!("not a safetensors file: {e}")))?;
    let st =
        SafeTensors::deserialize(bytes).map_err(|e| bad(format!("not a safetensors file: {e}")))?;
    Ok((st, meta.metadata().clone().unwrap_or_default()))
}

/// The `format` entry of a model file's metadata, if it is a safetensors file with one.
pub(crate) fn format_of(bytes: &[u8]) -> Option<String> {
    let (_, meta) = SafeTensors::read_metadata(bytes).ok()?;
    meta.metadata().as_ref()?.get("format").cloned()
}

/// Reads `path` whole.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, TextError> {
    std::fs::read(path).map_err(|source| TextError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Names `path` in a [`TextError::BadModel`] from a decoder.
pub(crate) fn with_path(path: &Path, e: TextError) -> TextError {
    match e {
        TextError::BadModel { reason, .. } => TextError::BadModel {
            path: path.to_path_buf(),
            reason,
        },
        other => other,
    }
}

/// Writes `bytes` to `path` atomically ([`taonet_crypto::atomic_file::write_atomic`]),
/// creating missing directories, so a crash never leaves a half-written model under the
/// final name.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), TextError> {
    let io = |source| TextError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    taonet_crypto::atomic_file::write_atomic(path, bytes).map_err(io)
}
