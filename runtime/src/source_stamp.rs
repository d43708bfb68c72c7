//! A source file's stamp: what tells that its content has not changed
//! without reading it (size, modification and status-change times, inode,
//! device), as `git status` trusts a file's stat data.
//!
//! A stamp only stands for a content when the file was not written in the
//! last [`SETTLE`] before it was read: file times are coarse (a few
//! milliseconds on Linux, two seconds on FAT), so a file written twice
//! within one tick, at the same size, keeps its stamp. Such a "racy" file
//! gets no stamp, and is checked by its content (git's racy-clean rule).

use std::fs;
use std::time::{Duration, SystemTime};

/// How long a file must have been left alone for its stamp to be trusted.
const SETTLE: Duration = Duration::from_secs(2);

/// The file's stat data; never all zero for a real file (its status-change
/// time is not the epoch), which is how an entry says "no stamp".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp([u64; 5]);

impl Stamp {
    /// Bytes of [`Stamp::to_bytes`].
    pub const LEN: usize = 40;

    /// The stamp of the file at `path` as it is now, if it can be read.
    pub fn of(path: &str) -> Option<Stamp> {
        let meta = fs::metadata(path).ok()?;
        Some(Stamp(fields(&meta)?))
    }

    /// The stamp of the file at `path` if it was last written at least
    /// [`SETTLE`] before `now`; None for a racy or unreadable file.
    pub fn settled(path: &str, now: SystemTime) -> Option<Stamp> {
        let stamp = Stamp::of(path)?;
        let limit = now
            .checked_sub(SETTLE)?
            .duration_since(SystemTime::UNIX_EPOCH);
        let limit = u64::try_from(limit.ok()?.as_nanos()).ok()?;
        let [_, modified, changed, _, _] = stamp.0;
        (modified < limit && changed < limit).then_some(stamp)
    }

    pub fn to_bytes(stamp: Option<Stamp>) -> [u8; Stamp::LEN] {
        let mut bytes = [0; Stamp::LEN];
        for (chunk, field) in bytes.chunks_exact_mut(8).zip(stamp.map_or([0; 5], |s| s.0)) {
            chunk.copy_from_slice(&field.to_le_bytes());
        }
        bytes
    }

    pub fn from_bytes(bytes: &[u8; Stamp::LEN]) -> Option<Stamp> {
        let mut fields = [0; 5];
        for (field, chunk) in fields.iter_mut().zip(bytes.chunks_exact(8)) {
            *field = u64::from_le_bytes(chunk.try_into().ok()?);
        }
        (fields != [0; 5]).then_some(Stamp(fields))
    }
}

/// Size, modification time, status-change time (nanoseconds since the
/// epoch), inode and device.
#[cfg(unix)]
fn fields(meta: &fs::Metadata) -> Option<[u64; 5]> {
    use std::os::unix::fs::MetadataExt;
    let nanos = |seconds: i64, nanos: i64| {
        u64::try_from(i128::from(seconds) * 1_000_000_000 + i128::from(nanos)).ok()
    };
    Some([
        meta.size(),
        nanos(meta.mtime(), meta.mtime_nsec())?,
        nanos(meta.ctime(), meta.ctime_nsec())?,
        meta.ino(),
        meta.dev(),
    ])
}

/// Elsewhere there is no status-change time to catch a rewrite that keeps
/// the modification time: no stamps, every cache hit is checked by content.
#[cfg(not(unix))]
fn fields(_meta: &fs::Metadata) -> Option<[u64; 5]> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> String {
        let path = std::env::temp_dir().join(format!("rcov-stamp-{name}-{}", std::process::id()));
        path.to_str().unwrap().to_string()
    }

    #[test]
    fn a_rewritten_file_has_another_stamp() {
        let path = scratch("rewrite");
        fs::write(&path, b"x = 1\n").unwrap();
        let before = Stamp::of(&path).unwrap();
        assert_eq!(Stamp::of(&path), Some(before));
        std::thread::sleep(Duration::from_millis(20));
        fs::write(&path, b"x = 2\n").unwrap();
        let modified = fs::metadata(&path).unwrap().modified().unwrap();
        // Even with the old modification time put back, the status change
        // shows.
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(modified - Duration::from_secs(5))
            .unwrap();
        assert_ne!(Stamp::of(&path), Some(before));
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_file_written_just_now_has_no_settled_stamp() {
        let path = scratch("racy");
        fs::write(&path, b"x = 1\n").unwrap();
        assert_eq!(Stamp::settled(&path, SystemTime::now()), None);
        let later = SystemTime::now() + SETTLE + Duration::from_millis(100);
        assert_eq!(Stamp::settled(&path, later), Stamp::of(&path));
        assert_eq!(Stamp::settled("/no/such/file.py", later), None);
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn stamps_round_trip_through_bytes() {
        let stamp = Stamp([
            6,
            1_700_000_000_000_000_000,
            1_700_000_000_000_000_001,
            42,
            7,
        ]);
        assert_eq!(
            Stamp::from_bytes(&Stamp::to_bytes(Some(stamp))),
            Some(stamp)
        );
        assert_eq!(Stamp::from_bytes(&Stamp::to_bytes(None)), None);
    }
}
