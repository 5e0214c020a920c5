//! Media anchored in the engine: RTP sockets per leg, G.711, DTMF, the pacer that sends
//! generated audio on absolute 20 ms deadlines, the poller that drains the sockets, prompts,
//! and the relay between bridged legs.

pub mod dtmf;
pub mod g711;
pub mod leg;
pub mod pacer;
pub mod poller;
pub mod prompt;
pub mod rtp;
