//! gridcore's reliable queue protocol for one consumer: the Lua scripts (lua/, compiled in), called by SHA,
//! over the keys they touch (named as in gridcore's src/queue/keys.ts).

use crate::resp::{Client, Reply};
use crate::Config;
use std::time::{SystemTime, UNIX_EPOCH};

/// The protocol's scripts this consumer runs.
#[derive(Clone, Copy)]
enum Script {
    Take,
    Renew,
    Commit,
    Recover,
}

impl Script {
    const ALL: [Script; 4] = [Script::Take, Script::Renew, Script::Commit, Script::Recover];

    fn source(self) -> &'static str {
        match self {
            Script::Take => include_str!("../lua/take.lua"),
            Script::Renew => include_str!("../lua/renew.lua"),
            Script::Commit => include_str!("../lua/commit.lua"),
            Script::Recover => include_str!("../lua/recover.lua"),
        }
    }
}

/// The scripts, loaded once on the input connection and called by SHA.
struct Scripts {
    client: Client,
    shas: [String; 4],
}

impl Scripts {
    fn load(client: &mut Client, script: Script) -> Result<String, String> {
        match client.call(&["SCRIPT", "LOAD", script.source()])? {
            Reply::Bulk(Some(sha)) => Ok(sha),
            other => Err(format!("SCRIPT LOAD failed: {other:?}")),
        }
    }

    fn new(mut client: Client) -> Result<Scripts, String> {
        let mut shas: [String; 4] = Default::default();
        for script in Script::ALL {
            shas[script as usize] = Scripts::load(&mut client, script)?;
        }
        Ok(Scripts { client, shas })
    }

    /// EVALSHA, loading the script again if the server lost it (e.g. it restarted).
    fn run(&mut self, script: Script, keys: &[String], args: &[&str]) -> Result<Reply, String> {
        let nkeys = keys.len().to_string();
        for _ in 0..2 {
            let sha = self.shas[script as usize].clone();
            let mut call: Vec<&str> = vec!["EVALSHA", &sha, &nkeys];
            call.extend(keys.iter().map(String::as_str));
            call.extend_from_slice(args);
            match self.client.call(&call)? {
                Reply::Error(e) if e.starts_with("NOSCRIPT") => {
                    self.shas[script as usize] = Scripts::load(&mut self.client, script)?;
                }
                Reply::Error(e) => return Err(e),
                reply => return Ok(reply),
            }
        }
        Err("the script could not be loaded".into())
    }
}

/// One consumer's side of the protocol: its settings, connections and keys.
pub struct Queue {
    config: Config,
    scripts: Scripts,
    /// The output Redis when it is not the input one (results are pushed there before the commit).
    output: Option<Client>,
    lease_key: [String; 1],
    take_keys: [String; 8],
    commit_keys: [String; 7],
    recover_keys: [String; 8],
}

fn now_ms() -> String {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
        .to_string()
}

impl Queue {
    pub fn new(config: Config, input: Client, output: Option<Client>) -> Result<Queue, String> {
        let (q, me) = (&config.input_queue, &config.consumer);
        let processing = format!("{q}:processing:{me}");
        let lease = format!("{q}:lease:{me}");
        let [suspects, consumers, attempts, dead, failed, stats, ledger] = [
            "suspects",
            "consumers",
            "attempts",
            "dead",
            "failed",
            "stats",
            "ledger",
        ]
        .map(|k| format!("{q}:{k}"));
        Ok(Queue {
            take_keys: [
                q.clone(),
                suspects.clone(),
                processing.clone(),
                lease.clone(),
                consumers.clone(),
                attempts.clone(),
                dead.clone(),
                stats.clone(),
            ],
            commit_keys: [
                processing.clone(),
                lease.clone(),
                config.output_queue.clone(),
                stats.clone(),
                failed,
                attempts.clone(),
                ledger,
            ],
            recover_keys: [
                processing,
                lease.clone(),
                q.clone(),
                suspects,
                dead,
                attempts,
                stats,
                consumers,
            ],
            lease_key: [lease],
            scripts: Scripts::new(input)?,
            output,
            config,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A batch of items under a new lease held with `token` (empty when the input is).
    pub fn take(&mut self, token: &str) -> Result<Vec<String>, String> {
        let c = &self.config;
        let (batch, lease, attempts) = (
            c.batch.to_string(),
            c.lease_ms.to_string(),
            c.max_attempts.to_string(),
        );
        let args = [&batch, &lease, token, &c.consumer, &attempts, &now_ms()];
        Ok(
            match self.scripts.run(Script::Take, &self.take_keys, &args)? {
                Reply::Array(Some(v)) => v
                    .into_iter()
                    .filter_map(|x| match x {
                        Reply::Bulk(Some(s)) => Some(s),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            },
        )
    }

    /// Extends the lease; false when another consumer's recovery took the batch.
    pub fn renew(&mut self, token: &str) -> Result<bool, String> {
        let lease = self.config.lease_ms.to_string();
        let reply = self
            .scripts
            .run(Script::Renew, &self.lease_key, &[token, &lease])?;
        Ok(!matches!(reply, Reply::Int(0)))
    }

    /// Settles the batch in one fenced step (`failed`: 1-based positions); false when the lease was lost.
    pub fn commit(
        &mut self,
        token: &str,
        payloads: &[String],
        failed: &[usize],
    ) -> Result<bool, String> {
        if self.output.is_some() && !self.push_results(token, payloads, failed)? {
            return Ok(false);
        }
        let push_here = if self.output.is_some() { "0" } else { "1" };
        let failed_at = failed
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let now = now_ms();
        let mut args = vec![token, &self.config.consumer, &now, push_here, &failed_at];
        args.extend(payloads.iter().map(String::as_str));
        let reply = self.scripts.run(Script::Commit, &self.commit_keys, &args)?;
        Ok(!matches!(reply, Reply::Int(-1)))
    }

    /// With a separate output Redis: checks the lease, then pushes the results there; false when the lease was lost.
    fn push_results(
        &mut self,
        token: &str,
        payloads: &[String],
        failed: &[usize],
    ) -> Result<bool, String> {
        if !self.renew(token)? {
            return Ok(false);
        }
        let mut call = vec!["LPUSH", self.config.output_queue.as_str()];
        call.extend(
            payloads
                .iter()
                .enumerate()
                .filter(|(i, _)| !failed.contains(&(i + 1)))
                .map(|(_, p)| p.as_str()),
        );
        if let (Some(out), true) = (self.output.as_mut(), call.len() > 2) {
            if let Reply::Error(e) = out.call(&call)? {
                return Err(e);
            }
        }
        Ok(true)
    }

    /// Hands the unsettled rest of a batch back to the head of the input, without counting an attempt.
    pub fn give_back(&mut self) -> Result<(), String> {
        let c = &self.config;
        let (attempts, now) = (c.max_attempts.to_string(), now_ms());
        let args = [c.consumer.as_str(), &attempts, "1", &now, "0"];
        self.scripts
            .run(Script::Recover, &self.recover_keys, &args)?;
        Ok(())
    }
}
