//! Shared harness of the interop tests: free ports, sox fixtures, SIPp processes that are
//! killed when dropped, audio frequency checks, and an engine with demo data.
#![allow(dead_code)]

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tongdai_telephony::acd::strategy::{AgentState, AgentStatus};
use tongdai_telephony::flow::Flow;
use tongdai_telephony::store::{AgentRow, QueueRow, TierRow};
use tongdai_telephony::trunk::Trunk;
use tongdai_telephony::{
    Clock, Engine, EngineConfig, EngineHandle, FixedHours, MemoryStore, OpenHours,
};

pub const AGENT_PASSWORD: &str = "s3cret-agent-pw";

/// A free UDP port on 127.0.0.1 (and its +1 for RTCP-ish neighbours).
pub fn free_port() -> u16 {
    loop {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        let p = s.local_addr().unwrap().port();
        if p.is_multiple_of(2)
            && p < 60000
            && UdpSocket::bind(("127.0.0.1", p + 1)).is_ok()
            && std::net::TcpListener::bind(("127.0.0.1", p)).is_ok()
        {
            return p;
        }
    }
}

/// A block of `n` consecutive free even ports.
pub fn free_range(n: u16) -> (u16, u16) {
    'outer: for _ in 0..200 {
        // below the ephemeral range (32768+) that free_port() and SIPp draw from
        let base = 20000 + (rand_u16() % 12000) / 2 * 2;
        for p in base..base + n {
            if UdpSocket::bind(("127.0.0.1", p)).is_err() {
                continue 'outer;
            }
        }
        return (base, base + n);
    }
    panic!("no free port range");
}

fn rand_u16() -> u16 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    (t ^ (std::process::id() << 7)) as u16
}

pub fn sox(args: &[&str]) {
    let st = Command::new("sox")
        .args(args)
        .status()
        .expect("sox (apt-get install sox)");
    assert!(st.success(), "sox {args:?}");
}

/// Make prompt fixtures: every demo prompt is a 600 Hz tone (the greeting fixture), the music
/// on hold 800 Hz, so a caller can tell them apart by frequency.
pub fn make_prompts(dir: &Path, greeting_s: &str) {
    std::fs::create_dir_all(dir).unwrap();
    for (id, _) in tongdai_telephony::flow::DEMO_PROMPTS {
        let out = dir.join(format!("{id}.wav"));
        // closing prompts last longer than the caller scenario's DTMF pause, so the engine's
        // BYE never races it
        let len = match *id {
            "menu_chinh" | "da_ghi_nhan_goi_lai" | "cam_on" => "2",
            _ => greeting_s,
        };
        sox(&[
            "-n",
            "-r",
            "8000",
            "-c",
            "1",
            "-b",
            "16",
            out.to_str().unwrap(),
            "synth",
            len,
            "sine",
            "600",
        ]);
    }
    for w in tongdai_telephony::vi_numbers::FRAGMENTS {
        let out = dir.join(format!(
            "{}.wav",
            tongdai_telephony::vi_numbers::fragment_prompt_id(w)
        ));
        sox(&[
            "-n",
            "-r",
            "8000",
            "-c",
            "1",
            "-b",
            "16",
            out.to_str().unwrap(),
            "synth",
            "0.2",
            "sine",
            "600",
        ]);
    }
    sox(&[
        "-n",
        "-r",
        "8000",
        "-c",
        "1",
        "-b",
        "16",
        dir.join("nhac_cho.wav").to_str().unwrap(),
        "synth",
        "30",
        "sine",
        "800",
    ]);
}

/// SIPp's audio files and scenarios in `dir`.
pub fn make_sipp_dir(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sipp");
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    sox(&[
        "-n",
        "-r",
        "8000",
        "-c",
        "1",
        "-e",
        "a-law",
        "-t",
        "raw",
        dir.join("caller.al").to_str().unwrap(),
        "synth",
        "30",
        "sine",
        "400",
    ]);
    sox(&[
        "-n",
        "-r",
        "8000",
        "-c",
        "1",
        "-e",
        "a-law",
        "-t",
        "raw",
        dir.join("agent.al").to_str().unwrap(),
        "synth",
        "30",
        "sine",
        "1000",
    ]);
    let officer = dir.join("officer.al");
    sox(&[
        "-n",
        "-r",
        "8000",
        "-c",
        "1",
        "-e",
        "a-law",
        "-t",
        "raw",
        officer.to_str().unwrap(),
        "synth",
        "30",
        "sine",
        "1200",
    ]);
}

