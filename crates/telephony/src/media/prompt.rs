//! Prompts and music on hold: WAV files loaded once and pre-encoded for both laws, so the
//! pacer only copies bytes. Missing demo prompts are generated at first start with
//! espeak-ng (Vietnamese voice) and sox; recorded human voices are better, replace the files.

use super::g711::Law;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// One prompt, pre-encoded.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub alaw: Arc<[u8]>,
    pub ulaw: Arc<[u8]>,
}

impl Prompt {
    /// From linear samples.
    pub fn from_linear(samples: &[i16]) -> Prompt {
        Prompt {
            alaw: samples.iter().map(|s| Law::Alaw.encode(*s)).collect(),
            ulaw: samples.iter().map(|s| Law::Ulaw.encode(*s)).collect(),
        }
    }
    /// The bytes in `law`.
    pub fn bytes(&self, law: Law) -> &Arc<[u8]> {
        match law {
            Law::Alaw => &self.alaw,
            Law::Ulaw => &self.ulaw,
        }
    }
    /// Length in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.alaw.len() as u64 / 8
    }
}

/// Why a prompt file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("{0}: not a WAV file we can play (8 kHz mono, 16-bit PCM, A-law or µ-law)")]
    Format(String),
    #[error("prompt generation failed: {0}")]
    Generate(String),
}

/// Parse a WAV file: 8 kHz mono, PCM 16-bit (format 1), A-law (6) or µ-law (7).
pub fn parse_wav(bytes: &[u8]) -> Option<Vec<i16>> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return None;
    }
    let mut off = 12;
    let mut fmt: Option<(u16, u16, u32, u16)> = None;
    while off + 8 <= bytes.len() {
        let id = &bytes[off..off + 4];
        let len = u32::from_le_bytes([
            bytes[off + 4],
            bytes[off + 5],
            bytes[off + 6],
            bytes[off + 7],
        ]) as usize;
        let body_start = off + 8;
        let body_end = body_start.checked_add(len)?.min(bytes.len());
        let body = &bytes[body_start..body_end];
        if id == b"fmt " && body.len() >= 16 {
            let tag = u16::from_le_bytes([body[0], body[1]]);
            let ch = u16::from_le_bytes([body[2], body[3]]);
            let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
            let bits = u16::from_le_bytes([body[14], body[15]]);
            fmt = Some((tag, ch, rate, bits));
        } else if id == b"data" {
            let (tag, ch, rate, bits) = fmt?;
            if ch != 1 || rate != 8000 {
                return None;
            }
            return match (tag, bits) {
                (1, 16) => Some(
                    body.chunks_exact(2)
                        .map(|c| i16::from_le_bytes([c[0], c[1]]))
                        .collect(),
                ),
                (6, 8) => Some(body.iter().map(|b| Law::Alaw.decode(*b)).collect()),
                (7, 8) => Some(body.iter().map(|b| Law::Ulaw.decode(*b)).collect()),
                (0xFFFE, 16) => Some(
                    body.chunks_exact(2)
                        .map(|c| i16::from_le_bytes([c[0], c[1]]))
                        .collect(),
                ),
                _ => None,
            };
        }
        off = body_start + len + (len & 1);
    }
    None
}

/// All prompts of a directory (`<id>.wav`).
#[derive(Debug, Default, Clone)]
pub struct PromptSet {
    map: HashMap<String, Arc<Prompt>>,
}

