//! Call recording (design §6, TEL-7): one stereo A-law WAV per call, left = caller,
//! right = whoever is bridged to the caller, each carrying what that party sent. Written on
//! the pacer's 20 ms clock (one 160-sample frame per channel per tick, silence where a packet
//! is missing) so the channels never drift; flushed every second; RIFF sizes patched on close
//! and repaired from the file length after a crash; SHA-256 of the closed file, and each
//! recording row chained to the previous row's hash.

use crate::media::g711::{ALAW_SILENCE, Law};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Bytes before the audio data (RIFF + fmt(18) + fact + data headers).
pub const HEADER_LEN: u64 = 58;
const FRAME: usize = 160;
/// At most this many frames wait per channel (0.2 s); older audio is dropped so a burst
/// cannot push one channel ahead of the other.
const MAX_BACKLOG: usize = FRAME * 10;

/// Which side of the stereo file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The caller (citizen).
    Left,
    /// The agent or officer bridged to the caller.
    Right,
}

fn header(data_len: u32) -> [u8; HEADER_LEN as usize] {
    let mut h = [0u8; HEADER_LEN as usize];
    let frames = data_len / 2;
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&(HEADER_LEN as u32 - 8 + data_len).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&18u32.to_le_bytes());
    h[20..22].copy_from_slice(&6u16.to_le_bytes()); // A-law
    h[22..24].copy_from_slice(&2u16.to_le_bytes()); // stereo
    h[24..28].copy_from_slice(&8000u32.to_le_bytes());
    h[28..32].copy_from_slice(&16000u32.to_le_bytes()); // byte rate
    h[32..34].copy_from_slice(&2u16.to_le_bytes()); // block align
    h[34..36].copy_from_slice(&8u16.to_le_bytes()); // bits per sample
    h[36..38].copy_from_slice(&0u16.to_le_bytes()); // cbSize
    h[38..42].copy_from_slice(b"fact");
    h[42..46].copy_from_slice(&4u32.to_le_bytes());
    h[46..50].copy_from_slice(&frames.to_le_bytes());
    h[50..54].copy_from_slice(b"data");
    h[54..58].copy_from_slice(&data_len.to_le_bytes());
    h
}

/// Errors of the recorder.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("recording {0}: {1}")]
    Io(String, std::io::Error),
    #[error("recording {0} is not one of our WAV files")]
    NotOurs(String),
}

/// What the store keeps about a closed recording.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClosedRecording {
    pub path: PathBuf,
    pub bytes: u64,
    pub duration_ms: u64,
    pub sha256: String,
}

struct Inner {
    file: Option<BufWriter<File>>,
    left: VecDeque<u8>,
    right: VecDeque<u8>,
    frames: u64,
    error: Option<String>,
}

/// A recording being written.
pub struct Recorder {
    path: PathBuf,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .finish()
    }
}

impl Recorder {
    /// Create the file with a provisional header.
    pub fn create(path: &Path) -> Result<Recorder, RecordingError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| RecordingError::Io(dir.display().to_string(), e))?;
        }
        let f =
            File::create(path).map_err(|e| RecordingError::Io(path.display().to_string(), e))?;
        let mut w = BufWriter::with_capacity(32 * 1024, f);
        w.write_all(&header(0))
            .map_err(|e| RecordingError::Io(path.display().to_string(), e))?;
        Ok(Recorder {
            path: path.to_path_buf(),
            inner: Mutex::new(Inner {
                file: Some(w),
                left: VecDeque::new(),
                right: VecDeque::new(),
                frames: 0,
                error: None,
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queue audio a party sent (any law; stored as A-law).
    pub fn push(&self, ch: Channel, law: Law, payload: &[u8]) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if g.file.is_none() {
            return;
        }
        let q = match ch {
            Channel::Left => &mut g.left,
            Channel::Right => &mut g.right,
        };
        match law {
            Law::Alaw => q.extend(payload.iter().copied()),
            Law::Ulaw => q.extend(payload.iter().map(|b| crate::media::g711::ulaw_to_alaw(*b))),
        }
        while q.len() > MAX_BACKLOG {
            q.pop_front();
        }
    }

    /// One 20 ms tick: write one frame per channel (silence where nothing arrived).
    pub fn tick(&self) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Inner {
            file,
            left,
            right,
            frames,
            error,
        } = &mut *g;
        let Some(w) = file.as_mut() else { return };
        let mut buf = [0u8; FRAME * 2];
        for i in 0..FRAME {
            buf[2 * i] = left.pop_front().unwrap_or(ALAW_SILENCE);
            buf[2 * i + 1] = right.pop_front().unwrap_or(ALAW_SILENCE);
        }
        if let Err(e) = w.write_all(&buf) {
            if error.is_none() {
                tracing::error!(error = %e, "recording write failed");
                *error = Some(e.to_string());
            }
            return;
        }
        *frames += 1;
        if (*frames).is_multiple_of(50) {
            let _ = w.flush();
        }
    }

    /// Frames written so far (20 ms each).
    pub fn frames(&self) -> u64 {
        self.inner.lock().map(|g| g.frames).unwrap_or(0)
    }

    /// Close: patch the header, sync, hash. Idempotent: a second close returns an error.
    pub fn close(&self) -> Result<ClosedRecording, RecordingError> {
        let w = {
            let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            g.file.take()
        };
        let p = self.path.display().to_string();
        let Some(w) = w else {
            return Err(RecordingError::NotOurs(p));
        };
        let f = w
            .into_inner()
            .map_err(|e| RecordingError::Io(p.clone(), e.into_error()))?;
        drop(f);
        repair_header(&self.path)
    }
}

/// Rewrite the RIFF sizes of one of our recordings from its length (after a crash, or at
/// close), then hash it.
pub fn repair_header(path: &Path) -> Result<ClosedRecording, RecordingError> {
    let p = path.display().to_string();
    let io = |e| RecordingError::Io(p.clone(), e);
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    if len < HEADER_LEN {
        return Err(RecordingError::NotOurs(p));
    }
    let mut head = [0u8; 22];
    f.read_exact(&mut head).map_err(io)?;
    if &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" || head[20] != 6 {
        return Err(RecordingError::NotOurs(p));
    }
    let mut data = (len - HEADER_LEN).min(u32::MAX as u64 - HEADER_LEN) as u32;
    data -= data % 2; // whole stereo frames only
    f.set_len(HEADER_LEN + data as u64).map_err(io)?;
    f.seek(SeekFrom::Start(0)).map_err(io)?;
    f.write_all(&header(data)).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    let sha256 = sha256_file(path)?;
    Ok(ClosedRecording {
        path: path.to_path_buf(),
        bytes: HEADER_LEN + data as u64,
        duration_ms: data as u64 / 16,
        sha256,
    })
}

