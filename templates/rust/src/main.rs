//! gridcore reliable consumer (Rust, no crates). Edit handle() in src/task.rs, not this file.
//! Speaks gridcore's reliable queue protocol (the Lua scripts in lua/, compiled in): batched take under a
//! lease, lease renewal, fenced commit of results and failures, and on SIGTERM: finish the item in hand,
//! commit, hand the rest back, exit 0. Configured by the env vars GridNode sets (INPUT_REDIS_URL,
//! OUTPUT_REDIS_URL, INPUT_QUEUE, OUTPUT_QUEUE, NODE_ID, INSTANCE_ID). Tuning: GRIDCORE_BATCH (100),
//! GRIDCORE_LEASE_MS (30000), GRIDCORE_MAX_ATTEMPTS (3), GRIDCORE_IDLE_EXIT_S (unset: run until stopped).

mod queue;
mod resp;
mod task;

use queue::Queue;
use resp::Client;
use std::env;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

static STOPPING: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: i32) {
    STOPPING.store(true, Ordering::SeqCst);
}

extern "C" {
    fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
}

fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

fn fail_fast(message: &str) -> ! {
    eprintln!("{{\"error\":{message:?}}}");
    std::process::exit(1)
}

fn or_fail<T>(r: Result<T, String>) -> T {
    r.unwrap_or_else(|e| fail_fast(&format!("Redis error: {e}")))
}

/// The consumer's settings, read once from the environment.
pub struct Config {
    pub input_url: String,
    pub output_url: String,
    pub input_queue: String,
    pub output_queue: String,
    pub consumer: String,
    pub batch: u32,
    pub lease_ms: u64,
    pub max_attempts: u32,
    pub idle_exit: Option<Duration>,
}

impl Config {
    fn from_env() -> Config {
        let var = |k: &str| env::var(k).ok().filter(|v| !v.is_empty());
        let input_url =
            var("INPUT_REDIS_URL").unwrap_or_else(|| fail_fast("INPUT_REDIS_URL not set"));
        let input_queue = var("INPUT_QUEUE").unwrap_or_else(|| fail_fast("INPUT_QUEUE not set"));
        let node = var("NODE_ID").unwrap_or_else(|| "local".into());
        let instance = var("INSTANCE_ID").unwrap_or_else(|| "0".into());
        Config {
            output_url: var("OUTPUT_REDIS_URL").unwrap_or_else(|| input_url.clone()),
            output_queue: var("OUTPUT_QUEUE").unwrap_or_else(|| format!("{input_queue}:output")),
            consumer: format!("{node}:{instance}"),
            batch: var("GRIDCORE_BATCH")
                .and_then(|v| v.parse().ok())
                .unwrap_or(100),
            lease_ms: var("GRIDCORE_LEASE_MS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(30_000),
            max_attempts: var("GRIDCORE_MAX_ATTEMPTS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(3),
            idle_exit: var("GRIDCORE_IDLE_EXIT_S")
                .and_then(|v| v.parse::<f64>().ok())
                .map(Duration::from_secs_f64),
            input_url,
            input_queue,
        }
    }
}

/// A fresh lease token per batch.
fn token() -> String {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}{:x}", t, std::process::id())
}

/// Runs handle() over a batch (renewing the lease as it goes), commits, and gives back what it did not reach.
fn run_batch(queue: &mut Queue, items: &[String], token: &str) {
    let renew_every = Duration::from_millis(queue.config().lease_ms / 3);
    let mut payloads: Vec<String> = Vec::with_capacity(items.len());
    let mut failed: Vec<usize> = Vec::new();
    let mut renewed = Instant::now();
    let mut lost = false;
    for item in items {
        if stopping() {
            break;
        }
        match task::handle(item) {
            Ok(result) => payloads.push(result),
            Err(error) => {
                payloads.push(error);
                failed.push(payloads.len());
            }
        }
        if renewed.elapsed() > renew_every {
            renewed = Instant::now();
            if !or_fail(queue.renew(token)) {
                lost = true;
                break;
            }
        }
    }
    if !payloads.is_empty() && (lost || !or_fail(queue.commit(token, &payloads, &failed))) {
        eprintln!(
            "{{\"warning\":\"lease lost: commit refused\",\"items\":{}}}",
            payloads.len()
        );
        return;
    }
    if payloads.len() < items.len() {
        or_fail(queue.give_back());
    }
}

fn main() {
    let config = Config::from_env();
    unsafe {
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
    }
    let connect = |url: &str| {
        Client::connect(url).unwrap_or_else(|e| fail_fast(&format!("Redis connection failed: {e}")))
    };
    let input = connect(&config.input_url);
    let output = (config.output_url != config.input_url).then(|| connect(&config.output_url));
    let idle_exit = config.idle_exit;
    let mut queue = Queue::new(config, input, output).unwrap_or_else(|e| fail_fast(&e));

    let mut idle_since = Instant::now();
    let mut pause = Duration::from_millis(10);
    while !stopping() {
        let token = token();
        let items = or_fail(queue.take(&token));
        if items.is_empty() {
            if matches!(idle_exit, Some(limit) if idle_since.elapsed() >= limit) {
                break;
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(500));
            continue;
        }
        idle_since = Instant::now();
        pause = Duration::from_millis(10);
        run_batch(&mut queue, &items, &token);
    }
}
