//! Notification e-mail over SMTP (`lettre`, tokio, rustls): the settings and the one sender.
//!
//! One message has exactly one recipient: what a message says was decided for that reader
//! alone, so it never goes to several people at once.

use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use renkei_accounts::Secret;

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain SMTP (a relay on the same host or a test sink).
    None,
    /// Plain, then `STARTTLS` (required).
    #[default]
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

impl std::str::FromStr for TlsMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(TlsMode::None),
            "starttls" => Ok(TlsMode::StartTls),
            "tls" => Ok(TlsMode::Tls),
            other => Err(format!(
                "unknown SMTP TLS mode `{other}` (expected none, starttls or tls)"
            )),
        }
    }
}

/// The `[smtp]` settings; without them notifications are in-app only.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// The sender, e.g. `Renkei <noreply@renkei.example.jp>`.
    pub from: Mailbox,
    pub username: Option<String>,
    /// Never printed (`Secret`'s `Debug` hides it).
    pub password: Option<Secret>,
    pub tls: TlsMode,
}

impl SmtpConfig {
    /// A sender address as the config gives it.
    pub fn parse_from(from: &str) -> Result<Mailbox, String> {
        from.parse::<Mailbox>()
            .map_err(|e| format!("`{from}` is not an e-mail address: {e}"))
    }
}

/// Whether `s` is an e-mail address Renkei can send to: one address, no display name.
pub fn parse_address(s: &str) -> Option<lettre::Address> {
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    s.parse().ok()
}

/// Sends notification e-mail through one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid message: {0}")]
    Message(String),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

impl Mailer {
    pub fn new(config: &SmtpConfig) -> Result<Mailer, MailError> {
        let builder = match config.tls {
            TlsMode::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
            }
            TlsMode::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)?
            }
            TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)?,
        };
        let mut builder = builder
            .port(config.port)
            .timeout(Some(Duration::from_secs(30)));
        if let Some(user) = &config.username {
            let password = config
                .password
                .as_ref()
                .map(|p| p.expose().to_owned())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Mailer {
            transport: builder.build(),
            from: config.from.clone(),
        })
    }

    /// Sends one plain-text message to one recipient. The body is base64 so that Japanese
    /// text survives any relay.
    pub async fn send(
        &self,
        to: lettre::Address,
        subject: &str,
        body: String,
    ) -> Result<(), MailError> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(subject)
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .header(ContentTransferEncoding::Base64)
                    .body(body),
            )
            .map_err(|e| MailError::Message(e.to_string()))?;
        self.transport.send(message).await?;
        Ok(())
    }
}
