//! Load bench (design §13–14 j): concurrent recorded bridged calls through the engine.
//! SIPp UAC (citizens) → engine (answer, notice, queue, ring agent, bridge, record) → SIPp
//! UAS (agents, all registered with digest auth from one port). Prints engine CPU per call
//! over a window at full concurrency, RSS, set-up rate, SIPp success/failure, and RTP
//! received/lost/late counted on the engine side.
//!
//! Run: `cargo bench -p tongdai-telephony --bench media_load` (needs `sipp` and `sox`).
//! Knobs: CALLS (concurrent, 100), RATE (calls/s, 10), HOLD_MS (30000), WINDOW_S (20).

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tongdai_telephony::acd::strategy::{AgentState, AgentStatus};
use tongdai_telephony::api::{Command as Cmd, CommandRequest};
use tongdai_telephony::store::{AgentRow, QueueRow, TierRow};
use tongdai_telephony::{Clock, Engine, EngineConfig, FixedHours, MemoryStore};

fn env(name: &str, d: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

fn sox(args: &[&str]) {
    let ok = Command::new("sox")
        .args(args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "sox {args:?}");
}

fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

fn cpu_ticks(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some(i) = s.rfind(')') else { return 0 };
    let f: Vec<&str> = s[i + 2..].split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

fn rss_mb() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn sipp(dir: &Path, args: &[String], log: &str) -> Child {
    let f = std::fs::File::create(dir.join(log)).expect("log");
    Command::new("sipp")
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(f.try_clone().expect("log"))
        .stderr(f)
        .spawn()
        .expect("sipp (apt-get install sip-tester)")
}

fn last_csv(path: &Path, col: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines.next()?.split(';').collect();
    let idx = header.iter().position(|h| *h == col)?;
    lines.next_back()?.split(';').nth(idx)?.trim().parse().ok()
}

/// `SERVE_S=N`: run the engine alone for N seconds on `SIP_PORT` (default 5070) for the
/// media-baseline harness (`run.sh` mode `ext`): every call to 1800888880 is answered, hears
/// the notice, and is transferred through a "trunk" to the SIPp agent at 127.0.0.1:5090,
/// recorded. Prints the engine's RTP counters at the end.
fn serve(seconds: u64) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let tmp = tempfile::tempdir().expect("tmp");
        let prompts = tmp.path().join("prompts");
        std::fs::create_dir_all(&prompts).expect("dir");
        sox(&["-n", "-r", "8000", "-c", "1", "-b", "16", prompts.join("notice.wav").to_str().unwrap_or(""), "synth", "0.5", "sine", "600"]);
        sox(&["-n", "-r", "8000", "-c", "1", "-b", "16", prompts.join("nhac_cho.wav").to_str().unwrap_or(""), "synth", "10", "sine", "800"]);
        let flow = serde_json::from_value(serde_json::json!({
            "id": "ext", "version": 1, "dids": ["1800888880"], "start": "a",
            "nodes": { "a": {"type": "answer", "next": "n"}, "n": {"type": "notice", "prompt": "notice", "next": "x"},
                       "x": {"type": "transfer", "target": "0912345678", "on_failed": "bye"},
                       "bye": {"type": "hangup"} }
        })).expect("flow");
        let trunk = serde_json::from_value(serde_json::json!({"id": "t", "name": "t", "allow": ["127.0.0.1/32"], "outbound_proxy": "127.0.0.1:5090", "dids": ["1800888880"], "hotline_number": "1800888880", "registration": null, "max_concurrent": 100000, "max_cps": 1000})).expect("trunk");
        let store = Arc::new(MemoryStore::new(vec![flow], vec![trunk], vec![], vec![]));
        let port = env("SIP_PORT", 5070) as u16;
        let cfg = EngineConfig {
            sip_udp: SocketAddr::from(([127, 0, 0, 1], port)),
            rtp_ports: (41000, 61000),
            recordings_dir: tmp.path().join("rec"),
            prompts_dir: prompts,
            generate_prompts: false,
            staff_networks: vec![],
            guard: tongdai_telephony::guard::GuardLimits { invites_per_ip_per_s: 1000.0, requests_per_ip_per_s: 1000.0, global_cps: 1000.0, ..Default::default() },
            max_calls: 10_000,
            trunk_options_interval_s: 100_000,
            ..Default::default()
        };
        let engine = Engine::start(cfg, store, Arc::new(FixedHours(true)), Clock::system()).await.expect("engine");
        println!("engine pid {} listening on {}", std::process::id(), engine.sip_addr());
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        engine.shutdown(Duration::from_secs(5)).await;
        let st = engine.stats();
        let lossp = st.rx_lost as f64 / (st.rx_packets + st.rx_lost).max(1) as f64 * 100.0;
        println!("calls {} finished {}; RTP received {} lost {} ({lossp:.3} %) late {} relayed {}; RSS {:.1} MB", st.calls_started, st.calls_finished, st.rx_packets, st.rx_lost, st.rx_late, st.relayed_packets, rss_mb());
    });
}

