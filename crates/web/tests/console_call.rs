//! Issue 7's end-to-end check with real parts (TEL-9, TEL-6, TEL-7, TEL-8, CASE-1): the SIP
//! engine runs inside the application on the test database; SIPp plays the citizen (calls the
//! hotline, presses 1); the operator's phone is baresip, registered as extension 1001 with
//! digest auth and answering by itself; the focal officer's phone is another baresip, reached
//! through the trunk; headless Chromium drives the console of operator `tongdai1`. The screen
//! pop appears, a case is filled from it and submitted, the call is transferred from the
//! transfer panel to a focal officer of the chosen agency, and afterwards the call record, its
//! recording and the case are linked by the call's id.
//!
//! Needs `sipp` (Debian `sip-tester`), `baresip`, `sox`, `/usr/bin/chromium` and
//! `/usr/bin/chromedriver`.

mod common;

use common::chromium::{Driver, WAIT, click, fill};
use common::sipp::{Sipp, free_port, free_sip_port, sipp_args, tone};
use common::{PASSWORD, TestApp};
use fantoccini::Client;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tongdai_telephony::cdr::{Disposition, LegRole};
use tongdai_telephony::{Clock, Engine, EngineConfig, FixedHours};

/// A desk phone: baresip listening on `listen` with one account, answering automatically and
/// speaking a tone; killed when dropped.
struct Baresip {
    child: Child,
    dir: std::path::PathBuf,
}