/// `Rough frequency` and `RMS amplitude` of a (mono) file, from `sox FILE -n stat`.
pub fn tone(file: &Path) -> (f64, f64) {
    let out = Command::new("sox")
        .arg(file)
        .args(["-n", "stat"])
        .output()
        .expect("sox");
    let text = String::from_utf8_lossy(&out.stderr);
    let field = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split(':').nth(1))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    };
    (field("Rough   frequency"), field("RMS     amplitude"))
}

/// Measure one channel (1 = left, 2 = right) of the last `secs` seconds of a recording.
pub fn channel_tail_tone(file: &Path, tmp: &Path, ch: u8, secs: &str) -> (f64, f64) {
    let out = tmp.join(format!("tail{ch}.wav"));
    sox(&[
        file.to_str().unwrap(),
        "-e",
        "signed",
        "-b",
        "16",
        out.to_str().unwrap(),
        "remix",
        &ch.to_string(),
        "trim",
        &format!("-{secs}"),
    ]);
    tone(&out)
}

/// Split a stereo recording and measure both channels.
pub fn stereo_tones(file: &Path, tmp: &Path) -> ((f64, f64), (f64, f64)) {
    let l = tmp.join("left.wav");
    let r = tmp.join("right.wav");
    sox(&[
        file.to_str().unwrap(),
        "-e",
        "signed",
        "-b",
        "16",
        l.to_str().unwrap(),
        "remix",
        "1",
    ]);
    sox(&[
        file.to_str().unwrap(),
        "-e",
        "signed",
        "-b",
        "16",
        r.to_str().unwrap(),
        "remix",
        "2",
    ]);
    (tone(&l), tone(&r))
}

pub fn near(f: f64, want: f64) -> bool {
    (f - want).abs() <= want * 0.05
}

/// A SIPp process killed on drop.
pub struct Sipp {
    pub child: Child,
    pub name: String,
    pub log: PathBuf,
}

impl Sipp {
    /// Start SIPp in `dir` with `args`.
    pub fn start(dir: &Path, name: &str, args: &[String]) -> Sipp {
        let log = dir.join(format!("{name}.log"));
        let f = std::fs::File::create(&log).unwrap();
        let child = Command::new("sipp")
            .current_dir(dir)
            .args(args)
            .stdin(Stdio::null())
            .stdout(f.try_clone().unwrap())
            .stderr(f)
            .spawn()
            .expect("sipp (apt-get install sip-tester)");
        Sipp {
            child,
            name: name.into(),
            log,
        }
    }

    /// Wait for the exit code (bounded).
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Common SIPp arguments: local address, ports, control port, no stdin.
pub fn sipp_args(
    target: Option<SocketAddr>,
    scenario: &str,
    sip_port: u16,
    media_port: u16,
    extra: &[&str],
) -> Vec<String> {
    let mut v: Vec<String> = vec![];
    if let Some(t) = target {
        v.push(t.to_string());
    }
    let cp = free_port();
    for a in [
        "-sf",
        scenario,
        "-i",
        "127.0.0.1",
        "-mi",
        "127.0.0.1",
        "-nostdin",
        "-trace_err",
    ] {
        v.push(a.into());
    }
    v.extend([
        "-p".into(),
        sip_port.to_string(),
        "-mp".into(),
        media_port.to_string(),
        "-cp".into(),
        cp.to_string(),
    ]);
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

pub fn agent(id: &str) -> AgentRow {
    AgentRow {
        id: id.into(),
        display_name: format!("Agent {id}"),
        sip_username: id.into(),
        sip_password: AGENT_PASSWORD.into(),
        status: AgentStatus::LoggedOut,
        state: AgentState::Idle,
        wrap_up_s: Some(0),
    }
}

pub fn queue(id: &str, agents: &[&str], extra: serde_json::Value) -> QueueRow {
    let mut v = serde_json::json!({
        "id": id, "name": id, "strategy": "longest-idle", "ring_timeout_s": 8, "wrap_up_s": 0,
        "announce_every_s": 0,
        "tiers": agents.iter().enumerate().map(|(i, a)| TierRow { agent_id: a.to_string(), level: 1, position: i as u32 }).collect::<Vec<_>>()
    });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            o.insert(k.clone(), x.clone());
        }
    }
    serde_json::from_value(v).unwrap()
}

