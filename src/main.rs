//! The page's entry point: mounts the app (see `lib.rs`); nothing else happens here.

#[cfg(target_arch = "wasm32")]
fn main() {
    flowverify_web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("flowverify-web is a web page: build it with `make dist` or run `make serve`");
}