fn main() {
    if let Some(s) = std::env::var("SERVE_S").ok().and_then(|v| v.parse().ok()) {
        return serve(s);
    }
    let calls = env("CALLS", 100);
    let rate = env("RATE", 10);
    let hold_ms = env("HOLD_MS", 30000);
    let window_s = env("WINDOW_S", 20);
    let total = calls * 2;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path();
        let prompts = dir.join("prompts");
        std::fs::create_dir_all(&prompts).expect("dir");
        sox(&["-n", "-r", "8000", "-c", "1", "-b", "16", prompts.join("notice.wav").to_str().unwrap_or(""), "synth", "0.5", "sine", "600"]);
        sox(&["-n", "-r", "8000", "-c", "1", "-b", "16", prompts.join("nhac_cho.wav").to_str().unwrap_or(""), "synth", "10", "sine", "800"]);
        let sdir = dir.join("sipp");
        std::fs::create_dir_all(&sdir).expect("dir");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sipp");
        for f in ["uac_load.xml", "uas_agent.xml", "uac_register.xml"] {
            std::fs::copy(src.join(f), sdir.join(f)).expect("copy scenario");
        }
        sox(&["-n", "-r", "8000", "-c", "1", "-e", "a-law", "-t", "raw", sdir.join("caller.al").to_str().unwrap_or(""), "synth", "30", "sine", "400"]);
        sox(&["-n", "-r", "8000", "-c", "1", "-e", "a-law", "-t", "raw", sdir.join("agent.al").to_str().unwrap_or(""), "synth", "30", "sine", "1000"]);
        let agents: Vec<AgentRow> = (0..calls).map(|i| AgentRow { id: format!("a{i}"), display_name: format!("a{i}"), sip_username: format!("a{i}"), sip_password: "benchpw".into(), status: AgentStatus::LoggedOut, state: AgentState::Idle, wrap_up_s: Some(0) }).collect();
        let queue: QueueRow = serde_json::from_value(serde_json::json!({
            "id": "bench", "name": "bench", "strategy": "longest-idle", "ring_timeout_s": 20, "wrap_up_s": 0, "announce_every_s": 0,
            "max_len": 5000, "join_empty": true,
            "tiers": agents.iter().enumerate().map(|(i, a)| TierRow { agent_id: a.id.clone(), level: 1, position: i as u32 }).collect::<Vec<_>>()
        })).expect("queue");
        let flow = serde_json::from_value(serde_json::json!({
            "id": "bench", "version": 1, "dids": ["1800888880"], "start": "a",
            "nodes": { "a": {"type": "answer", "next": "n"}, "n": {"type": "notice", "prompt": "notice", "next": "q"},
                       "q": {"type": "queue", "queue": "bench"} }
        })).expect("flow");
        let trunk = serde_json::from_value(serde_json::json!({"id": "t", "name": "t", "allow": ["127.0.0.1/32"], "outbound_proxy": null, "dids": ["1800888880"], "hotline_number": "1800888880", "registration": null, "max_concurrent": 100000, "max_cps": 1000})).expect("trunk");
        let store = Arc::new(MemoryStore::new(vec![flow], vec![trunk], agents.clone(), vec![queue]));
        let base = 40000 + (std::process::id() as u16 % 100) * 100;
        let cfg = EngineConfig {
            sip_udp: SocketAddr::from(([127, 0, 0, 1], free_port())),
            rtp_ports: (base, base + 16000),
            recordings_dir: dir.join("rec"),
            prompts_dir: prompts,
            generate_prompts: false,
            staff_networks: vec!["127.0.0.0/8".parse().expect("cidr")],
            guard: tongdai_telephony::guard::GuardLimits { invites_per_ip_per_s: 1000.0, requests_per_ip_per_s: 1000.0, global_cps: 1000.0, ..Default::default() },
            max_calls: 10_000,
            ..Default::default()
        };
        let engine = Engine::start(cfg, store.clone(), Arc::new(FixedHours(true)), Clock::system()).await.expect("engine");
        let target = engine.sip_addr().to_string();
        let agent_port = free_port();
        let cp = |n: u16| (free_port() / 2 * 2 + n).to_string();
        // one REGISTER per phone (SIPp's [authentication] takes no per-call fields), all from
        // the agents' UAS port so every INVITE lands on the one UAS
        for a in &agents {
            let mut reg = sipp(&sdir, &[target.clone(), "-sf".into(), "uac_register.xml".into(), "-s".into(), a.sip_username.clone(), "-au".into(), a.sip_username.clone(), "-ap".into(), "benchpw".into(), "-m".into(), "1".into(), "-i".into(), "127.0.0.1".into(), "-p".into(), agent_port.to_string(), "-cp".into(), cp(0), "-nostdin".into(), "-trace_err".into(), "-error_file".into(), "register_err.log".into()], "register.log");
            let _ = reg.wait();
        }
        for a in &agents {
            engine.command(CommandRequest { idempotency_key: format!("login-{}", a.id), command: Cmd::AgentLogin { agent_id: a.id.clone() } }).await;
        }
        let registered = engine.registrations().len();
        println!("registered phones: {registered} of {calls}");
        if registered < calls as usize {
            let log = std::fs::read_to_string(sdir.join("register.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            println!("register.log (last lines, reversed):\n{}", tail.join("\n"));
            let err = std::fs::read_to_string(sdir.join("register_err.log")).unwrap_or_default();
            println!("register errors:\n{}", err.chars().take(3000).collect::<String>());
        }
        let mut uas = sipp(&sdir, &["-sf".into(), "uas_agent.xml".into(), "-i".into(), "127.0.0.1".into(), "-mi".into(), "127.0.0.1".into(), "-p".into(), agent_port.to_string(), "-mp".into(), free_port().to_string(), "-cp".into(), cp(1), "-nostdin".into(), "-m".into(), total.to_string(), "-trace_stat".into(), "-fd".into(), "1".into(), "-stf".into(), "uas.csv".into()], "uas.log");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let t0 = Instant::now();
        let mut uac = sipp(&sdir, &[target.clone(), "-sf".into(), "uac_load.xml".into(), "-s".into(), "1800888880".into(), "-d".into(), hold_ms.to_string(), "-r".into(), rate.to_string(), "-l".into(), calls.to_string(), "-m".into(), total.to_string(), "-i".into(), "127.0.0.1".into(), "-mi".into(), "127.0.0.1".into(), "-p".into(), free_port().to_string(), "-mp".into(), free_port().to_string(), "-cp".into(), cp(2), "-nostdin".into(), "-trace_stat".into(), "-fd".into(), "1".into(), "-stf".into(), "uac.csv".into()], "uac.log");
        let ramp = calls.div_ceil(rate);
        tokio::time::sleep(Duration::from_secs(ramp + 4)).await;
        let me = std::process::id();
        let hz = 100.0; // USER_HZ on Linux
        let (c0, u0, s0, w0) = (cpu_ticks(me), cpu_ticks(uac.id()), cpu_ticks(uas.id()), Instant::now());
        let active0 = engine.stats().active_calls;
        tokio::time::sleep(Duration::from_secs(window_s)).await;
        let secs = w0.elapsed().as_secs_f64();
        let (c1, u1, s1) = (cpu_ticks(me), cpu_ticks(uac.id()), cpu_ticks(uas.id()));
        let st = engine.stats();
        let active = active0.min(st.active_calls).max(1);
        let pct = |a: u64, b: u64| (b.saturating_sub(a)) as f64 / hz / secs * 100.0;
        let engine_pct = pct(c0, c1);
        println!("calls up in window: {active0}..{} (recorded bridged calls)", st.active_calls);
        println!("engine CPU: {:.1} % of one core = {:.4} % per call ({:.1} % per 100 calls)", engine_pct, engine_pct / active as f64, engine_pct / active as f64 * 100.0);
        println!("SIPp UAC CPU {:.1} %, UAS CPU {:.1} % (generators, same machine)", pct(u0, u1), pct(s0, s1));
        println!("engine RSS: {:.1} MB ({:.2} MB per call up), pacer late ticks {}, recorders {}", rss_mb(), rss_mb() / active as f64, st.pacer_late_ticks, st.recorders);
        let deadline = Instant::now() + Duration::from_millis(2 * hold_ms + 2 * ramp * 1000 + 60_000);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = uac.try_wait() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let elapsed = t0.elapsed().as_secs_f64();
        let _ = uac.kill();
        let uac_rc = uac.wait().ok().and_then(|s| s.code());
        tokio::time::sleep(Duration::from_secs(3)).await;
        let _ = uas.kill();
        let _ = uas.wait();
        engine.shutdown(Duration::from_secs(10)).await;
        let st = engine.stats();
        let ok = last_csv(&sdir.join("uac.csv"), "SuccessfulCall(C)");
        let failed = last_csv(&sdir.join("uac.csv"), "FailedCall(C)");
        let retrans = last_csv(&sdir.join("uac.csv"), "Retransmissions(C)");
        println!("UAC exit {uac_rc:?}: successful {ok:?}, failed {failed:?}, retransmissions {retrans:?} of {total} in {elapsed:.0} s");
        println!("set-up rate offered: {rate} calls/s; calls started {} finished {}", st.calls_started, st.calls_finished);
        let expected = total as f64 * 2.0 * 50.0 * hold_ms as f64 / 1000.0;
        let lossp = st.rx_lost as f64 / (st.rx_packets + st.rx_lost).max(1) as f64 * 100.0;
        let latep = st.rx_late as f64 / st.rx_packets.max(1) as f64 * 100.0;
        println!("RTP on the engine side: received {} (expected ≈{expected:.0}), lost {} ({lossp:.3} %), late {} ({latep:.3} %), relayed {}", st.rx_packets, st.rx_lost, st.rx_late, st.relayed_packets);
        println!("left over: legs {} ports {} calls {}", st.sip_legs, st.rtp_ports_in_use, st.active_calls);
    });
}
