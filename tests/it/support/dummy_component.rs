//! Components made by `wit-component` from WIT alone: their functions trap
//! if called, so tests of loading and checking components need no wasm
//! toolchain.

use wit_component::{ComponentEncoder, StringEncoding, dummy_module, embed_component_metadata};
use wit_parser::{ManglingAndAbi, Resolve};

/// A component for `world`. The WIT is `jsbox:sandbox` (`wit/`) followed
/// by the `extra` packages (file name, text) in order; `world` is looked up
/// in the last package.
pub fn dummy_component(extra: &[(&str, &str)], world: &str) -> Vec<u8> {
    let mut resolve = Resolve::default();
    let (mut package, _) = resolve
        .push_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/wit"))
        .expect("wit/ parses");
    for (name, text) in extra {
        package = resolve.push_str(name, text).expect("test WIT parses");
    }
    let world = resolve
        .select_world(&[package], Some(world))
        .expect("world exists");
    let mut module = dummy_module(&resolve, world, ManglingAndAbi::Standard32);
    embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8)
        .expect("metadata embeds");
    ComponentEncoder::default()
        .module(&module)
        .expect("module is valid")
        .validate(true)
        .encode()
        .expect("component encodes")
}
