//! `chromium_available`: the real Chromium, and a bogus path with the install hint.

use std::path::PathBuf;

use truyvet_browser::{BrowserOptions, Error, INSTALL_HINT, capture_page, chromium_available};

use crate::test_options;

#[test]
fn the_installed_chromium_is_found_with_its_version() {
    let opts = test_options();
    let info = chromium_available(&opts).unwrap();
    assert_eq!(info.path, opts.chromium_path);
    assert!(info.version.contains("Chromium"), "{}", info.version);
}

#[test]
fn a_bogus_path_is_not_found_and_the_message_says_how_to_install() {
    let opts = BrowserOptions {
        chromium_path: PathBuf::from("/nonexistent/truyvet/chromium"),
        ..BrowserOptions::default()
    };
    let missing = chromium_available(&opts).unwrap_err();
    let message = missing.to_string();
    assert!(
        message.contains("/nonexistent/truyvet/chromium"),
        "{message}"
    );
    assert!(
        message.contains("sudo apt-get install chromium"),
        "{message}"
    );
    assert!(message.contains(INSTALL_HINT), "{message}");

    // A file that is not Chromium is refused too.
    let not_chromium = BrowserOptions {
        chromium_path: PathBuf::from("/bin/true"),
        ..BrowserOptions::default()
    };
    let refused = chromium_available(&not_chromium).unwrap_err();
    assert!(
        refused.to_string().contains("did not report a Chromium"),
        "{refused}"
    );
}

#[tokio::test]
async fn capturing_without_chromium_fails_with_the_install_hint() {
    let opts = BrowserOptions {
        chromium_path: PathBuf::from("/nonexistent/truyvet/chromium"),
        ..BrowserOptions::default()
    };
    let err = capture_page("http://127.0.0.1:9/", &opts)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert!(
        err.to_string().contains("apt-get install chromium"),
        "{err}"
    );
}
