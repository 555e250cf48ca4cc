//! Running the `pos` command line in a temporary data directory, reading the database it
//! wrote, and fingerprinting it to prove that a refused command changed nothing.
// Test support: a failing helper should stop the test right there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// One run of the command line.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// A data directory and the binary to run against it.
#[derive(Debug)]
pub struct Pos {
    bin: PathBuf,
    dir: tempfile::TempDir,
}

pub const MANAGER: (&str, &str) = ("manager", "9999");
pub const CASHIER: (&str, &str) = ("cashier", "1111");

impl Pos {
    /// A fresh, empty data directory. `bin` is `env!("CARGO_BIN_EXE_pos-cli")`.
    pub fn new(bin: &str) -> Pos {
        Pos {
            bin: PathBuf::from(bin),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A data directory after `pos init --demo`.
    pub fn demo(bin: &str) -> Pos {
        let pos = Pos::new(bin);
        let r = pos.run(&["init", "--demo"]);
        assert_eq!(r.code, 0, "init: {}", r.stderr);
        pos
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join(pos_app::store::DB_FILE)
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("POS_DATA_DIR", self.dir.path());
        c
    }

    /// Runs `pos ARGS` with nobody logged in.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command().args(args).output().unwrap())
    }

    /// Runs `pos ARGS` as `user`.
    pub fn run_as(&self, user: (&str, &str), args: &[&str]) -> Run {
        Run::from(
            self.command()
                .env("POS_USER", user.0)
                .env("POS_PIN", user.1)
                .args(args)
                .output()
                .unwrap(),
        )
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, user: (&str, &str), args: &[&str]) -> String {
        let r = self.run_as(user, args);
        assert_eq!(r.code, 0, "pos {args:?} failed: {}", r.stderr);
        r.stdout
    }

    /// A read-only connection to the database.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(
            self.db_path(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap()
    }

    /// A hash of every row of the tables a command could change: equal fingerprints before
    /// and after a refused command prove it changed nothing.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.dump().hash(&mut h);
        h.finish()
    }

    /// Every row of those tables as text.
    pub fn dump(&self) -> String {
        let db = self.db();
        let mut s = String::new();
        for table in [
            "items",
            "sales",
            "sale_lines",
            "payments",
            "stock_movements",
            "customers",
            "shifts",
            "cash_movements",
            "z_reports",
            "holds",
            "journal",
            "outbox",
        ] {
            // Keyed (WITHOUT ROWID) tables scan in primary-key order; the others by rowid.
            let order = match table {
                "sale_lines" | "payments" => "",
                _ => "ORDER BY rowid",
            };
            let mut stmt = db
                .prepare(&format!("SELECT * FROM {table} {order}"))
                .unwrap();
            let cols = stmt.column_count();
            let mut rows = stmt.query([]).unwrap();
            while let Some(r) = rows.next().unwrap() {
                for i in 0..cols {
                    s += &format!("{:?}|", r.get_ref(i).unwrap());
                }
                s.push('\n');
            }
        }
        s
    }

    /// Opens a shift as the cashier (sales need one).
    pub fn open_shift(&self) {
        self.ok(CASHIER, &["shift", "open", "--float", "100"]);
    }

    /// The receipt number printed by `pos sale --json`.
    pub fn sale(&self, user: (&str, &str), args: &[&str]) -> String {
        let mut all = vec!["--json", "sale"];
        all.extend_from_slice(args);
        let out = self.ok(user, &all);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["receipt_no"].as_str().unwrap().to_string()
    }
}
