//! The typed-export half of [`Runtime`]'s API: loading typed component
//! plugins and calling typed exports (`components/typed/` does the work).

use wasmtime::component::Val;

use crate::components::typed::{self, ExportCall};
use crate::run::Call;
use crate::{
    ExportError, ExportTarget, PluginError, RunOptions, Runtime, TypedExecution, TypedExports,
    TypedPlugin,
};

impl Runtime {
    /// Compiles `wasm` (through the runtime's
    /// [cache directory](crate::RuntimeBuilder::cache_dir), like
    /// [`Runtime::load_plugin`]) and checks that it can run here and
    /// exports `exports`: its imports must be among the `plugin` world's
    /// (`wit/plugin.wit`), and it must export the interface with every
    /// declared function, of the declared types. It need not export
    /// `handler`; one that does can be loaded with `load_plugin` as well.
    pub fn load_typed_plugin(
        &self,
        name: impl Into<String>,
        wasm: &[u8],
        exports: &TypedExports,
    ) -> Result<TypedPlugin, PluginError> {
        typed::load_component(
            &self.inner.engine,
            &self.inner.linker,
            &self.inner.disk_cache,
            name.into(),
            wasm,
            exports,
        )
    }

    /// Calls the typed export `function` (its WIT name) of `target` with
    /// `args`, in a fresh sandbox, like [`Runtime::run_plugin`] runs a
    /// plugin: same limits, context, grants and host-call cap, one
    /// classified [`Outcome`](crate::Outcome), counted in the metrics.
    ///
    /// The arguments are checked against the declared parameters before
    /// anything runs ([`ExportError`]). A JS plugin's result is checked
    /// against the declared result type: one that does not fit ends the
    /// run as an uncaught `TypeError` naming where
    /// (`transform returned .items[2].qty: expected u32, got "7"`). For a
    /// declared `result<T, E>`, a JS plugin that throws returns `err`: the
    /// thrown value converted to `E` (for `string`, the error's `message`).
    ///
    /// ```no_run
    /// use jsbox::{ExportTarget, RunOptions, Runtime, Script, TypedExports};
    /// use wasmtime::component::Val;
    ///
    /// let exports = TypedExports::builder()
    ///     .wit("greet.wit", "package example:greet; interface greet { greet: func(name: string) -> string; }")
    ///     .interface("greet")
    ///     .build()?;
    /// let plugin = Script::module("greet.mjs", "export function greet(name) { return `hi ${name}`; }");
    /// let target = ExportTarget::js(&exports, plugin);
    /// let runtime = Runtime::builder().build()?;
    /// let call = runtime.call_export(&target, "greet", &[Val::String("ada".into())], RunOptions::default())?;
    /// assert_eq!(call.result, Some(Val::String("hi ada".into())));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn call_export(
        &self,
        target: &ExportTarget,
        function: &str,
        args: &[Val],
        options: RunOptions,
    ) -> Result<TypedExecution, ExportError> {
        let mut result = None;
        let call = ExportCall::new(target, function, args, &mut result)?;
        let execution = self.execute(Call::Export(call), options);
        Ok(TypedExecution { execution, result })
    }

    /// [`Runtime::call_export`] with JSON arguments: `args` is the array of
    /// them, each converted to its parameter's type by the same rules as a
    /// JS plugin's values (`wit/README.md`). The result, as JSON, is the
    /// outcome's `value_json`.
    pub fn call_export_json(
        &self,
        target: &ExportTarget,
        function: &str,
        args: &serde_json::Value,
        options: RunOptions,
    ) -> Result<TypedExecution, ExportError> {
        let vals = typed::json_arguments(target, function, args)?;
        self.call_export(target, function, &vals, options)
    }

    /// [`Runtime::call_export`] on a blocking thread of the current Tokio
    /// runtime; dropping the future cancels the call, as for
    /// [`Runtime::run_async`].
    pub async fn call_export_async(
        &self,
        target: ExportTarget,
        function: String,
        args: Vec<Val>,
        options: RunOptions,
    ) -> Result<TypedExecution, ExportError> {
        self.on_blocking_thread(
            "Runtime::call_export_async",
            options,
            move |runtime, options| runtime.call_export(&target, &function, &args, options),
            |execution| {
                Ok(TypedExecution {
                    execution,
                    result: None,
                })
            },
        )
        .await
    }
}
