//! A minimal blocking Redis client on std::net::TcpStream (RESP2), enough for the queue protocol.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[derive(Debug)]
pub enum Reply {
    Status,
    Error(String),
    Int(i64),
    Bulk(Option<String>),
    Array(Option<Vec<Reply>>),
}

pub struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

/// The parts of a redis:// URL: host, port, optional username and password, database.
pub struct RedisUrl {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    pub db: Option<String>,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse_url(url: &str) -> Result<RedisUrl, String> {
    let rest = if let Some(r) = url.strip_prefix("redis://") {
        r
    } else if url.starts_with("rediss://") {
        return Err(
            "rediss:// (TLS) is not supported by this consumer: use the Python or Node template"
                .into(),
        );
    } else {
        return Err("the Redis URL must start with redis://".into());
    };
    let (auth, hostpart) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let (hostport, db) = match hostpart.find('/') {
        Some(s) => (
            &hostpart[..s],
            Some(hostpart[s + 1..].to_string()).filter(|d| !d.is_empty()),
        ),
        None => (hostpart, None),
    };
    let (host, port) = if let Some(end) = hostport.strip_prefix('[').and_then(|h| h.find(']')) {
        let h = &hostport[1..end + 1];
        let p = hostport[end + 2..].strip_prefix(':').unwrap_or("6379");
        (h.to_string(), p)
    } else {
        match hostport.rfind(':') {
            Some(c) => (hostport[..c].to_string(), &hostport[c + 1..]),
            None => (hostport.to_string(), "6379"),
        }
    };
    let port: u16 = port
        .parse()
        .map_err(|_| "the Redis URL has a bad port".to_string())?;
    let (user, password) = match auth {
        Some(a) => match a.find(':') {
            Some(c) => (
                Some(percent_decode(&a[..c])).filter(|u| !u.is_empty()),
                Some(percent_decode(&a[c + 1..])),
            ),
            None => (Some(percent_decode(a)), None),
        },
        None => (None, None),
    };
    Ok(RedisUrl {
        host,
        port,
        user,
        password,
        db,
    })
}

impl Client {
    pub fn connect(url: &str) -> Result<Client, String> {
        let u = parse_url(url)?;
        let addr = if u.host.contains(':') {
            format!("[{}]:{}", u.host, u.port)
        } else {
            format!("{}:{}", u.host, u.port)
        };
        let stream = TcpStream::connect(&addr).map_err(|e| format!("{:?}", e.kind()))?;
        stream.set_nodelay(true).ok();
        stream.set_read_timeout(Some(Duration::from_secs(60))).ok();
        let writer = stream.try_clone().map_err(|e| e.to_string())?;
        let mut c = Client {
            reader: BufReader::new(stream),
            writer,
        };
        if let Some(pw) = &u.password {
            match &u.user {
                Some(user) => c.call_ok(&["AUTH", user, pw])?,
                None => c.call_ok(&["AUTH", pw])?,
            };
        }
        if let Some(db) = &u.db {
            c.call_ok(&["SELECT", db])?;
        }
        c.call_ok(&["PING"])?;
        Ok(c)
    }

    pub fn call(&mut self, args: &[&str]) -> Result<Reply, String> {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
        for a in args {
            buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            buf.extend_from_slice(a.as_bytes());
            buf.extend_from_slice(b"\r\n");
        }
        self.writer.write_all(&buf).map_err(|e| e.to_string())?;
        self.read_reply()
    }

    fn call_ok(&mut self, args: &[&str]) -> Result<Reply, String> {
        match self.call(args)? {
            Reply::Error(e) => Err(e),
            r => Ok(r),
        }
    }

    fn read_reply(&mut self) -> Result<Reply, String> {
        let mut line = String::new();
        let n = self
            .reader
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        let line = line.trim_end_matches("\r\n");
        let (kind, rest) = line.split_at(1);
        match kind {
            "+" => Ok(Reply::Status),
            "-" => Ok(Reply::Error(rest.to_string())),
            ":" => Ok(Reply::Int(rest.parse().map_err(|_| "bad integer reply")?)),
            "$" => {
                let len: i64 = rest.parse().map_err(|_| "bad bulk length")?;
                if len < 0 {
                    return Ok(Reply::Bulk(None));
                }
                let mut data = vec![0u8; len as usize + 2];
                self.reader
                    .read_exact(&mut data)
                    .map_err(|e| e.to_string())?;
                data.truncate(len as usize);
                Ok(Reply::Bulk(Some(
                    String::from_utf8_lossy(&data).into_owned(),
                )))
            }
            "*" => {
                let len: i64 = rest.parse().map_err(|_| "bad array length")?;
                if len < 0 {
                    return Ok(Reply::Array(None));
                }
                let mut items = Vec::with_capacity(len as usize);
                for _ in 0..len {
                    items.push(self.read_reply()?);
                }
                Ok(Reply::Array(Some(items)))
            }
            _ => Err(format!("unexpected reply: {line}")),
        }
    }
}
