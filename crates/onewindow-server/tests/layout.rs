//! The server's layout, checked over its source: each capability lives in its room
//! (`src/<room>/`), pages never reach into another room's API module, and no module imports
//! one that imports it back (directly or around a longer circle). Run it with
//! `cargo nextest run -p onewindow-server --test layout`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Rooms: one capability each, with what the API and the pages share in `service`.
const ROOMS: [&str; 8] = ["admin", "calendar", "cases", "catalogue", "session", "supervision", "tasks", "web"];
/// Files at the top of `src/` that are not a room: the crate's root, the application that
/// merges the rooms, shared state and clock, the OpenAPI base, the demo data.
const TOP: [&str; 6] = ["lib.rs", "app.rs", "state.rs", "clock.rs", "openapi.rs", "demo"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a source file: `src/cases/api.rs` → `cases::api`, `src/web/mod.rs` → `web`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).filter(|p| p != "mod" && p != "lib").collect();
    parts.join("::")
}

/// Every `crate::a::b` path a file names, cut to the deepest module that is a file here.
fn imports(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let path: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
        let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        // The longest prefix that is a module; `use crate::web::{a, b}` names `web` itself.
        for n in (1..=segments.len()).rev() {
            let candidate = segments[..n].join("::");
            if modules.contains(&candidate) {
                found.insert(candidate);
                break;
            }
        }
    }
    // `use super::service::…` inside a room names the sibling.
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph = BTreeMap::new();
    for f in &files {
        let module = module_of(&src, f);
        // Comments name modules without importing them.
        let text: String =
            std::fs::read_to_string(f).unwrap().lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        let mut deps = imports(&text, &modules);
        // `super::x` from `room::y` is `room::x`.
        if let Some((parent, _)) = module.rsplit_once("::") {
            for (i, _) in text.match_indices("super::") {
                let name: String = text[i + 7..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                let sibling = format!("{parent}::{name}");
                if modules.contains(&sibling) {
                    deps.insert(sibling);
                }
            }
        }
        deps.remove(&module);
        graph.insert(module, deps);
    }
    graph
}

#[test]
fn every_capability_lives_in_its_room() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&src).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            ROOMS.contains(&name.as_str()) || TOP.contains(&name.as_str()),
            "src/{name} is neither a feature room ({ROOMS:?}) nor one of the top files ({TOP:?}): put it in its room"
        );
    }
    for room in ROOMS.iter().filter(|r| **r != "web") {
        assert!(src.join(room).join("mod.rs").exists(), "room {room} has no mod.rs with its room()");
        let text = std::fs::read_to_string(src.join(room).join("mod.rs")).unwrap();
        assert!(text.contains("pub fn room() -> Room"), "room {room} does not say what it adds (room())");
    }
}

#[test]
fn pages_and_services_never_import_another_rooms_api() {
    let mut wrong = Vec::new();
    for (module, deps) in graph() {
        let room = module.split("::").next().unwrap().to_string();
        for dep in deps {
            let mut parts = dep.split("::");
            let (dep_room, dep_module) = (parts.next().unwrap(), parts.next());
            if dep_room != room && dep_module == Some("api") && module != "app" && !module.ends_with("::mod") {
                wrong.push(format!("{module} imports {dep}"));
            }
            // A room's pages share its API's logic through `service`, never by calling the API.
            if dep_room == room && dep_module == Some("api") && module.ends_with("pages") {
                wrong.push(format!("{module} imports its own room's api ({dep}); move what both need to {room}::service"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = graph();
    // Depth-first search for a circle, reporting the first found.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| *n == node) {
            return Some(stack[at..].iter().map(|s| s.to_string()).chain([node.to_string()]).collect());
        }
        if !done.insert(node) {
            return None;
        }
        stack.push(node);
        for dep in graph.get(node).into_iter().flatten() {
            // A room's mod.rs names its parts to build its router: that is not an import back.
            if let Some(circle) = visit(dep, graph, stack, done) {
                return Some(circle);
            }
        }
        stack.pop();
        None
    }
    // Room roots (`cases`, `tasks`…) only declare their modules and routes; leave them out so
    // that `cases::pages → cases` (for a sibling) is not read as a circle through the router.
    let parts_only: BTreeMap<String, BTreeSet<String>> = graph
        .iter()
        .filter(|(m, _)| m.contains("::") || TOP.iter().any(|t| t.trim_end_matches(".rs") == m.as_str()))
        .map(|(m, d)| (m.clone(), d.iter().filter(|x| x.contains("::") || x.as_str() == "state").cloned().collect()))
        .collect();
    let mut done = BTreeSet::new();
    for node in parts_only.keys() {
        if let Some(circle) = visit(node, &parts_only, &mut Vec::new(), &mut done) {
            panic!("import circle: {}", circle.join(" → "));
        }
    }
}

#[test]
fn rooms_depend_on_each_other_one_way() {
    let mut rooms: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, deps) in graph() {
        let room = module.split("::").next().unwrap().to_string();
        if !ROOMS.contains(&room.as_str()) {
            continue;
        }
        for dep in deps {
            let dep_room = dep.split("::").next().unwrap().to_string();
            if dep_room != room && ROOMS.contains(&dep_room.as_str()) {
                rooms.entry(room.clone()).or_default().insert(dep_room);
            }
        }
    }
    for (room, deps) in &rooms {
        for dep in deps {
            assert!(
                !rooms.get(dep).is_some_and(|back| back.contains(room)),
                "rooms {room} and {dep} import each other: {room} → {:?}, {dep} → {:?}",
                rooms.get(room),
                rooms.get(dep)
            );
        }
    }
}
