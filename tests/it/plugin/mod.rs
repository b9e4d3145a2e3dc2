//! Plugins: components of the plugin and http-plugin worlds, typed exports
//! in JS and in components, and the examples under `examples/plugins/`.

mod examples;
mod http;
mod typed_component;
mod typed_js;
mod world;
