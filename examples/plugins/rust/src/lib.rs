//! A jsbox plugin written in Rust: greets its input on behalf of the run's
//! tenant, logging through the host (the `jsbox:sandbox/plugin` world's
//! `handler`, `wit/plugin.wit`), and implements the embedder's typed
//! `orders` interface (`../orders.wit`). See README.md to build and run it.

wit_bindgen::generate!({
    world: "example:orders-plugin/orders-plugin",
    path: ["../../../wit", "../orders.wit", "wit"],
    // The world spans three packages (jsbox:sandbox, example:orders and
    // its own): generate bindings for all of them.
    generate_all,
});

mod orders;

use exports::jsbox::sandbox::handler::Guest;
use jsbox::sandbox::types::JsError;
use jsbox::sandbox::{context, log};

struct Hello;

impl Guest for Hello {
    fn handle(input: String) -> Result<String, JsError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(JsError {
                name: "TypeError".to_owned(),
                message: "the input must name someone to greet".to_owned(),
                stack: None,
            });
        }
        let tenant = tenant();
        log::emit(log::Level::Info, &format!("greeting {name}"), &[]);
        Ok(format!("Hello, {name}! (for {tenant})"))
    }
}

/// The run's tenant, as the host's context says.
fn tenant() -> String {
    context::get()
        .tenant_id
        .unwrap_or_else(|| "nobody".to_owned())
}

export!(Hello);
