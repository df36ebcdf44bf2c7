//! Resumable uploads: a chunk out of order gets 409 with the offset, a connection cut in
//! the middle of a chunk leaves the acknowledged offset, the client resumes from what
//! `HEAD`/`GET` says, and the size caps answer 413.

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::json;
use truyvet_tests::sha256_hex;

use crate::support::{Backend, Env, bundles};

/// Sends a PUT whose body stops short of its Content-Length, then closes the socket:
/// a client whose connection broke mid-chunk.
fn cut_chunk(url: &str, token: &str, id: &str, offset: usize, sent: &[u8], declared: usize) {
    let addr = url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(addr).unwrap();
    let head = format!(
        "PUT /v1/uploads/{id}?offset={offset} HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(sent).unwrap();
    stream.flush().unwrap();
    stream.shutdown(std::net::Shutdown::Both).ok();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).ok();
}

async fn an_upload_cut_midway_resumes_from_the_acknowledged_offset(backend: Backend) {
    let b = bundles();
    let env = Env::new(backend);
    let tokens = env.setup();
    let registry = env.start(&["--chunk-max", "32768", "--max-bundle", "200000"]);
    let inv = registry.client(Some(&tokens.inv));
    let bytes = &b.qltt.bytes;
    assert!(
        bytes.len() > 40_000,
        "the test wants a bundle of several chunks"
    );

    let id = inv.create_upload(bytes).await;
    let half = 20_000;
    inv.put(&format!("/v1/uploads/{id}?offset=0"), &bytes[..half])
        .await
        .expect(200);
    // Finishing early: 409 with the offset.
    let early = inv
        .send("POST", &format!("/v1/uploads/{id}/finish"), None, false)
        .await
        .fails(409, "upload_incomplete");
    assert_eq!(early.body["error"]["offset"], half);

    // Out of order, overlapping, and beyond the declared size: 409 with the offset.
    for offset in [0, half - 1, half + 1] {
        let refused = inv
            .put(
                &format!("/v1/uploads/{id}?offset={offset}"),
                &bytes[offset..offset + 10],
            )
            .await
            .fails(409, "offset_mismatch");
        assert_eq!(refused.body["error"]["offset"], half);
        assert_eq!(refused.offset, Some(half as u64));
    }
    // A chunk over the chunk cap: 413, offset unchanged.
    inv.put(
        &format!("/v1/uploads/{id}?offset={half}"),
        &bytes[half..half + 32_769],
    )
    .await
    .fails(413, "chunk_too_large");

    // The connection breaks in the middle of a chunk.
    cut_chunk(
        &registry.url,
        &tokens.inv,
        &id,
        half,
        &bytes[half..half + 5_000],
        10_000,
    );

    // The client asks where to go on (GET and HEAD), then resumes.
    let status = inv.get(&format!("/v1/uploads/{id}")).await.expect(200);
    assert_eq!(status.body["offset"], half);
    assert_eq!(status.body["size"], bytes.len());
    let head = inv
        .send("HEAD", &format!("/v1/uploads/{id}"), None, false)
        .await
        .expect(200);
    assert_eq!(head.offset, Some(half as u64));
    let mut offset = half;
    for part in bytes[half..].chunks(30_000) {
        inv.put(&format!("/v1/uploads/{id}?offset={offset}"), part)
            .await
            .expect(200);
        offset += part.len();
    }
    let receipt = inv
        .send("POST", &format!("/v1/uploads/{id}/finish"), None, false)
        .await
        .expect(201);
    assert_eq!(receipt.body["bundle_sha256"], sha256_hex(bytes));
    assert!(receipt.body["inclusion_proof"].is_array());
    // The upload is gone once finished.
    inv.get(&format!("/v1/uploads/{id}"))
        .await
        .fails(404, "upload_not_found");
}

