//! The frozen `context` global (`context.js`, `jsbox:context`), built from
//! the host's `context` import.

use javy::quickjs::{Array, Ctx, Function, Object, Value};

use crate::builtins::{self, Builtin, builtin};
use crate::jsbox::sandbox::context as host_context;
use crate::jsbox::sandbox::types::{RequestContext, User};

/// Defines `globalThis.context` as a non-configurable accessor without a
/// setter, so that assigning to `context` has no effect (and throws in
/// strict mode). Done once, in the snapshot: the getter asks the host for
/// the run's context on first use and keeps the deeply frozen result for
/// the rest of the run, so runs that never read `context` never pay for it.
pub fn install(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let load = Function::new(ctx.clone(), load)?;
    builtins::install(ctx, &CONTEXT_JS, (load,))
}

const CONTEXT_JS: Builtin = builtin!("jsbox:context", "context.js");

fn load<'js>(ctx: Ctx<'js>) -> javy::quickjs::Result<Object<'js>> {
    to_js(&ctx, host_context::get())
}

fn to_js<'js>(ctx: &Ctx<'js>, context: RequestContext) -> javy::quickjs::Result<Object<'js>> {
    let object = Object::new(ctx.clone())?;
    object.set("tenantId", string_or_null(ctx, context.tenant_id)?)?;
    let user = match context.user {
        Some(user) => Value::from(user_to_js(ctx, user)?),
        None => Value::new_null(ctx.clone()),
    };
    object.set("user", user)?;
    object.set("requestId", context.request_id)?;
    object.set("locale", string_or_null(ctx, context.locale)?)?;
    object.set("traceParent", string_or_null(ctx, context.trace_parent)?)?;
    // A u64 of milliseconds since the epoch is exact in an f64 until the
    // year 287396.
    object.set("deadlineMs", context.deadline_ms as f64)?;
    freeze(ctx, object)
}

fn user_to_js<'js>(ctx: &Ctx<'js>, user: User) -> javy::quickjs::Result<Object<'js>> {
    let object = Object::new(ctx.clone())?;
    object.set("id", user.id)?;
    object.set("email", string_or_null(ctx, user.email)?)?;
    let permissions = Array::new(ctx.clone())?;
    for (i, permission) in user.permissions.into_iter().enumerate() {
        permissions.set(i, permission)?;
    }
    object.set("permissions", freeze(ctx, permissions.into_object())?)?;
    freeze(ctx, object)
}

/// Absent optional fields read as `null`, as they would in JSON.
fn string_or_null<'js>(ctx: &Ctx<'js>, value: Option<String>) -> javy::quickjs::Result<Value<'js>> {
    match value {
        Some(s) => javy::quickjs::String::from_str(ctx.clone(), &s).map(Value::from),
        None => Ok(Value::new_null(ctx.clone())),
    }
}

fn freeze<'js>(ctx: &Ctx<'js>, object: Object<'js>) -> javy::quickjs::Result<Object<'js>> {
    let freeze: Function = object_constructor(ctx)?.get("freeze")?;
    freeze.call((object,))
}

fn object_constructor<'js>(ctx: &Ctx<'js>) -> javy::quickjs::Result<Object<'js>> {
    ctx.globals().get("Object")
}
