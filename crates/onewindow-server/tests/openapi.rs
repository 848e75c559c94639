//! The OpenAPI document is a contract others generate clients from: any change to it shows
//! here, in review, as a change to `tests/snapshots/openapi.json`. After a deliberate change,
//! rewrite the snapshot with `UPDATE_SNAPSHOTS=1 cargo nextest run -p onewindow-server --test openapi`.

#[test]
fn the_openapi_document_is_the_reviewed_contract() {
    let doc = serde_json::to_string_pretty(onewindow_server::openapi::document()).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &doc).unwrap();
        return;
    }
    let reviewed = std::fs::read_to_string(&path).unwrap_or_default();
    if reviewed != doc {
        let new = path.with_extension("json.new");
        std::fs::write(&new, &doc).unwrap();
        let first =
            reviewed.lines().zip(doc.lines()).position(|(a, b)| a != b).unwrap_or(reviewed.lines().count().min(doc.lines().count()));
        panic!(
            "the OpenAPI document differs from {} from line {} on (new version written to {}); review the change and rerun \
             with UPDATE_SNAPSHOTS=1 to accept it:\n  reviewed: {}\n  now:      {}",
            path.display(),
            first + 1,
            new.display(),
            reviewed.lines().nth(first).unwrap_or("<end>"),
            doc.lines().nth(first).unwrap_or("<end>")
        );
    }
}

#[test]
fn every_operation_documents_its_problems() {
    let value = serde_json::to_value(onewindow_server::openapi::document()).unwrap();
    for (path, item) in value["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let secured = op["security"].as_array().is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(|o| !o.is_empty())));
            if secured {
                assert!(responses.contains_key("401"), "{method} {path} needs a log-in but documents no 401");
            }
        }
    }
}
