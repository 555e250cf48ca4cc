//! A throwaway PostgreSQL cluster for one test: `initdb` in a temporary directory, `pg_ctl
//! start` on a reserved port on 127.0.0.1 (and a private socket directory), stopped and deleted on
//! drop. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running cluster; trust authentication for the `postgres` role on loopback only.
#[derive(Debug)]
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// Holds the port from before PostgreSQL binds it until the cluster is gone, so that no
    /// other test can take it in between (see [`reserve_port`]).
    _reserved: tokio::net::TcpSocket,
    as_postgres_user: bool,
}

impl PgCluster {
    /// Starts a cluster tuned for tests (`fsync=off`: a crash of the test machine loses
    /// nothing anyone needs).
    pub fn start() -> anyhow::Result<Self> {
        Self::start_with(&["-c", "fsync=off"])
    }

    /// Starts a cluster with PostgreSQL's durable defaults (for benchmarks).
    pub fn start_durable() -> anyhow::Result<Self> {
        Self::start_with(&[])
    }

    fn start_with(settings: &[&str]) -> anyhow::Result<Self> {
        let bin = find_bin_dir()?;
        let as_postgres_user = is_root()?;
        let dir = tempfile::Builder::new().prefix("pos-pg-").tempdir()?;
        if as_postgres_user {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()?;
            anyhow::ensure!(status.success(), "chown of the cluster directory failed");
        }
        let (reserved, port) = reserve_port()?;
        let cluster = PgCluster {
            dir,
            bin,
            port,
            _reserved: reserved,
            as_postgres_user,
        };
        let data = cluster.data_dir();
        cluster.run(
            "initdb",
            &[
                "-D",
                path_str(&data)?,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            path_str(cluster.dir.path())?
        );
        for s in settings {
            options.push(' ');
            options.push_str(s);
        }
        let log = cluster.dir.path().join("postgres.log");
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&data)?,
                "-l",
                path_str(&log)?,
                "-o",
                &options,
                "-w",
                "start",
            ],
        )?;
        Ok(cluster)
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> anyhow::Result<String> {
        let port = self.port.to_string();
        self.run(
            "createdb",
            &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", name],
        )?;
        Ok(format!(
            "postgres://postgres@127.0.0.1:{}/{name}",
            self.port
        ))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, tool: &str, args: &[&str]) -> anyhow::Result<Output> {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        // Run from the cluster's directory: the postgres user may not enter the caller's.
        let output = command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .with_context(|| format!("cannot run {}", program.display()))?;
        if !output.status.success() {
            bail!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(output)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if let Ok(data) = path_str(&self.data_dir()) {
            let _ = self.run("pg_ctl", &["-D", data, "-m", "immediate", "-w", "stop"]);
        }
    }
}

/// The newest `/usr/lib/postgresql/N/bin`, or `POS_PG_BIN`.
fn find_bin_dir() -> anyhow::Result<PathBuf> {
    if let Ok(dir) = std::env::var("POS_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL is not installed (scripts/setup-debian installs it)")?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .context("no /usr/lib/postgresql/N/bin/initdb")
}

fn is_root() -> anyhow::Result<bool> {
    let out = Command::new("id").arg("-u").output()?;
    Ok(String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A free loopback port, held by a bound socket that never listens (the same idea as
/// `pos_tests::net::ReservedPort`; this file is also compiled into a bench on its own).
/// A port probed and closed could be taken by another test before PostgreSQL binds it;
/// PostgreSQL binds with `SO_REUSEADDR`, as this socket does, so it still gets the port.
fn reserve_port() -> anyhow::Result<(tokio::net::TcpSocket, u16)> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let port = socket.local_addr()?.port();
    Ok((socket, port))
}

fn path_str(path: &Path) -> anyhow::Result<&str> {
    path.to_str().context("temporary path is not UTF-8")
}