pub fn demo_trunk() -> Trunk {
    serde_json::from_value(serde_json::json!({
        "id": "demo", "name": "Demo carrier", "allow": ["127.0.0.1/32"], "outbound_proxy": null,
        "dids": ["1800888880", "1800888889", "1800888898"], "hotline_number": "1800888880", "registration": null
    }))
    .unwrap()
}

/// A running engine and its store.
pub struct TestEngine {
    pub engine: EngineHandle,
    pub store: Arc<MemoryStore>,
    pub dir: tempfile::TempDir,
}

pub async fn start_engine(
    flows: Vec<Flow>,
    trunks: Vec<Trunk>,
    agents: Vec<AgentRow>,
    queues: Vec<QueueRow>,
    hours: Arc<dyn OpenHours>,
    clock: Clock,
) -> TestEngine {
    start_engine_with(flows, trunks, agents, queues, hours, clock, |_| {}).await
}

/// As [`start_engine`], with a change to the configuration.
pub async fn start_engine_with(
    flows: Vec<Flow>,
    trunks: Vec<Trunk>,
    agents: Vec<AgentRow>,
    queues: Vec<QueueRow>,
    hours: Arc<dyn OpenHours>,
    clock: Clock,
    tweak: impl FnOnce(&mut EngineConfig),
) -> TestEngine {
    let store = Arc::new(MemoryStore::new(flows, trunks, agents, queues));
    start_engine_on(store, hours, clock, tweak).await
}

/// An engine on a given store (several engines on one store are nodes sharing their state).
pub async fn start_engine_on(
    store: Arc<MemoryStore>,
    hours: Arc<dyn OpenHours>,
    clock: Clock,
    tweak: impl FnOnce(&mut EngineConfig),
) -> TestEngine {
    if std::env::var_os("TONGDAI_TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_env("TONGDAI_TEST_LOG"))
            .with_test_writer()
            .try_init();
    }
    let dir = tempfile::tempdir().unwrap();
    make_prompts(&dir.path().join("prompts"), "1");
    let port = free_port();
    let cfg = EngineConfig {
        sip_udp: SocketAddr::from(([127, 0, 0, 1], port)),
        rtp_ports: free_range(400),
        recordings_dir: dir.path().join("recordings"),
        prompts_dir: dir.path().join("prompts"),
        generate_prompts: false,
        staff_networks: vec![
            "127.0.0.1/32".parse().unwrap(),
            "127.0.0.2/32".parse().unwrap(),
        ],
        ..Default::default()
    };
    let mut cfg = cfg;
    tweak(&mut cfg);
    let engine = Engine::start(cfg, store.clone(), hours, clock)
        .await
        .expect("engine starts");
    TestEngine { engine, store, dir }
}

pub fn open() -> Arc<dyn OpenHours> {
    Arc::new(FixedHours(true))
}

/// Wait until `f` holds (bounded).
pub async fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    f()
}

/// Log an agent in to its queues through the engine's command API.
pub async fn login(e: &tongdai_telephony::EngineHandle, agent: &str) {
    use tongdai_telephony::api::{Command as EngineCommand, CommandRequest};
    let r = e
        .command(CommandRequest {
            idempotency_key: format!("login-{agent}"),
            command: EngineCommand::AgentLogin {
                agent_id: agent.into(),
            },
        })
        .await;
    assert!(r.is_ok(), "{r:?}");
}

/// Register `user`'s phone (SIPp, digest auth) with an engine; the phone then listens on
/// `port`. Returns SIPp's exit code.
pub fn register(
    dir: &Path,
    engine: SocketAddr,
    user: &str,
    port: u16,
    password: &str,
) -> Option<i32> {
    let args = sipp_args(
        Some(engine),
        "uac_register.xml",
        port,
        free_port(),
        &["-s", user, "-au", user, "-ap", password, "-m", "1"],
    );
    let mut r = Sipp::start(dir, &format!("register-{user}"), &args);
    r.wait(Duration::from_secs(15))
}