#[tokio::test]
async fn size_caps_and_bad_requests_are_4xx_json() {
    let env = Env::new(Backend::Sqlite);
    let tokens = env.setup();
    let registry = env.start(&["--max-bundle", "100000"]);
    let inv = registry.client(Some(&tokens.inv));
    let sha = "ab".repeat(32);
    inv.post_json("/v1/uploads", &json!({"size": 100_001, "sha256": sha}))
        .await
        .fails(413, "bundle_too_large");
    inv.post_json("/v1/uploads", &json!({"size": 0, "sha256": sha}))
        .await
        .fails(400, "invalid_input");
    inv.post_json("/v1/uploads", &json!({"size": 10, "sha256": "xyz"}))
        .await
        .fails(400, "invalid_input");
    inv.post_json("/v1/uploads", &json!({"size": "ten"}))
        .await
        .fails(400, "bad_request");
    inv.send("POST", "/v1/uploads", Some(b"{not json".to_vec()), true)
        .await
        .fails(400, "bad_request");
    inv.send("POST", "/v1/uploads", Some(b"{}".to_vec()), false)
        .await
        .fails(415, "unsupported_media_type");
    let huge = format!(r#"{{"size": 10, "sha256": "{}"}}"#, "a".repeat(100_000));
    inv.send("POST", "/v1/uploads", Some(huge.into_bytes()), true)
        .await
        .fails(413, "body_too_large");
    // Declared 10 bytes, sent 11.
    let id = inv
        .post_json("/v1/uploads", &json!({"size": 10, "sha256": sha}))
        .await
        .expect(201)
        .body["upload_id"]
        .as_str()
        .unwrap()
        .to_string();
    inv.put(&format!("/v1/uploads/{id}?offset=0"), &[0u8; 11])
        .await
        .fails(413, "bundle_too_large");
    inv.put(&format!("/v1/uploads/{id}"), &[0u8; 1])
        .await
        .fails(400, "bad_request");
    inv.put(&format!("/v1/uploads/{id}?offset=minus"), &[0u8; 1])
        .await
        .fails(400, "bad_request");
    inv.get("/v1/uploads/no-such-upload")
        .await
        .fails(404, "upload_not_found");
    inv.get("/v1/nothing-here").await.fails(404, "not_found");
    inv.send("DELETE", "/v1/log/head", None, false)
        .await
        .fails(405, "method_not_allowed");
    inv.get("/v1/lookup").await.fails(400, "bad_request");
    inv.get("/v1/lookup?value=")
        .await
        .fails(400, "invalid_input");
    inv.get("/v1/lookup?value=x&kind=robot")
        .await
        .fails(400, "invalid_input");
    let sup = registry.client(Some(&tokens.sup));
    sup.get("/v1/stats?from=2026-13-01&to=2026-12-31")
        .await
        .fails(400, "invalid_input");
    sup.get("/v1/stats?from=2026-12-01&to=2026-11-30")
        .await
        .fails(400, "invalid_range");
    inv.get("/v1/watchlist?limit=0")
        .await
        .fails(400, "invalid_input");
}

async fn an_upload_survives_the_server_killed_midway(backend: Backend) {
    let b = bundles();
    let env = Env::new(backend);
    let tokens = env.setup();
    let bytes = &b.ca.bytes;
    let half = bytes.len() / 2;
    let id = {
        let registry = env.start(&[]);
        let other = registry.client(Some(&tokens.other));
        let id = other.create_upload(bytes).await;
        other
            .put(&format!("/v1/uploads/{id}?offset=0"), &bytes[..half])
            .await
            .expect(200);
        id
        // Dropping the registry kills it with SIGKILL.
    };
    let registry = env.start(&[]);
    let other = registry.client(Some(&tokens.other));
    let status = other.get(&format!("/v1/uploads/{id}")).await.expect(200);
    assert_eq!(status.body["offset"], half);
    other
        .put(&format!("/v1/uploads/{id}?offset={half}"), &bytes[half..])
        .await
        .expect(200);
    let receipt = other
        .send("POST", &format!("/v1/uploads/{id}/finish"), None, false)
        .await
        .expect(201);
    assert_eq!(receipt.body["case_id"], b.ca.case_id.as_str());
    assert!(receipt.body["tree_head"]["size"] == 1);
}

crate::on_both_stores!(
    an_upload_cut_midway_resumes_from_the_acknowledged_offset,
    an_upload_survives_the_server_killed_midway
);
