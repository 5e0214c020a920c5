//! A real SMTP server for tests: Debian's `python3-aiosmtpd` writing what it receives into a
//! Maildir, which the test then reads (package installed by `.ci/run`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running SMTP sink.
#[derive(Debug)]
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
    _dir: tempfile::TempDir,
}

/// One received message.
#[derive(Debug, Clone)]
pub struct Received {
    pub raw: String,
    /// The decoded Subject header.
    pub subject: String,
    pub to: String,
    pub message_id: String,
    /// The decoded body.
    pub body: String,
}

impl SmtpSink {
    /// A port nothing listens on now.
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port")
    }

    /// Start `python3 -m aiosmtpd` on a free port.
    pub fn start() -> SmtpSink {
        Self::start_on(Self::free_port())
    }

    /// Start `python3 -m aiosmtpd` on a given port.
    pub fn start_on(port: u16) -> SmtpSink {
        let dir = tempfile::tempdir().expect("temp dir");
        let maildir = dir.path().join("Maildir");
        let child = Command::new("/usr/bin/python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd (apt-get install python3-aiosmtpd)");
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink {
            child,
            port,
            maildir,
            _dir: dir,
        }
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Received> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else {
                continue;
            };
            let mut paths: Vec<PathBuf> =
                entries.filter_map(Result::ok).map(|e| e.path()).collect();
            paths.sort();
            for p in paths {
                if let Ok(raw) = std::fs::read_to_string(&p) {
                    out.push(parse(&raw));
                }
            }
        }
        out
    }

    /// Wait until `n` messages have arrived (or panic after 10 s).
    pub fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {n} messages arrived",
                m.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stop the server (to test retries while it is down).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

fn parse(raw: &str) -> Received {
    let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes());
    let (subject, to, message_id, body) = match &parsed {
        Some(m) => (
            m.subject().unwrap_or_default().to_owned(),
            m.to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_owned(),
            m.message_id().unwrap_or_default().to_owned(),
            m.body_text(0).map(|b| b.into_owned()).unwrap_or_default(),
        ),
        None => Default::default(),
    };
    Received {
        raw: raw.to_owned(),
        subject,
        to,
        message_id,
        body,
    }
}
