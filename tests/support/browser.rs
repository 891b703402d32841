//! A real headless browser for tests: Debian's chromium driven by chromedriver over the W3C
//! WebDriver protocol (plain JSON over HTTP, so no extra client crate).

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use tokio::process::{Child, Command};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempdir::Dir,
}

mod tempdir {
    /// A throwaway browser profile directory, removed on drop.
    pub struct Dir(pub std::path::PathBuf);

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Browser {
    /// Starts chromedriver on a free port and opens a phone-sized headless chromium session.
    pub async fn start() -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver installed (cargo xtask test installs chromium-driver)");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempdir::Dir(std::env::temp_dir().join(format!("oms-chromium-{port}")));
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=390,844",
            &format!("--user-data-dir={}", profile.0.display()),
        ];
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}
            }}}))
            .send()
            .await
            .expect("session request")
            .json()
            .await
            .expect("session answer");
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {created}"))
            .to_string();
        Browser {
            driver,
            base,
            session,
            http,
            _profile: profile,
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request
            .send()
            .await
            .expect("webdriver answers")
            .json()
            .await
            .expect("JSON");
        answer["value"].clone()
    }

    pub async fn open(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    /// The first element matching a CSS selector, if there is one.
    pub async fn find(&self, selector: &str) -> Option<String> {
        let element = self
            .command(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": selector})),
            )
            .await;
        element[ELEMENT].as_str().map(str::to_string)
    }

    async fn element(&self, selector: &str) -> String {
        match self.find(selector).await {
            Some(id) => id,
            None => panic!("no element {selector} on {}", self.url().await),
        }
    }

    /// How many elements match a CSS selector.
    pub async fn count(&self, selector: &str) -> usize {
        let found = self
            .command(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": selector})),
            )
            .await;
        found.as_array().map_or(0, Vec::len)
    }

    /// The visible text of the first element matching a CSS selector.
    pub async fn text(&self, selector: &str) -> String {
        let id = self.element(selector).await;
        self.command(reqwest::Method::GET, &format!("/element/{id}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// An attribute of the first element matching a CSS selector.
    pub async fn attribute(&self, selector: &str, name: &str) -> Option<String> {
        let id = self.element(selector).await;
        self.command(
            reqwest::Method::GET,
            &format!("/element/{id}/attribute/{name}"),
            None,
        )
        .await
        .as_str()
        .map(str::to_string)
    }

    pub async fn click(&self, selector: &str) {
        let id = self.element(selector).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Replaces what a field holds with `text`, typed as a person would.
    pub async fn fill(&self, selector: &str, text: &str) {
        let id = self.element(selector).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/clear"),
            Some(json!({})),
        )
        .await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Says yes to the confirmation the page asks for; `None` when it asked nothing.
    pub async fn accept_alert(&self) -> Option<String> {
        let text = self
            .command(reqwest::Method::GET, "/alert/text", None)
            .await
            .as_str()
            .map(str::to_string)?;
        self.command(reqwest::Method::POST, "/alert/accept", Some(json!({})))
            .await;
        Some(text)
    }

    /// Waits (up to ten seconds) until the page's address contains `part`: a click that
    /// navigates returns before the next page is there.
    pub async fn wait_for_url(&self, part: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.url().await.contains(part) {
            assert!(
                Instant::now() < deadline,
                "the page's address never held {part}: {}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (up to ten seconds) until an element matching `selector` says `text`.
    pub async fn wait_for_text(&self, selector: &str, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(id) = self.find(selector).await {
                let shown = self
                    .command(reqwest::Method::GET, &format!("/element/{id}/text"), None)
                    .await;
                if shown.as_str() == Some(text) {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{selector} never said {text:?} on {}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The page's address now.
    pub async fn url(&self) -> String {
        self.command(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The page's HTML as the browser holds it.
    pub async fn source(&self) -> String {
        self.command(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A cookie's value, as the browser keeps it.
    pub async fn cookie(&self, name: &str) -> Option<String> {
        self.command(reqwest::Method::GET, &format!("/cookie/{name}"), None)
            .await["value"]
            .as_str()
            .map(str::to_string)
    }

    /// Sets the window's size (the session starts phone-sized, 390 x 844).
    pub async fn resize(&self, width: u32, height: u32) {
        self.command(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// Saves what the browser shows as a PNG.
    pub async fn screenshot(&self, path: &Path) {
        let png = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("artifact directory");
        }
        std::fs::write(path, bytes).expect("screenshot written");
    }

    pub async fn close(mut self) {
        self.command(reqwest::Method::DELETE, "", None).await;
        let _ = self.driver.kill().await;
    }
}
