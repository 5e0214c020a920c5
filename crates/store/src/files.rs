//! Uploaded files (attachments, prompts, recordings' exports): stored on disk by content hash,
//! their type checked from the bytes, never from the name (CASE-1, issue 4 point 14).
//!
//! Files are written to a temporary name, flushed and renamed, so a crash never leaves a
//! half-written file under a final name; the database row that refers to a file is written
//! after the file exists.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file type recognised from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    Docx,
    Xlsx,
    /// Legacy Word/Excel (OLE compound file).
    OfficeLegacy,
    Wav,
    Mp3,
}

impl FileType {
    /// The MIME type served back.
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::OfficeLegacy => "application/octet-stream",
            FileType::Wav => "audio/wav",
            FileType::Mp3 => "audio/mpeg",
        }
    }

    /// A short label for messages.
    pub fn label(self) -> &'static str {
        match self {
            FileType::Pdf => "PDF",
            FileType::Jpeg => "JPEG",
            FileType::Png => "PNG",
            FileType::Docx => "DOCX",
            FileType::Xlsx => "XLSX",
            FileType::OfficeLegacy => "DOC/XLS",
            FileType::Wav => "WAV",
            FileType::Mp3 => "MP3",
        }
    }

    /// The types the national PAKN form accepts (JPG, PDF, DOC(X), XLS(X)) plus PNG.
    pub const ATTACHMENTS: &'static [FileType] = &[
        FileType::Pdf,
        FileType::Jpeg,
        FileType::Png,
        FileType::Docx,
        FileType::Xlsx,
        FileType::OfficeLegacy,
    ];
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Recognise a file from its content.
pub fn sniff(bytes: &[u8]) -> Option<FileType> {
    let starts = |p: &[u8]| bytes.starts_with(p);
    if starts(b"%PDF-") {
        Some(FileType::Pdf)
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(FileType::Jpeg)
    } else if starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(FileType::Png)
    } else if starts(b"PK\x03\x04") {
        // Office Open XML: the part names are stored uncompressed in the ZIP headers.
        if contains(bytes, b"word/") {
            Some(FileType::Docx)
        } else if contains(bytes, b"xl/") {
            Some(FileType::Xlsx)
        } else {
            None
        }
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some(FileType::OfficeLegacy)
    } else if starts(b"RIFF") && bytes.len() >= 12 && &bytes[8..12] == b"WAVE" {
        Some(FileType::Wav)
    } else if starts(b"ID3") || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) {
        Some(FileType::Mp3)
    } else {
        None
    }
}

/// Why an upload was refused (Vietnamese messages, shown on forms).
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("Tệp «{name}» quá lớn ({size} byte; tối đa {max} byte).")]
    TooLarge {
        name: String,
        size: usize,
        max: usize,
    },
    #[error("Tệp «{name}» rỗng.")]
    Empty { name: String },
    #[error(
        "Tệp «{name}» không thuộc loại được chấp nhận ({allowed}); nội dung tệp đã được kiểm tra, không chỉ tên tệp."
    )]
    WrongType { name: String, allowed: String },
    #[error("Không ghi được tệp: {0}")]
    Io(#[from] std::io::Error),
}

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub size: usize,
    pub file_type: FileType,
    /// The name the user gave, cleaned for display.
    pub original_name: String,
}

/// Files on disk under a root directory, addressed by SHA-256.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// A display-safe file name: no directories, no control characters, at most 120 characters.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if cleaned.trim().is_empty() {
        "tep-dinh-kem".into()
    } else {
        cleaned.trim().to_owned()
    }
}

impl FileStore {
    /// A store under `root` (created when needed).
    pub fn new(root: impl Into<PathBuf>) -> FileStore {
        FileStore { root: root.into() }
    }

    fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2.min(sha256.len())]).join(sha256)
    }

    /// Check and store an upload: size limit, type from the content, then a crash-safe write.
    pub fn put(
        &self,
        name: &str,
        bytes: &[u8],
        allowed: &[FileType],
        max_size: usize,
    ) -> Result<StoredFile, UploadError> {
        let original_name = clean_name(name);
        if bytes.is_empty() {
            return Err(UploadError::Empty {
                name: original_name,
            });
        }
        if bytes.len() > max_size {
            return Err(UploadError::TooLarge {
                name: original_name,
                size: bytes.len(),
                max: max_size,
            });
        }
        let file_type = sniff(bytes)
            .filter(|t| allowed.contains(t))
            .ok_or_else(|| UploadError::WrongType {
                name: original_name.clone(),
                allowed: allowed
                    .iter()
                    .map(|t| t.label())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        let sha256 = data_encoding::HEXLOWER.encode(&Sha256::digest(bytes));
        let path = self.path_of(&sha256);
        if !path.exists() {
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)?;
            let tmp = dir.join(format!(".{sha256}.{}.tmp", std::process::id()));
            {
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(bytes)?;
                f.sync_all()?;
            }
            std::fs::rename(&tmp, &path)?;
        }
        Ok(StoredFile {
            sha256,
            size: bytes.len(),
            file_type,
            original_name,
        })
    }

    /// Read a stored file back, checking its hash.
    pub fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a SHA-256",
            ));
        }
        let bytes = std::fs::read(self.path_of(sha256))?;
        if data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes)) != sha256 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "file content changed on disk",
            ));
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_content_not_the_name() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some(FileType::Pdf));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some(FileType::Jpeg));
        assert_eq!(
            sniff(b"PK\x03\x04....word/document.xml"),
            Some(FileType::Docx)
        );
        assert_eq!(
            sniff(b"PK\x03\x04....xl/workbook.xml"),
            Some(FileType::Xlsx)
        );
        assert_eq!(sniff(b"PK\x03\x04....other.txt"), None);
        assert_eq!(sniff(b"MZ\x90\x00 an executable"), None);
        assert_eq!(sniff(b"<html><script>"), None);
    }

    #[test]
    fn stores_checks_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::new(dir.path());
        let pdf = b"%PDF-1.4 hello".to_vec();
        let f = fs
            .put(
                "../../etc/Đơn kiến nghị.pdf",
                &pdf,
                FileType::ATTACHMENTS,
                1000,
            )
            .unwrap();
        assert_eq!(f.original_name, "Đơn kiến nghị.pdf");
        assert_eq!(f.file_type, FileType::Pdf);
        assert_eq!(fs.get(&f.sha256).unwrap(), pdf);
        assert!(matches!(
            fs.put("a.pdf", b"MZ not a pdf", FileType::ATTACHMENTS, 1000),
            Err(UploadError::WrongType { .. })
        ));
        assert!(matches!(
            fs.put("a.pdf", &pdf, FileType::ATTACHMENTS, 5),
            Err(UploadError::TooLarge { .. })
        ));
        assert!(matches!(
            fs.put("a.pdf", b"", FileType::ATTACHMENTS, 5),
            Err(UploadError::Empty { .. })
        ));
        assert!(fs.get("../../etc/passwd").is_err());
        // Tampering on disk is detected.
        std::fs::write(
            dir.path().join(&f.sha256[..2]).join(&f.sha256),
            b"%PDF-changed",
        )
        .unwrap();
        assert!(fs.get(&f.sha256).is_err());
    }
}