impl PromptSet {
    /// Load every `*.wav` of `dir`; unreadable files are logged and skipped.
    pub fn load_dir(dir: &Path) -> Result<PromptSet, PromptError> {
        let mut map = HashMap::new();
        let rd =
            std::fs::read_dir(dir).map_err(|e| PromptError::Io(dir.display().to_string(), e))?;
        for entry in rd.flatten() {
            let p = entry.path();
            if p.extension().and_then(|e| e.to_str()) != Some("wav") {
                continue;
            }
            let Some(id) = p.file_stem().and_then(|s| s.to_str()).map(str::to_string) else {
                continue;
            };
            let bytes = match std::fs::read(&p) {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(file = %p.display(), error = %e, "prompt unreadable");
                    continue;
                }
            };
            match parse_wav(&bytes) {
                Some(samples) => {
                    map.insert(id, Arc::new(Prompt::from_linear(&samples)));
                }
                None => {
                    tracing::warn!(file = %p.display(), "prompt is not 8 kHz mono WAV; skipped")
                }
            }
        }
        Ok(PromptSet { map })
    }
    pub fn get(&self, id: &str) -> Option<Arc<Prompt>> {
        self.map.get(id).cloned()
    }
    pub fn contains(&self, id: &str) -> bool {
        self.map.contains_key(id)
    }
    pub fn insert(&mut self, id: &str, p: Prompt) {
        self.map.insert(id.to_string(), Arc::new(p));
    }
    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Generate the missing demo prompts (Vietnamese, espeak-ng `-v vi`, then sox to 8 kHz mono
/// 16-bit), the number fragments, and a music-on-hold file if absent.
pub fn ensure_demo_prompts(dir: &Path) -> Result<usize, PromptError> {
    std::fs::create_dir_all(dir).map_err(|e| PromptError::Io(dir.display().to_string(), e))?;
    let mut texts: Vec<(String, String)> = crate::flow::DEMO_PROMPTS
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    for w in crate::vi_numbers::FRAGMENTS {
        texts.push((crate::vi_numbers::fragment_prompt_id(w), w.to_string()));
    }
    let mut made = 0;
    for (id, text) in texts {
        let out = dir.join(format!("{id}.wav"));
        if out.exists() || id == "nhac_cho" {
            continue;
        }
        let raw = dir.join(format!(".{id}.espeak.wav"));
        run(
            "espeak-ng",
            &["-v", "vi", "-s", "150", "-w", path_str(&raw)?, &text],
        )?;
        run(
            "sox",
            &[
                path_str(&raw)?,
                "-r",
                "8000",
                "-c",
                "1",
                "-b",
                "16",
                path_str(&out)?,
            ],
        )?;
        let _ = std::fs::remove_file(&raw);
        made += 1;
    }
    let moh = dir.join("nhac_cho.wav");
    if !moh.exists() {
        // a calm two-note chime as placeholder music on hold
        run(
            "sox",
            &[
                "-n",
                "-r",
                "8000",
                "-c",
                "1",
                "-b",
                "16",
                path_str(&moh)?,
                "synth",
                "0.6",
                "sine",
                "523",
                "sine",
                "659",
                "vol",
                "0.3",
                "repeat",
                "24",
            ],
        )?;
        made += 1;
    }
    Ok(made)
}

fn path_str(p: &Path) -> Result<&str, PromptError> {
    p.to_str()
        .ok_or_else(|| PromptError::Generate(format!("non-UTF-8 path {}", p.display())))
}

fn run(cmd: &str, args: &[&str]) -> Result<(), PromptError> {
    let out = std::process::Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| PromptError::Generate(format!("{cmd}: {e} (install espeak-ng and sox)")))?;
    if !out.status.success() {
        return Err(PromptError::Generate(format!(
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pcm_wav_and_rejects_other_rates() {
        let mut w = Vec::new();
        let samples: Vec<i16> = (0..160).map(|i| (i * 100) as i16).collect();
        let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        w.extend_from_slice(b"RIFF");
        w.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
        w.extend_from_slice(b"WAVEfmt ");
        w.extend_from_slice(&16u32.to_le_bytes());
        w.extend_from_slice(&1u16.to_le_bytes());
        w.extend_from_slice(&1u16.to_le_bytes());
        w.extend_from_slice(&8000u32.to_le_bytes());
        w.extend_from_slice(&16000u32.to_le_bytes());
        w.extend_from_slice(&2u16.to_le_bytes());
        w.extend_from_slice(&16u16.to_le_bytes());
        w.extend_from_slice(b"data");
        w.extend_from_slice(&(data.len() as u32).to_le_bytes());
        w.extend_from_slice(&data);
        assert_eq!(parse_wav(&w), Some(samples));
        w[24..28].copy_from_slice(&16000u32.to_le_bytes());
        assert_eq!(parse_wav(&w), None);
    }

    /// The demo prompts are generated with espeak-ng (Vietnamese) + sox when missing, load
    /// as 8 kHz prompts, and satisfy the demo flow's validation (TEL-2).
    #[test]
    fn demo_prompts_are_generated_with_espeak_ng() {
        let dir = tempfile::tempdir().unwrap();
        let made = ensure_demo_prompts(dir.path()).expect("espeak-ng and sox installed");
        assert!(made >= crate::flow::DEMO_PROMPTS.len());
        let set = PromptSet::load_dir(dir.path()).unwrap();
        let flow = crate::flow::demo_flow("demo", &["1800888880"]);
        crate::flow::validate(&flow, |p| set.contains(p)).unwrap();
        let greeting = set.get("loi_chao").unwrap();
        assert!(
            greeting.duration_ms() > 2000,
            "a spoken sentence, not a stub"
        );
        assert_eq!(
            ensure_demo_prompts(dir.path()).unwrap(),
            0,
            "existing files are kept"
        );
    }

    proptest::proptest! {
        #[test]
        fn parse_wav_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let mut b = b"RIFF\0\0\0\0WAVE".to_vec();
            b.extend(bytes);
            let _ = parse_wav(&b);
        }
    }
}
