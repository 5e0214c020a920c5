//! SIPp for the web tests that run the engine inside the application: free ports, SIPp
//! processes killed when dropped, the telephony crate's scenarios, and the tones they stream.
//! Needs `sipp` (Debian `sip-tester`) and `sox`.

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A port free for both UDP and TCP, below the kernel's range of ephemeral ports (32768 and up),
/// so that no outgoing connection takes it before the phone binds it: baresip listens for SIP
/// on both transports.
pub fn free_sip_port() -> u16 {
    let start = 20_000 + (std::process::id() as u16 % 6_000) + (free_port() % 4_000);
    (start..32_000)
        .chain(20_000..start)
        .find(|p| {
            UdpSocket::bind(("127.0.0.1", *p)).is_ok()
                && std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok()
        })
        .expect("a free port for SIP")
}

/// A SIPp process, killed when dropped.
pub struct Sipp {
    child: Child,
    log: PathBuf,
}

impl Sipp {
    pub fn start(dir: &Path, name: &str, args: &[String]) -> Sipp {
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).expect("log file");
        let child = Command::new("sipp")
            .current_dir(dir)
            .args(args)
            .stdout(Stdio::null())
            .stderr(out)
            .spawn()
            .expect("sipp (apt-get install sip-tester)");
        Sipp { child, log }
    }

    /// The exit code (bounded wait).
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s.code();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    /// Its output and the error logs of the SIPp runs in its folder.
    pub fn log_text(&self) -> String {
        let mut t = std::fs::read_to_string(&self.log).unwrap_or_default();
        for e in std::fs::read_dir(self.log.parent().unwrap())
            .into_iter()
            .flatten()
            .flatten()
        {
            if e.file_name().to_string_lossy().ends_with("_errors.log") {
                t.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
            }
        }
        t
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SIPp's arguments for one of the telephony crate's scenarios, on 127.0.0.1 with free media
/// and control ports.
pub fn sipp_args(
    target: Option<SocketAddr>,
    scenario: &str,
    port: u16,
    extra: &[&str],
) -> Vec<String> {
    let mut v: Vec<String> = target.map(|t| t.to_string()).into_iter().collect();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../telephony/tests/sipp")
        .join(scenario);
    v.extend(
        [
            "-sf",
            scenario.to_str().expect("path"),
            "-i",
            "127.0.0.1",
            "-mi",
            "127.0.0.1",
            "-nostdin",
            "-trace_err",
        ]
        .map(String::from),
    );
    v.extend([
        "-p".into(),
        port.to_string(),
        "-mp".into(),
        free_port().to_string(),
        "-cp".into(),
        free_port().to_string(),
    ]);
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// A tone as raw A-law in `dir` (`caller.al` 400 Hz, `agent.al` 1000 Hz: what the scenarios
/// stream).
pub fn tone(dir: &Path, file: &str, hz: &str) {
    let ok = Command::new("sox")
        .args(["-n", "-r", "8000", "-c", "1", "-e", "a-law", "-t", "raw"])
        .arg(dir.join(file))
        .args(["synth", "60", "sine", hz])
        .status()
        .expect("sox (apt-get install sox)")
        .success();
    assert!(ok, "sox made {file}");
}