impl Baresip {
    fn start(dir: &Path, listen: u16, account: &str, hz: &str) -> Baresip {
        std::fs::create_dir_all(dir.join("rec")).unwrap();
        let ok = Command::new("sox")
            .args(["-n", "-r", "8000", "-c", "1", "-b", "16"])
            .arg(dir.join("voice.wav"))
            .args(["synth", "60", "sine", hz])
            .status()
            .expect("sox")
            .success();
        assert!(ok, "sox made the phone's voice");
        let rtp = free_port().clamp(20_000, 60_000);
        let config = format!(
            "sip_listen 127.0.0.1:{listen}\nsip_transports udp\naudio_source aufile,voice.wav\n\
             audio_player alsa,null\naudio_alert alsa,null\nrtp_ports {}-{}\n\
             module_path /usr/lib/baresip/modules\nmodule g711.so\nmodule aufile.so\n\
             module sndfile.so\nmodule alsa.so\nmodule_app account.so\nmodule_app menu.so\n\
             snd_path rec\n",
            rtp,
            rtp + 20
        );
        std::fs::write(dir.join("config"), config).unwrap();
        std::fs::write(dir.join("accounts"), format!("{account}\n")).unwrap();
        let log = std::fs::File::create(dir.join("baresip.log")).unwrap();
        let child = Command::new("baresip")
            .current_dir(dir)
            .args(["-f", "."])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("baresip (apt-get install baresip)");
        Baresip {
            child,
            dir: dir.to_path_buf(),
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.dir.join("baresip.log")).unwrap_or_default()
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_for(c: &Client, script: &str, what: &str) -> serde_json::Value {
    let end = Instant::now() + WAIT;
    let mut last = serde_json::Value::Null;
    while Instant::now() < end {
        if let Ok(v) = c.execute(script, vec![]).await {
            if !v.is_null() && v != serde_json::Value::Bool(false) && v != "" {
                return v;
            }
            last = v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} never happened; last: {last}");
}

/// What the browser part found: the call's id and the case made from it.
struct Walked {
    call_id: String,
    case_path: String,
    /// When the pop was seen in the page (polled every 50 ms).
    popped_at: Instant,
}

async fn walk(
    base: &str,
    c: &Client,
    agency: i64,
    start_call: impl FnOnce(),
    officer_ready: impl FnOnce(String),
) -> Walked {
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "#username", "tongdai1").await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form button[type=submit]").await;
    wait_for(
        c,
        "return document.querySelector('header .userbox') !== null;",
        "login",
    )
    .await;
    c.goto(&format!("{base}/console")).await.unwrap();
    // The live stream is up, then the operator logs in to the queues from the agent bar.
    wait_for(
        c,
        "var l = document.getElementById('live-state'); var r = document.getElementById('console'); \
         return l && r && l.textContent === r.getAttribute('data-live');",
        "the console's live stream",
    )
    .await;
    click(c, "[data-cmd='agent.login']").await;
    wait_for(
        c,
        "return document.getElementById('agent-state').getAttribute('data-status') === 'available';",
        "the agent available",
    )
    .await;

    // The citizen calls; the queue offers the call to this operator: the screen pop.
    start_call();
    let call_id = wait_for(
        c,
        "var p = document.getElementById('pop'); return p ? p.getAttribute('data-call') : null;",
        "the screen pop",
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned();
    let popped_at = Instant::now();
    let number = wait_for(
        c,
        "return document.getElementById('call-number').textContent;",
        "the caller's number",
    )
    .await;
    assert!(
        number.as_str().unwrap_or_default().contains("912345678"),
        "the caller's number is shown: {number}"
    );
    // The call is answered on the phone; the console follows.
    wait_for(
        c,
        "var s = document.getElementById('call-state'), a = document.getElementById('agent-state'); \
         return s.textContent === a.getAttribute('data-in_call');",
        "the call answered",
    )
    .await;

    // The case form from the pop, pre-filled and linked to the call.
    let intake = wait_for(
        c,
        "var l = document.getElementById('pop-intake'); return l ? l.getAttribute('href') : null;",
        "the pop's case link",
    )
    .await;
    let intake = intake.as_str().unwrap_or_default().to_owned();
    assert!(intake.contains(&call_id), "linked to the call: {intake}");
    c.goto(&format!("{base}{intake}")).await.unwrap();
    wait_for(
        c,
        "return document.getElementById('call_id').value;",
        "the call id in the form",
    )
    .await;
    fill(c, "#caller_name", "Nguyễn Văn Gọi").await;
    fill(c, "#address", "ấp An Hòa, xã An Châu").await;
    fill(
        c,
        "#content",
        "Hỏi thủ tục đăng ký khai sinh cho con, cần mang giấy tờ gì và nộp ở đâu.",
    )
    .await;
    click(c, "#intake-submit").await;
    let case_path = wait_for(
        c,
        "return /^\\/cases\\/[0-9]+$/.test(location.pathname) ? location.pathname : null;",
        "the case page",
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned();

    // Back to the console (it resynchronises: the call is still there), then the transfer
    // panel: the agency's focal officers, and a blind transfer to the first.
    c.goto(&format!("{base}/console")).await.unwrap();
    wait_for(
        c,
        "return document.getElementById('call-number').textContent.indexOf('912345678') >= 0;",
        "the call after the console reloaded",
    )
    .await;
    c.execute(
        "var s = document.getElementById('transfer-agency'); s.value = arguments[0]; \
         s.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![agency.to_string().into()],
    )
    .await
    .unwrap();
    let target = wait_for(
        c,
        "var b = document.querySelector('#officers [data-transfer=blind]'); \
         return b ? b.getAttribute('data-target') : null;",
        "the agency's officers",
    )
    .await;
    officer_ready(target.as_str().unwrap_or_default().to_owned());
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    click(c, "#officers [data-transfer=blind]").await;
    Walked {
        call_id,
        case_path,
        popped_at,
    }
}

/// TEL-9, TEL-6, TEL-7, TEL-8, CASE-1: a real call through the console, from the pop to the
/// transfer, with the call record, the recording and the case linked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_9_a_real_call_pops_becomes_a_case_and_is_transferred() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    tone(dir.path(), "caller.al", "400");
    let agency = app.agency("xa-an-chau", "vp-hdnd-ubnd").await;

    // The carrier side of the trunk: the focal officer's baresip, started when the operator has
    // chosen the officer (it answers as the number dialled).
    let officer_port = free_sip_port();
    let tstore = app.telephony.store.clone();
    let mut trunk = tongdai_telephony::store::demo::demo_trunk();
    trunk.outbound_proxy = Some(SocketAddr::from(([127, 0, 0, 1], officer_port)));
    tstore.put_trunk(&trunk, chrono::Utc::now()).await.unwrap();

    // The engine inside the application, as `tongdai serve` runs it.
    let rtp = free_port().clamp(20_000, 60_000);
    let cfg = EngineConfig {
        sip_udp: SocketAddr::from(([127, 0, 0, 1], free_port())),
        rtp_ports: (rtp, rtp + 200),
        recordings_dir: dir.path().join("recordings"),
        prompts_dir: app.telephony.prompts_dir.clone(),
        generate_prompts: false,
        staff_networks: vec!["127.0.0.1/32".parse().unwrap()],
        ..Default::default()
    };
    let engine = Engine::start(
        cfg,
        Arc::new(tstore.clone()),
        Arc::new(FixedHours(true)),
        Clock::system(),
    )
    .await
    .expect("engine");
    let sip = engine.sip_addr();
    app.telephony.set_engine(engine);

    // The operator's phone: baresip as extension 1001 of `tongdai1`, with digest auth.
    let phone_password = "phone-1001-secret";
    let operator = app.account_named("tongdai1").await;
    tstore
        .put_agent(
            &tongdai_telephony::store::admin::AgentInput {
                id: "1001".into(),
                display_name: operator.display_name.clone(),
                sip_username: "1001".into(),
                sip_password: Some(phone_password.into()),
                account_id: Some(operator.id),
                wrap_up_s: Some(0),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    app.telephony
        .engine()
        .expect("engine")
        .reload_peers()
        .await
        .expect("the engine reloads its agents");
    let phone_port = std::iter::repeat_with(free_sip_port)
        .find(|p| *p != officer_port)
        .expect("a port for the phone");
    let phone = Baresip::start(
        &dir.path().join("phone"),
        phone_port,
        &format!(
            "<sip:1001@{sip}>;auth_pass={phone_password};answermode=auto;regint=600;audio_codecs=PCMA"
        ),
        "1000",
    );
    let registered = {
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            let engine = app.telephony.engine().expect("engine");
            if engine.registrations().iter().any(|r| r.username == "1001") {
                break true;
            }
            if Instant::now() > end {
                break false;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    assert!(
        registered,
        "baresip registered as 1001: {}",
        phone.log_text()
    );

    // When the queue offers the call to the operator (the engine's own event).
    let offered_at: Arc<std::sync::Mutex<Option<Instant>>> = Arc::default();
    {
        let mut events = app.telephony.engine().expect("engine").events();
        let offered_at = offered_at.clone();
        tokio::spawn(async move {
            while let Ok(e) = events.recv().await {
                if let tongdai_telephony::api::EventKind::CallOffered { agent_id, .. } = e.kind
                    && agent_id == "1001"
                {
                    *offered_at.lock().unwrap() = Some(Instant::now());
                    break;
                }
            }
        });
    }
    let driver = Driver::start();
    let c = driver.browser().await;
    let base = app.addr.clone();
    let caller_dir = dir.path().to_path_buf();
    let caller: Arc<std::sync::Mutex<Option<Sipp>>> = Arc::default();
    let caller_slot = caller.clone();
    let officer: Arc<std::sync::Mutex<Option<Baresip>>> = Arc::default();
    let officer_slot = officer.clone();
    let officer_dir = dir.path().join("officer");
    let browser = c.clone();
    let walked = tokio::spawn(async move {
        tokio::time::timeout(
            Duration::from_secs(150),
            walk(
                &base,
                &browser,
                agency,
                move || {
                    let args = sipp_args(
                    Some(sip),
                    "uac_greeting_queue.xml",
                    free_port(),
                    &[
                        "-s",
                        "1800888880",
                        "-d",
                        "30000",
                        "-set",
                        "dtmf_at_ms",
                        "2500",
                        "-m",
                        "1",
                    ],
                );
                    *caller_slot.lock().unwrap() = Some(Sipp::start(&caller_dir, "caller", &args));
                },
                move |number| {
                    *officer_slot.lock().unwrap() = Some(Baresip::start(
                        &officer_dir,
                        officer_port,
                        &format!(
                            "<sip:{number}@127.0.0.1:{officer_port}>;regint=0;answermode=auto;audio_codecs=PCMA"
                        ),
                        "1200",
                    ));
                },
            ),
        )
        .await
        .expect("the walk finishes in time")
    })
    .await;
    let _ = tokio::time::timeout(Duration::from_secs(10), c.close()).await;
    drop(driver);
    let walked = walked.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    let offered = (*offered_at.lock().unwrap()).expect("the call was offered to 1001");
    println!(
        "screen pop seen {} ms after the engine offered the call (page polled every 50 ms)",
        walked
            .popped_at
            .saturating_duration_since(offered)
            .as_millis()
    );

    // The officer answers the transferred call; the operator's phone is released; the citizen
    // talks to the officer and hangs up.
    let mut caller = caller.lock().unwrap().take().expect("the call was placed");
    let rc = tokio::task::spawn_blocking(move || {
        let rc = caller.wait(Duration::from_secs(60));
        (rc, caller.log_text())
    })
    .await
    .unwrap();
    assert_eq!(rc.0, Some(0), "the citizen's call: {}", rc.1);
    drop(phone);
    let officer = officer
        .lock()
        .unwrap()
        .take()
        .expect("the officer's phone was started");

    // The call record: answered by 1001, transferred, recorded; the case carries the call id.
    let deadline = Instant::now() + Duration::from_secs(15);
    let record = loop {
        if let Some(r) = tstore
            .call(&walked.call_id)
            .await
            .unwrap()
            .filter(|r| r.ended_at.is_some())
        {
            break r;
        }
        assert!(
            Instant::now() < deadline,
            "no closed call record for {}",
            walked.call_id
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        record.disposition,
        Some(Disposition::Transferred),
        "{record:?}"
    );
    assert_eq!(record.agent_id.as_deref(), Some("1001"));
    assert!(
        record.legs.iter().any(|l| l.role == LegRole::TransferTarget
            && l.answered_at.is_some()
            && !l.target.is_empty()),
        "a transfer leg to the officer: {:?}",
        record.legs
    );
    let sha = record
        .recording_sha256
        .clone()
        .expect("the call was recorded");
    assert_eq!(sha.len(), 64);
    assert!(
        record
            .legs
            .iter()
            .any(|l| l.role == LegRole::TransferTarget && l.answered_at.is_some()),
        "the officer's baresip answered: {}",
        officer.log_text()
    );
    let case_id: i64 = walked
        .case_path
        .trim_start_matches("/cases/")
        .parse()
        .expect("case id");
    let (case, _) = app.cases.load(case_id).await.expect("the case");
    assert_eq!(
        case.call_ids,
        std::slice::from_ref(&walked.call_id),
        "the case is linked to the call"
    );
}
