//! gridcore reliable consumer (Rust, no crates). Edit handle() in src/task.rs, not this file.
//! Speaks gridcore's reliable queue protocol (the Lua scripts in lua/, compiled in): batched take under a
//! lease, lease renewal, fenced commit of results and failures, and on SIGTERM: finish the item in hand,
//! commit, hand the rest back, exit 0. Configured by the env vars GridNode sets (INPUT_REDIS_URL,
//! OUTPUT_REDIS_URL, INPUT_QUEUE, OUTPUT_QUEUE, NODE_ID, INSTANCE_ID). Tuning: GRIDCORE_BATCH (100),
//! GRIDCORE_LEASE_MS (30000), GRIDCORE_MAX_ATTEMPTS (3), GRIDCORE_IDLE_EXIT_S (unset: run until stopped).

mod resp;
mod task;

use resp::{Client, Reply};
use std::env;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const TAKE: &str = include_str!("../lua/take.lua");
const RENEW: &str = include_str!("../lua/renew.lua");
const COMMIT: &str = include_str!("../lua/commit.lua");
const RECOVER: &str = include_str!("../lua/recover.lua");

static STOPPING: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: i32) {
    STOPPING.store(true, Ordering::SeqCst);
}

extern "C" {
    fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
}

fn fail_fast(message: &str) -> ! {
    eprintln!("{{\"error\":{:?}}}", message);
    std::process::exit(1)
}

fn now_ms() -> String {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0).to_string()
}

fn token() -> String {
    let t = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{:x}{:x}", t, std::process::id())
}

