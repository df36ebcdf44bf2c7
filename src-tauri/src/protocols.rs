//! Captured content is hostile (DESIGN.md invariant 5), so it never becomes app content.
//! Two custom URI schemes serve it, each one role of one evidence item looked up by
//! evidence id (never by path):
//!
//! - `evidence://localhost/<id>` — the screenshot, as `image/png` only, for `<img>`;
//! - `capture://localhost/<id>` — the rendered DOM, for a sandboxed `<iframe>`, under a
//!   CSP that disables scripts, forms and every network fetch but inline data images.
//!
//! The app's CSP allows the first in `img-src` and the second alone in `frame-src`; the
//! IPC bridge is only injected into the app's own origin, and the capability is bound to
//! it, so a captured page can neither see nor reach a command.

use tauri::http::{Method, Request, Response, StatusCode, header};
use tauri::{Manager, Runtime, UriSchemeContext};

use crate::state::AppState;

pub const SCREENSHOT_SCHEME: &str = "evidence";
pub const CAPTURE_SCHEME: &str = "capture";

/// What the captured page may do inside its frame: nothing but show text and inline images.
pub const CAPTURE_CSP: &str =
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/// One servable artifact: its role, the media type it must be stored as, what it is
/// served as, and the CSP of the response.
struct Served {
    role: &'static str,
    stored_as: &'static str,
    content_type: &'static str,
    csp: &'static str,
}

const SCREENSHOT: Served = Served {
    role: "screenshot",
    stored_as: "image/png",
    content_type: "image/png",
    csp: "default-src 'none'",
};

const DOM: Served = Served {
    role: "dom",
    stored_as: "text/html",
    content_type: "text/html; charset=utf-8",
    csp: CAPTURE_CSP,
};

pub fn screenshot<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
) -> Response<Vec<u8>> {
    serve(
        ctx.app_handle().state::<AppState>().inner(),
        &request,
        &SCREENSHOT,
    )
}

pub fn capture<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
) -> Response<Vec<u8>> {
    serve(ctx.app_handle().state::<AppState>().inner(), &request, &DOM)
}

fn serve(state: &AppState, request: &Request<Vec<u8>>, what: &Served) -> Response<Vec<u8>> {
    if request.method() != Method::GET {
        return refuse(StatusCode::METHOD_NOT_ALLOWED);
    }
    let Some(id) = evidence_id(request.uri().path()) else {
        return refuse(StatusCode::NOT_FOUND);
    };
    let bytes = state.with(|ws| {
        let artifact = ws.artifacts_of(id)?.into_iter().find(|a| {
            a.role == what.role
                && a.media_type
                    .split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case(what.stored_as))
        });
        artifact
            .map(|a| {
                // The plaintext, decrypted in memory where the workspace is encrypted.
                let bytes = ws.blobs().read_plain(&a.sha256)?;
                // Show only what was acquired: a blob altered on disk is not served.
                let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
                if digest != a.sha256 {
                    return Err(truyvet_core::Error::internal(format!(
                        "blob {} does not match its SHA-256",
                        a.sha256
                    )));
                }
                Ok(bytes)
            })
            .transpose()
    });
    match bytes {
        Ok(Some(bytes)) => response(StatusCode::OK, what.content_type, what.csp, bytes),
        Ok(None) => refuse(StatusCode::NOT_FOUND),
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// `/<id>` where the id is a UUID as the core writes it: hex digits and dashes only.
pub fn evidence_id(path: &str) -> Option<&str> {
    let id = path.strip_prefix('/')?;
    let valid =
        (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    valid.then_some(id)
}

fn refuse(status: StatusCode) -> Response<Vec<u8>> {
    response(
        status,
        "text/plain; charset=utf-8",
        "default-src 'none'",
        Vec::new(),
    )
}

fn response(status: StatusCode, content_type: &str, csp: &str, body: Vec<u8>) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_SECURITY_POLICY, csp)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::REFERRER_POLICY, "no-referrer")
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
        .unwrap_or_else(|_| Response::new(Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::{CAPTURE_CSP, DOM, SCREENSHOT, evidence_id, serve};
    use crate::AppState;
    use tauri::http::{Request, StatusCode};

    fn get(state: &AppState, path: &str, what: &super::Served) -> tauri::http::Response<Vec<u8>> {
        let request = Request::builder()
            .uri(format!("evidence://localhost{path}"))
            .body(Vec::new())
            .unwrap();
        serve(state, &request, what)
    }

    fn header<'a>(r: &'a tauri::http::Response<Vec<u8>>, name: &str) -> &'a str {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    #[test]
    fn serves_only_the_screenshot_as_png_and_the_dom_sandboxed() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open(Ok(dir.path().to_path_buf()));
        let (capture, file) = state
            .with(|ws| {
                ws.save_profile(&truyvet_core::model::ProfileInput {
                    display_name: "Vũ Minh".into(),
                    agency: "QLTT".into(),
                    unit: "Đội 1".into(),
                    province: "HN".into(),
                    role: truyvet_core::model::Role::Investigator,
                })?;
                let case = ws.create_case(&truyvet_core::model::NewCase {
                    title: "Vụ".into(),
                    ..Default::default()
                })?;
                let capture =
                    ws.add_web_capture(&case.code, &crate::contract_tests::web_capture_input())?;
                let path = dir.path().join("a.txt");
                std::fs::write(&path, "x")
                    .map_err(|e| truyvet_core::Error::internal(e.to_string()))?;
                let file = ws.add_files(&case.code, &[path], &Default::default(), &mut |_| {})?;
                Ok((capture.id, file[0].id.clone()))
            })
            .unwrap();

        let shot = get(&state, &format!("/{capture}"), &SCREENSHOT);
        assert_eq!(shot.status(), StatusCode::OK);
        assert_eq!(header(&shot, "content-type"), "image/png");
        assert_eq!(
            header(&shot, "content-security-policy"),
            "default-src 'none'"
        );
        assert_eq!(header(&shot, "x-content-type-options"), "nosniff");
        assert!(shot.body().starts_with(b"\x89PNG"));

        let page = get(&state, &format!("/{capture}"), &DOM);
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(header(&page, "content-security-policy"), CAPTURE_CSP);
        assert!(CAPTURE_CSP.starts_with("sandbox;"));
        assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");

        // A file has no screenshot; unknown ids and paths are not found; only GET.
        for path in [format!("/{file}"), "/ffff".into(), "/../truyvet.db".into()] {
            assert_eq!(
                get(&state, &path, &SCREENSHOT).status(),
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        // A screenshot altered on disk is not shown as if it were the evidence.
        let shot_path = state
            .with(|ws| {
                let a = ws.artifacts_of(&capture)?;
                Ok(ws
                    .blobs()
                    .path_for(&a.iter().find(|a| a.role == "screenshot").unwrap().sha256))
            })
            .unwrap();
        let mut perms = std::fs::metadata(&shot_path).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&shot_path, perms).unwrap();
        std::fs::write(&shot_path, b"\x89PNG altered").unwrap();
        assert_eq!(
            get(&state, &format!("/{capture}"), &SCREENSHOT).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );

        let post = Request::builder()
            .method("POST")
            .uri(format!("capture://localhost/{capture}"))
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            serve(&state, &post, &DOM).status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
    }

    #[test]
    fn only_ids_are_accepted_never_paths() {
        assert_eq!(
            evidence_id("/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
            Some("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
        );
        for bad in [
            "",
            "/",
            "/../truyvet.db",
            "/a/b",
            "/%2e%2e",
            "x",
            "/abc.png",
        ] {
            assert_eq!(evidence_id(bad), None, "{bad}");
        }
    }
}
