//! What the command line's integration tests share: a scratch folder, the binary run as users
//! run it (arguments, standard input), and what one run did. Each test file includes it
//! (`mod support;`) and uses what it needs.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// A scratch folder under the system's temporary folder, removed on drop.
pub struct Scratch {
    /// The folder.
    pub dir: PathBuf,
}

impl Scratch {
    /// A fresh folder for the test named `test` (of the test file this is compiled into).
    pub fn new(test: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "flowverify-{}-{}-{test}-{n}",
            env!("CARGO_CRATE_NAME"),
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch { dir }
    }

    /// Writes `name` (folders created) with `content`; returns its path as the command line
    /// takes it.
    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> String {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(&path, content).expect("write scratch file");
        path.display().to_string()
    }

    /// Writes `name` with `value` as indented JSON; returns its path.
    pub fn write_json(&self, name: &str, value: &Value) -> String {
        self.write(name, serde_json::to_string_pretty(value).expect("json"))
    }

    /// The path of `name` in the folder (not written).
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What one run of the binary did.
pub struct Run {
    /// The exit status (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Asserts exit status 2 and an `error` on stderr containing every one of `needles`.
    pub fn bad_input(&self, needles: &[&str]) -> &Run {
        assert_eq!(
            self.code, 2,
            "expected exit 2\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.starts_with("error"),
            "stderr must start with 'error':\n{}",
            self.stderr
        );
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr should contain {needle:?}:\n{}",
                self.stderr
            );
        }
        self
    }

    /// Asserts exit status `code`.
    pub fn code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts exit status 0.
    pub fn ok(&self) -> &Run {
        self.code(0)
    }

    /// Standard output as one JSON value.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// Standard output as JSON Lines: one object per line, every line one object.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| {
                let item: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("a line is not JSON ({e}): {line}"));
                assert!(item.is_object(), "not an object: {line}");
                item
            })
            .collect()
    }

    /// The last line of standard output.
    pub fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or_default()
    }
}

/// What a finished command did; a panic of the binary fails the test whatever it asserts next.
fn ended(output: std::process::Output) -> Run {
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked:\n{}",
        run.stderr
    );
    run
}

/// Runs the binary with `args` (standard input empty).
pub fn flowverify(args: &[&str]) -> Run {
    ended(
        Command::new(env!("CARGO_BIN_EXE_flowverify"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run flowverify"),
    )
}

/// Runs the binary with `input` on its standard input.
pub fn flowverify_stdin(args: &[&str], input: impl AsRef<[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowverify"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run flowverify");
    let mut stdin = child.stdin.take().expect("a pipe to its stdin");
    let input = input.as_ref().to_vec();
    // Written from a thread: a large input must not block on a full pipe while we wait.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("flowverify ends");
    writer.join().expect("the writer ends");
    ended(output)
}