/// The interop tests' queues: `tthc` staffed by agent1, `pakn` and `general` by agent2.
pub fn demo_queues() -> Vec<QueueRow> {
    vec![
        queue("tthc", &["agent1"], serde_json::json!({})),
        queue("pakn", &["agent2"], serde_json::json!({})),
        queue("general", &["agent2"], serde_json::json!({})),
    ]
}

/// A baresip caller's configuration folder: it speaks a 400 Hz tone (`caller_400.wav`), plays
/// nothing, and dumps what it hears and sends into `rec/` (`-dec.wav`, `-enc.wav`).
pub fn baresip_dir(dir: &Path, sip_port: u16, rtp: (u16, u16)) {
    std::fs::create_dir_all(dir.join("rec")).unwrap();
    sox(&[
        "-n",
        "-r",
        "8000",
        "-c",
        "1",
        "-b",
        "16",
        dir.join("caller_400.wav").to_str().unwrap(),
        "synth",
        "30",
        "sine",
        "400",
    ]);
    let config = format!(
        "sip_listen 127.0.0.1:{sip_port}\nsip_transports udp\naudio_source aufile,caller_400.wav\naudio_player alsa,null\naudio_alert alsa,null\nrtp_ports {}-{}\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule aufile.so\nmodule sndfile.so\nmodule alsa.so\nmodule_app account.so\nmodule_app menu.so\nsnd_path rec\n",
        rtp.0, rtp.1
    );
    std::fs::write(dir.join("config"), config).unwrap();
    std::fs::write(
        dir.join("accounts"),
        format!("<sip:0912345678@127.0.0.1:{sip_port}>;regint=0;audio_codecs=PCMA\n"),
    )
    .unwrap();
}

/// `(frequency, RMS)` of each `win_ms` window of a file (one channel of it with `ch`), from
/// zero crossings on 8 kHz 16-bit samples made by sox: `tone` for the sequence of a call.
pub fn windows(file: &Path, tmp: &Path, ch: Option<u8>, win_ms: u32) -> Vec<(f64, f64)> {
    let raw = tmp.join(format!(
        "{}-{}.raw",
        file.file_stem().unwrap().to_string_lossy(),
        ch.unwrap_or(0)
    ));
    let mut args = vec![
        file.to_str().unwrap().to_string(),
        "-t".into(),
        "raw".into(),
        "-e".into(),
        "signed".into(),
        "-b".into(),
        "16".into(),
        "-c".into(),
        "1".into(),
        "-r".into(),
        "8000".into(),
        raw.to_str().unwrap().to_string(),
    ];
    if let Some(c) = ch {
        args.extend(["remix".into(), c.to_string()]);
    }
    sox(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let bytes = std::fs::read(&raw).unwrap();
    let samples: Vec<f64> = bytes
        .chunks_exact(2)
        .map(|b| f64::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect();
    let n = (8 * win_ms) as usize;
    samples
        .chunks_exact(n)
        .map(|w| {
            let rms = (w.iter().map(|x| x * x).sum::<f64>() / n as f64).sqrt();
            let crossings = w
                .windows(2)
                .filter(|p| (p[0] < 0.0) != (p[1] < 0.0))
                .count();
            let freq = crossings as f64 / 2.0 / (f64::from(win_ms) / 1000.0);
            (freq, rms)
        })
        .collect()
}

/// The longest run of consecutive windows for which `f` holds: (start index, length).
pub fn longest_run(w: &[(f64, f64)], f: impl Fn(f64, f64) -> bool) -> (usize, usize) {
    let (mut best, mut start, mut len) = ((0, 0), 0, 0);
    for (i, (freq, rms)) in w.iter().enumerate() {
        if f(*freq, *rms) {
            if len == 0 {
                start = i;
            }
            len += 1;
            if len > best.1 {
                best = (start, len);
            }
        } else {
            len = 0;
        }
    }
    best
}