/// Scripts loaded once (SCRIPT LOAD) and called by SHA; loaded again if the server lost them.
struct Scripts {
    shas: Vec<(String, &'static str)>,
}

impl Scripts {
    fn run(&mut self, c: &mut Client, which: usize, keys: &[&str], args: &[&str]) -> Result<Reply, String> {
        let nkeys = keys.len().to_string();
        for _ in 0..2 {
            let sha = self.shas[which].0.clone();
            let mut call: Vec<&str> = vec!["EVALSHA", &sha, &nkeys];
            call.extend_from_slice(keys);
            call.extend_from_slice(args);
            match c.call(&call)? {
                Reply::Error(e) if e.starts_with("NOSCRIPT") => {
                    self.shas[which].0 = load(c, self.shas[which].1)?;
                }
                Reply::Error(e) => return Err(e),
                r => return Ok(r),
            }
        }
        Err("the script could not be loaded".into())
    }
}

fn load(c: &mut Client, lua: &str) -> Result<String, String> {
    match c.call(&["SCRIPT", "LOAD", lua])? {
        Reply::Bulk(Some(sha)) => Ok(sha),
        other => Err(format!("SCRIPT LOAD failed: {other:?}")),
    }
}

fn items_of(r: Reply) -> Vec<String> {
    match r {
        Reply::Array(Some(v)) => v.into_iter().filter_map(|x| if let Reply::Bulk(Some(s)) = x { Some(s) } else { None }).collect(),
        _ => Vec::new(),
    }
}

fn main() {
    unsafe {
        signal(15, on_signal);
        signal(2, on_signal);
    }
    let var = |k: &str| env::var(k).ok().filter(|v| !v.is_empty());
    let input_url = var("INPUT_REDIS_URL").unwrap_or_else(|| fail_fast("INPUT_REDIS_URL not set"));
    let output_url = var("OUTPUT_REDIS_URL").unwrap_or_else(|| input_url.clone());
    let input_q = var("INPUT_QUEUE").unwrap_or_else(|| fail_fast("INPUT_QUEUE not set"));
    let output_q = var("OUTPUT_QUEUE").unwrap_or_else(|| format!("{input_q}:output"));
    let consumer = format!("{}:{}", var("NODE_ID").unwrap_or("local".into()), var("INSTANCE_ID").unwrap_or("0".into()));
    let batch = var("GRIDCORE_BATCH").unwrap_or("100".into());
    let lease_ms: u128 = var("GRIDCORE_LEASE_MS").and_then(|v| v.parse().ok()).unwrap_or(30000);
    let lease = lease_ms.to_string();
    let max_attempts = var("GRIDCORE_MAX_ATTEMPTS").unwrap_or("3".into());
    let idle_exit = var("GRIDCORE_IDLE_EXIT_S").and_then(|v| v.parse::<f64>().ok()).map(Duration::from_secs_f64);

    // Key names of the protocol (the same as gridcore's src/queue/keys.ts).
    let k_processing = format!("{input_q}:processing:{consumer}");
    let k_lease = format!("{input_q}:lease:{consumer}");
    let k_consumers = format!("{input_q}:consumers");
    let k_attempts = format!("{input_q}:attempts");
    let k_dead = format!("{input_q}:dead");
    let k_failed = format!("{input_q}:failed");
    let k_stats = format!("{input_q}:stats");

    let mut input = Client::connect(&input_url).unwrap_or_else(|e| fail_fast(&format!("Redis connection failed: {e}")));
    let remote = output_url != input_url;
    let mut output = if remote {
        Some(Client::connect(&output_url).unwrap_or_else(|e| fail_fast(&format!("Redis connection failed: {e}"))))
    } else {
        None
    };
    let mut scripts = Scripts { shas: Vec::new() };
    for lua in [TAKE, RENEW, COMMIT, RECOVER] {
        let sha = load(&mut input, lua).unwrap_or_else(|e| fail_fast(&e));
        scripts.shas.push((sha, lua));
    }
    let (take, renew, commit, recover) = (0, 1, 2, 3);

    let mut idle_since = Instant::now();
    let mut pause = Duration::from_millis(10);
    let run = |r: Result<Reply, String>| r.unwrap_or_else(|e| fail_fast(&format!("Redis error: {e}")));
    while !STOPPING.load(Ordering::SeqCst) {
        let tok = token();
        let now = now_ms();
        let items = items_of(run(scripts.run(
            &mut input,
            take,
            &[&input_q, &k_processing, &k_lease, &k_consumers, &k_attempts, &k_dead, &k_stats],
            &[&batch, &lease, &tok, &consumer, &max_attempts, &now],
        )));
        if items.is_empty() {
            if let Some(limit) = idle_exit {
                if idle_since.elapsed() >= limit {
                    break;
                }
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(500));
            continue;
        }
        idle_since = Instant::now();
        pause = Duration::from_millis(10);
        let mut payloads: Vec<String> = Vec::with_capacity(items.len());
        let mut failed: Vec<String> = Vec::new();
        let mut renewed = Instant::now();
        let mut lost = false;
        for item in &items {
            if STOPPING.load(Ordering::SeqCst) {
                break;
            }
            match task::handle(item) {
                Ok(result) => payloads.push(result),
                Err(error) => {
                    payloads.push(error);
                    failed.push(payloads.len().to_string());
                }
            }
            if renewed.elapsed().as_millis() > lease_ms / 3 {
                renewed = Instant::now();
                if let Reply::Int(0) = run(scripts.run(&mut input, renew, &[&k_lease], &[&tok, &lease])) {
                    lost = true;
                    break;
                }
            }
        }
        let settled = payloads.len();
        if settled > 0 {
            if let Some(out) = output.as_mut() {
                if let Reply::Int(0) = run(scripts.run(&mut input, renew, &[&k_lease], &[&tok, &lease])) {
                    lost = true;
                } else {
                    let mut call: Vec<&str> = vec!["LPUSH", &output_q];
                    call.extend(payloads.iter().enumerate().filter(|(i, _)| !failed.contains(&(i + 1).to_string())).map(|(_, p)| p.as_str()));
                    if call.len() > 2 {
                        run(out.call(&call));
                    }
                }
            }
            if !lost {
                let now = now_ms();
                let push = if remote { "0" } else { "1" };
                let failed_at = failed.join(",");
                let mut args: Vec<&str> = vec![&tok, &consumer, &now, push, &failed_at];
                args.extend(payloads.iter().map(|s| s.as_str()));
                let r = run(scripts.run(&mut input, commit, &[&k_processing, &k_lease, &output_q, &k_stats, &k_failed, &k_attempts], &args));
                lost = matches!(r, Reply::Int(-1));
            }
            if lost {
                eprintln!("{{\"warning\":\"lease lost: commit refused\",\"items\":{settled}}}");
                continue;
            }
        }
        if settled < items.len() {
            let now = now_ms();
            run(scripts.run(
                &mut input,
                recover,
                &[&k_processing, &k_lease, &input_q, &k_dead, &k_attempts, &k_stats, &k_consumers],
                &[&consumer, &max_attempts, "1", &now, "0"],
            ));
        }
    }
}
