//! Opens log files as streams: plain, `.gz`, `.bz2`, `.zst`, and every member of a `.zip`,
//! recognised by their magic bytes (not their names).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a readable zip archive: {message}")]
    Zip { path: String, message: String },
    #[error("{path}: the archive has {members} files, more than the {max} one upload reads; split it, or unpack it and upload the logs")]
    TooManyMembers {
        path: String,
        members: usize,
        max: usize,
    },
}

/// Files read from one zip archive at most, unless the caller says otherwise.
pub const MAX_ARCHIVE_MEMBERS: usize = 10_000;

/// Compression, from the first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Bzip2,
    Zstd,
    Zip,
}

impl Compression {
    pub fn sniff(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [b'B', b'Z', b'h', ..] => Compression::Bzip2,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            [b'P', b'K', 3, 4, ..] => Compression::Zip,
            _ => Compression::None,
        }
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> InputError + '_ {
    move |source| InputError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// A reader that adds the bytes it reads to a shared counter (progress through a compressed
/// file, whose decompressed size is unknown).
struct Counting<'c, R> {
    inner: R,
    count: Option<&'c AtomicU64>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(c) = self.count {
            c.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<'_, R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Calls `each(name, stream)` for every log stream in the file: the file itself, or each file
/// member of a zip archive. `name` is the file name, or `archive.zip:member`. Bytes read from
/// the file itself (before decompression) are added to `read` when given.
///
/// An archive with more than `max_members` files is refused before any is read. A member that
/// cannot be opened (corrupt header, unsupported compression, encrypted) goes to
/// `bad_member(name, error)` and the others are read.
pub fn for_each_stream(
    path: &Path,
    read: Option<&AtomicU64>,
    max_members: usize,
    mut each: impl FnMut(&str, &mut dyn Read) -> Result<(), InputError>,
    mut bad_member: impl FnMut(&str, InputError),
) -> Result<(), InputError> {
    let mut file = File::open(path).map_err(io(path))?;
    let mut head = [0u8; 4];
    let n = read_up_to(&mut file, &mut head).map_err(io(path))?;
    let kind = Compression::sniff(&head[..n]);
    file.seek(SeekFrom::Start(0)).map_err(io(path))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let buffered = BufReader::with_capacity(
        1 << 20,
        Counting {
            inner: file,
            count: read,
        },
    );
    match kind {
        Compression::None => each(&name, &mut { buffered }),
        Compression::Gzip => each(&name, &mut flate2::read::MultiGzDecoder::new(buffered)),
        Compression::Bzip2 => each(&name, &mut bzip2::read::MultiBzDecoder::new(buffered)),
        Compression::Zstd => {
            let mut z = zstd::stream::read::Decoder::with_buffer(buffered).map_err(io(path))?;
            each(&name, &mut z)
        }
        Compression::Zip => {
            let mut archive = zip::ZipArchive::new(buffered).map_err(|e| InputError::Zip {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            let files = archive.file_names().filter(|n| !n.ends_with('/')).count();
            if files > max_members {
                return Err(InputError::TooManyMembers {
                    path: path.display().to_string(),
                    members: files,
                    max: max_members,
                });
            }
            for i in 0..archive.len() {
                let hint = archive.name_for_index(i).map(str::to_owned);
                let mut member = match archive.by_index(i) {
                    Ok(m) => m,
                    Err(e) => {
                        let member_name = match hint {
                            Some(n) => format!("{name}:{n}"),
                            None => format!("{name}:#{}", i + 1),
                        };
                        bad_member(
                            &member_name,
                            InputError::Zip {
                                path: member_name.clone(),
                                message: e.to_string(),
                            },
                        );
                        continue;
                    }
                };
                if member.is_dir() {
                    continue;
                }
                let member_name = format!("{name}:{}", member.name());
                each(&member_name, &mut member)?;
            }
            Ok(())
        }
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
