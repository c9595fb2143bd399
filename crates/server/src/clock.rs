//! Time and randomness, passed in rather than read deep in the code, so tests can fix them.

use std::time::SystemTime;

/// Where the server gets the current time.
pub trait Clock: Send + Sync + 'static {
    /// Microseconds since the Unix epoch.
    fn now_micros(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_micros(&self) -> i64 {
        renkei_model::stix::Timestamp::from_system_time(SystemTime::now()).unix_micros()
    }
}

/// Where the server gets random bytes.
pub trait Entropy: Send + Sync + 'static {
    fn fill(&self, buf: &mut [u8]);

    fn uuid_v4(&self) -> uuid::Uuid {
        let mut b = [0u8; 16];
        self.fill(&mut b);
        uuid::Builder::from_random_bytes(b).into_uuid()
    }
}

/// A cryptographically secure generator seeded from the operating system.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, buf: &mut [u8]) {
        rand::RngExt::fill(&mut rand::rng(), buf);
    }
}
