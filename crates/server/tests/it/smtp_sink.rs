//! A local SMTP sink for the notification tests: a tokio TCP server that speaks just enough
//! SMTP (EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT) to accept messages and keep
//! them, with their envelope recipients, for the test to read.

use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One accepted message.
#[derive(Clone, Debug)]
pub struct Mail {
    /// `RCPT TO` addresses.
    pub recipients: Vec<String>,
    /// The message as sent (headers and body).
    pub data: String,
}

impl Mail {
    /// The value of a header, unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut()
                && (line.starts_with(' ') || line.starts_with('\t'))
            {
                v.push_str(line);
                continue;
            }
            if value.is_some() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_owned());
            }
        }
        value
    }

    /// The subject, its RFC 2047 encoded words decoded.
    pub fn subject(&self) -> String {
        decode_words(&self.header("subject").unwrap_or_default())
    }

    /// The body, decoded from base64.
    pub fn body(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .expect("a base64 body");
        String::from_utf8(bytes).expect("UTF-8 body")
    }
}

/// Decodes `=?utf-8?b?…?=` words (whitespace between words dropped), keeping other text.
fn decode_words(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        if !before.trim().is_empty() {
            out.push_str(before);
        }
        let word = &rest[start + 2..];
        let Some(end) = word.find("?=") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let mut parts = word[..end].splitn(3, '?');
        let (_charset, encoding, text) = (parts.next(), parts.next(), parts.next());
        match (encoding.map(str::to_ascii_lowercase).as_deref(), text) {
            (Some("b"), Some(text)) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .expect("base64 word");
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
            (Some("q"), Some(text)) => out.push_str(&text.replace('_', " ")),
            _ => out.push_str(&word[..end]),
        }
        rest = &word[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The sink: its port, and what it received.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let store = mails.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = session(socket, store).await;
                });
            }
        });
        SmtpSink { port, mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().expect("lock").clone()
    }

    /// The messages to one address.
    pub fn to(&self, address: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.recipients.iter().any(|r| r == address))
            .collect()
    }

    pub fn config(&self) -> renkei_server::notify::SmtpConfig {
        renkei_server::notify::SmtpConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            from: "Renkei <noreply@renkei.example.jp>".parse().expect("from"),
            username: None,
            password: None,
            tls: renkei_server::notify::TlsMode::None,
        }
    }
}

async fn session(
    socket: tokio::net::TcpStream,
    mails: Arc<Mutex<Vec<Mail>>>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink\r\n250 8BITMIME\r\n"
        } else if command.starts_with("HELO")
            || command.starts_with("MAIL FROM")
            || command.starts_with("NOOP")
        {
            b"250 OK\r\n"
        } else if command.starts_with("RSET") {
            recipients.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO") {
            let address = line
                .trim_end()
                .split_once(':')
                .map(|(_, a)| a.trim().trim_start_matches('<').trim_end_matches('>'))
                .unwrap_or("")
                .to_owned();
            recipients.push(address);
            b"250 OK\r\n"
        } else if command == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                // Undo dot-stuffing.
                let text = line.strip_prefix('.').unwrap_or(&line);
                data.push_str(text);
            }
            mails.lock().expect("lock").push(Mail {
                recipients: std::mem::take(&mut recipients),
                data,
            });
            b"250 queued\r\n"
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}