/// SHA-256 of a file, lower-case hex.
pub fn sha256_file(path: &Path) -> Result<String, RecordingError> {
    let p = path.display().to_string();
    let mut f = File::open(path).map_err(|e| RecordingError::Io(p.clone(), e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| RecordingError::Io(p.clone(), e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(data_encoding::HEXLOWER.encode(&h.finalize()))
}

/// The chain hash of a recording row: SHA-256 over the previous row's chain hash, the
/// recording id and the file hash. Editing or deleting a row breaks every later link.
pub fn chain_hash(prev: Option<&str>, recording_id: &str, file_sha256: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.unwrap_or("").as_bytes());
    h.update(b"\n");
    h.update(recording_id.as_bytes());
    h.update(b"\n");
    h.update(file_sha256.as_bytes());
    data_encoding::HEXLOWER.encode(&h.finalize())
}

/// Verify a chain of (recording id, file hash, chain hash) rows in order; returns the index
/// of the first broken link.
pub fn verify_chain<'a>(
    rows: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Result<(), usize> {
    let mut prev: Option<String> = None;
    for (i, (id, file, chain)) in rows.into_iter().enumerate() {
        let want = chain_hash(prev.as_deref(), id, file);
        if want != chain {
            return Err(i);
        }
        prev = Some(want);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_stay_aligned_and_header_is_patched() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.wav");
        let r = Recorder::create(&p).unwrap();
        r.push(Channel::Left, Law::Alaw, &[1u8; 160]);
        r.push(Channel::Left, Law::Alaw, &[1u8; 160]);
        r.push(Channel::Right, Law::Ulaw, &[0xFFu8; 80]);
        for _ in 0..3 {
            r.tick();
        }
        let c = r.close().unwrap();
        assert_eq!(c.duration_ms, 60);
        let b = std::fs::read(&p).unwrap();
        assert_eq!(b.len() as u64, HEADER_LEN + 960);
        assert_eq!(u32::from_le_bytes(b[54..58].try_into().unwrap()), 960);
        let data = &b[58..];
        assert!(
            data.chunks(2).take(320).all(|f| f[0] == 1),
            "left: the caller's bytes for 2 frames"
        );
        assert!(
            data.chunks(2).skip(320).all(|f| f[0] == ALAW_SILENCE),
            "then silence"
        );
        assert!(
            data.chunks(2)
                .take(80)
                .all(|f| f[1] == crate::media::g711::ulaw_to_alaw(0xFF))
        );
        assert_eq!(c.sha256, sha256_file(&p).unwrap());
        assert!(r.close().is_err(), "closing twice is refused");
    }

    #[test]
    fn crash_repair_fixes_sizes_from_length() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("crash.wav");
        let r = Recorder::create(&p).unwrap();
        for _ in 0..50 {
            r.tick(); // flushes at 50 frames
        }
        std::mem::forget(r); // a crash: header never patched
        let b = std::fs::read(&p).unwrap();
        assert_eq!(u32::from_le_bytes(b[54..58].try_into().unwrap()), 0);
        let c = repair_header(&p).unwrap();
        assert_eq!(c.duration_ms, 1000);
        let b = std::fs::read(&p).unwrap();
        assert_eq!(u32::from_le_bytes(b[54..58].try_into().unwrap()), 16000);
    }

    #[test]
    fn hash_chain_detects_edits_and_deletions() {
        let a = chain_hash(None, "r1", "aa");
        let b = chain_hash(Some(&a), "r2", "bb");
        let c = chain_hash(Some(&b), "r3", "cc");
        assert_eq!(
            verify_chain([
                ("r1", "aa", a.as_str()),
                ("r2", "bb", b.as_str()),
                ("r3", "cc", c.as_str())
            ]),
            Ok(())
        );
        assert_eq!(
            verify_chain([
                ("r1", "aa", a.as_str()),
                ("r2", "XX", b.as_str()),
                ("r3", "cc", c.as_str())
            ]),
            Err(1)
        );
        assert_eq!(
            verify_chain([("r1", "aa", a.as_str()), ("r3", "cc", c.as_str())]),
            Err(1)
        );
    }
}
