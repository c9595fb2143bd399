//! Connections: one writer (SQLite allows one at a time), a small pool of readers, and a
//! checkpointer thread, all used from blocking threads so the async runtime never waits on
//! disk.
//!
//! The writer does not checkpoint the WAL itself (that is where the fsyncs and the second copy
//! of every page are); the checkpointer does it on its own connection after commits, in
//! PASSIVE mode, which never blocks the writer or readers.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// WAL frames (16 KiB pages) past which the checkpointer truncates the log: about 1 GB.
const MAX_WAL_FRAMES: i64 = 65_536;

pub(crate) struct Pool {
    path: PathBuf,
    writer: Mutex<Connection>,
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
    /// Wakes the checkpointer after a commit; dropping it stops the thread.
    committed: SyncSender<()>,
}

pub(crate) fn open(path: &Path, write: bool) -> rusqlite::Result<Connection> {
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -65536;
         PRAGMA mmap_size = 68719476736; -- capped by SQLITE_MAX_MMAP_SIZE (.cargo/config.toml)",
    )?;
    if write {
        // 16 KiB pages: records are several hundred bytes, and bulk inserts run 2–3× faster
        // than with the 4 KiB default. Takes effect when a new database gets its first table.
        conn.execute_batch("PRAGMA page_size = 16384;")?;
        // The checkpointer thread checkpoints; the writer only writes.
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;")?;
        // The writer cannot read through the memory map while it writes, and an import
        // touches index pages all over the file (observable keys are hashes): a bigger cache
        // saves a `pread` for most of them. It grows only as pages are used.
        conn.execute_batch("PRAGMA cache_size = -1048576;")?;
    }
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl Pool {
    pub(crate) fn new(path: &Path) -> rusqlite::Result<Self> {
        let writer = open(path, true)?;
        let checkpointer = open(path, true)?;
        let (committed, wake) = sync_channel(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(&checkpointer, &wake))
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(Pool {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            idle: Mutex::new(Vec::new()),
            // Enough for every request in flight to keep its connection (and its prepared
            // statements): opening one means parsing the schema and preparing everything anew.
            max_idle: 64,
            committed,
        })
    }

    pub(crate) fn with_writer<R>(&self, f: impl FnOnce(&mut Connection) -> R) -> R {
        let out = {
            let mut guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        };
        // A full channel means a wake-up is already pending.
        let _ = self.committed.try_send(());
        out
    }

    pub(crate) fn with_reader<R, E>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, E>,
        failed: impl Fn(rusqlite::Error) -> E,
    ) -> Result<R, E> {
        let conn = {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            idle.pop()
        };
        let conn = match conn {
            Some(c) => c,
            None => open(&self.path, false).map_err(&failed)?,
        };
        let out = in_read_transaction(&conn, f, failed);
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < self.max_idle {
            idle.push(conn);
        }
        out
    }
}

/// Runs `f` in one read transaction: one snapshot for all its statements, and one WAL read
/// lock (a `fcntl` on the shared-memory file) instead of one per statement.
fn in_read_transaction<R, E>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<R, E>,
    failed: impl FnOnce(rusqlite::Error) -> E,
) -> Result<R, E> {
    let step = |sql: &str| conn.prepare_cached(sql).and_then(|mut s| s.execute([]));
    if let Err(e) = step("BEGIN") {
        return Err(failed(e));
    }
    let out = f(conn);
    // A read transaction has nothing to lose; ending it cannot fail in a way that matters to
    // what was read, and a connection left inside one would pin the WAL.
    if step("COMMIT").is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    out
}

/// Checkpoints after commits (at most every 250 ms) and every few seconds regardless, until the
/// pool is dropped; then once more, in full, so a clean shutdown leaves a small WAL.
fn checkpoint_loop(conn: &Connection, wake: &Receiver<()>) {
    loop {
        match wake.recv_timeout(Duration::from_secs(5)) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {
                std::thread::sleep(Duration::from_millis(250));
                while wake.try_recv().is_ok() {}
                // (busy, frames in the log, frames checkpointed)
                match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                }) {
                    // Sustained writes (a long import) never leave the passive checkpoint a
                    // moment to catch up and restart the log: past about 1 GB, make the writer
                    // wait for a full checkpoint and truncate the log.
                    Ok((_, frames, _)) if frames > MAX_WAL_FRAMES => {
                        if let Err(e) =
                            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                        {
                            tracing::warn!(error = %e, "WAL truncation failed");
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
                return;
            }
        }
    }
}
