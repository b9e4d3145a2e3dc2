#[test]
fn probe() {
    let rt = jsbox::Runtime::builder().build().unwrap();
    for s in [
        "function f() { return f() + 1 } f()",
        "function g(n) { return n === 0 ? 0 : g(n - 1) + 1 } g(1e6)",
        "const o = {}; o.toString = function () { return String(this) + ''; }; String(o)",
        "function f(){ try { return f() } catch(e) { return e.name } } f()",
        "let x = []; for (let i=0;i<1e5;i++) x = [x]; JSON.stringify(x).length",
        "function g(n) { return n === 0 ? 0 : g(n - 1) + 1 } g(1000)",
        "function g(n) { return n === 0 ? 0 : g(n - 1) + 1 } g(5000)",
    ] {
        let e = rt.run(&jsbox::Script::new("t.js", s), Default::default());
        eprintln!("{s}: {:?}", e.outcome);
    }
}
