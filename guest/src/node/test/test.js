// `node:test`: `test`/`it`, `describe`/`suite`, hooks and the test
// context, reporting in TAP version 13 as Node's `tap` reporter does.
//
// Tests run one at a time in the order they are declared: a top-level
// `test()` starts once the code declaring it yields, a suite's function
// runs when it is declared (collecting its tests), then its tests run in
// order. A test passes when its function returns (or its promise
// resolves, or `done()` is called without an error) and every subtest
// passed. `only` is honoured without a flag (as `node --test` does): in a
// suite with an `only` test the others are skipped. `timeout` fails a test
// that runs longer (and aborts `t.signal`); the run's own limits still
// apply above it.
//
// The report goes to stdout line by line as tests finish; the summary
// (`# tests`, `# pass`, `# fail`…) and the plan come at the end of the
// run, which also sets `process.exitCode` to 1 when a test failed or never
// finished (`cancelled`, as Node reports a test whose promise was pending
// when the event loop emptied). `jsbox test` runs each file in its own
// sandbox and reads this report.
//
// Divergences: no `mock`, `snapshot`, `run()`, custom reporters, test name
// patterns or concurrency (`concurrency` is accepted and ignored: tests run
// one at a time); no `location` in failure details.
(function nodeTest(builtin) {
  'use strict';
  const assert = builtin('assert');
  const { inspect } = builtin('util');
  const process = builtin('process');
  const now = () => globalThis.performance.now();

  const counts = { tests: 0, suites: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
  const started = now();

  const print = (depth, text) => {
    const indent = '    '.repeat(depth);
    console.log(text.split('\n').map((line) => indent + line).join('\n'));
  };
  // TAP escapes `#` and `\` in a description, and a name is one line.
  const describeName = (name) => name.replace(/\\/g, '\\\\').replace(/#/g, '\\#').replace(/\n/g, '\\n');

  /** A YAML scalar for the failure block, as Node writes them. */
  function yamlValue(value, indent) {
    if (typeof value === 'string') {
      if (!value.includes('\n')) return `'${value.replace(/'/g, "''")}'`;
      return `|-\n${value.split('\n').map((line) => indent + line).join('\n')}`;
    }
    const text = inspect(value, { depth: 4, breakLength: Infinity });
    if (!text.includes('\n')) return text;
    return `|-\n${text.split('\n').map((line) => indent + line).join('\n')}`;
  }

  function failureDetails(error, failureType) {
    const lines = [`failureType: '${failureType}'`];
    if (error === null || (typeof error !== 'object' && typeof error !== 'function')) {
      lines.push(`error: ${yamlValue(String(error), '  ')}`);
      return lines;
    }
    lines.push(`error: ${yamlValue(String(error.message ?? error), '  ')}`);
    if (error.code !== undefined) lines.push(`code: ${yamlValue(String(error.code), '  ')}`);
    if (error.name !== undefined) lines.push(`name: ${yamlValue(String(error.name), '  ')}`);
    if (error.name === 'AssertionError' || error.code === 'ERR_ASSERTION') {
      lines.push(`expected: ${yamlValue(error.expected, '  ')}`);
      lines.push(`actual: ${yamlValue(error.actual, '  ')}`);
      lines.push(`operator: ${yamlValue(String(error.operator), '  ')}`);
    }
    if (typeof error.stack === 'string') {
      // The frames of the test's own code: not the runner's, the
      // built-ins' or native ones.
      const frames = error.stack.split('\n')
        .filter((line) => /^\s+at /.test(line) && !/\((node:|jsbox:|native\))/.test(line))
        .map((line) => line.trim());
      if (frames.length > 0) lines.push(`stack: |-\n${frames.map((line) => '  ' + line).join('\n')}`);
    }
    return lines;
  }

  /** Settles after `ms`, with `onTimeout` called then, unless cleared. */
  function deadline(ms, onTimeout) {
    let id;
    const promise = new Promise((resolve) => {
      id = setTimeout(() => resolve(onTimeout()), ms);
    });
    return { promise, clear: () => clearTimeout(id) };
  }

  /** Calls `fn` with `args` (callback style when it takes `done`). */
  function invoke(fn, thisArg, args, takesDone) {
    if (!takesDone) return Promise.resolve().then(() => fn.apply(thisArg, args));
    return new Promise((resolve, reject) => {
      const done = (error) => (error ? reject(error) : resolve());
      const result = fn.apply(thisArg, [...args, done]);
      if (result && typeof result.then === 'function') {
        reject(new Error('passed a callback but also returned a Promise'));
      }
    });
  }

  class Hooks {
    constructor() {
      this.before = [];
      this.after = [];
      this.beforeEach = [];
      this.afterEach = [];
    }
  }

  /** A test or a suite: one node of the tree the report follows. */
  class Node {
    constructor(parent, name, options, fn, isSuite) {
      this.parent = parent;
      this.name = name;
      this.fn = fn;
      this.isSuite = isSuite;
      this.depth = parent ? parent.depth + 1 : -1;
      this.children = [];
      this.hooks = new Hooks();
      this.skip = options.skip;
      this.todo = options.todo;
      this.only = Boolean(options.only);
      this.timeout = options.timeout ?? Infinity;
      this.controller = new AbortController();
      this.error = undefined;
      this.failureType = undefined;
      this.state = 'pending';
      this.number = 0;
      this.duration = 0;
      this.nextChild = 0;
      this.running = null;
      this.planned = undefined;
      this.assertions = 0;
      this.pendingChild = undefined;
      this.awaitedChild = undefined;
    }

    get fullName() {
      const names = [];
      for (let node = this; node && node.parent; node = node.parent) names.unshift(node.name);
      return names.join(' > ');
    }

    eachHooks(kind) {
      const chain = [];
      for (let node = this.parent; node; node = node.parent) chain.unshift(node);
      const hooks = chain.flatMap((node) => node.hooks[kind]);
      return kind === 'afterEach' ? hooks.reverse() : hooks;
    }

    fail(error, failureType) {
      if (this.error === undefined) {
        this.error = error;
        this.failureType = failureType;
      }
    }

    /** Runs the children declared so far and any declared while they run. */
    async runChildren() {
      const hasOnly = this.children.some((child) => child.only);
      while (this.nextChild < this.children.length) {
        const child = this.children[this.nextChild++];
        child.number = this.nextChild;
        if (hasOnly && !child.only && child.skip === undefined) child.skip = "'only' option not set";
        this.running = child;
        await child.run();
        this.running = null;
      }
    }

    async run() {
      print(this.depth, `# Subtest: ${describeName(this.name)}`);
      const start = now();
      this.state = 'running';
      if (!this.skipped) {
        const timer = this.timeout === Infinity
          ? null
          : deadline(this.timeout, () => {
            const error = new Error(`test timed out after ${this.timeout}ms`);
            error.code = 'ERR_TEST_FAILURE';
            this.controller.abort(error);
            return { timedOut: error };
          });
        const body = this.body().then(() => null, (error) => ({ error }));
        const outcome = await (timer ? Promise.race([body, timer.promise]) : body);
        if (timer) timer.clear();
        if (outcome && outcome.timedOut) this.fail(outcome.timedOut, 'testTimeoutFailure');
        else if (outcome) this.fail(outcome.error, this.failureType ?? 'testCodeFailure');
      }
      this.duration = now() - start;
      this.finish();
    }

    get skipped() {
      return (this.skip !== undefined && this.skip !== false) || (this.isSuite && this.todo !== undefined && this.todo !== false && !this.fn);
    }

    async body() {
      const ctx = this.isSuite ? new SuiteContext(this) : new TestContext(this);
      if (!this.isSuite) {
        for (const hook of this.eachHooks('beforeEach')) await this.runHook(hook, ctx, 'hookFailure');
        if (this.error !== undefined) return;
      }
      try {
        if (this.isSuite) {
          if (this.fn) await invoke(this.fn, ctx, [ctx], false);
        } else if (this.fn) {
          await invoke(this.fn, ctx, [ctx], this.fn.length >= 2);
          // Subtests the function started but did not await.
          while (this.pendingChild !== this.awaitedChild) {
            this.awaitedChild = this.pendingChild;
            await this.pendingChild;
          }
          if (this.planned !== undefined && this.planned !== this.assertions + this.children.length) {
            throw Object.assign(
              new Error(`plan expected ${this.planned} assertions but received ${this.assertions + this.children.length}`),
              { code: 'ERR_TEST_FAILURE' });
          }
        }
        for (const hook of this.hooks.before) await this.runHook(hook, ctx, 'hookFailure');
        if (this.error === undefined) await this.runChildren();
      } catch (error) {
        this.fail(error, 'testCodeFailure');
      } finally {
        for (const hook of this.hooks.after) await this.runHook(hook, ctx, 'hookFailure');
        if (!this.isSuite) {
          for (const hook of this.eachHooks('afterEach')) await this.runHook(hook, ctx, 'hookFailure');
        }
      }
      const failed = this.children.filter((child) => child.state === 'fail').length;
      if (this.error === undefined && failed > 0) {
        const error = new Error(`${failed} subtest${failed === 1 ? '' : 's'} failed`);
        error.code = 'ERR_TEST_FAILURE';
        this.fail(error, 'subtestsFailed');
      }
    }

    async runHook(hook, ctx, failureType) {
      try {
        await invoke(hook, ctx, [ctx], hook.length >= 2);
      } catch (error) {
        this.fail(error, failureType);
      }
    }

    finish() {
      const tally = this.isSuite ? null : counts;
      if (this.isSuite) counts.suites += 1;
      else counts.tests += 1;
      let directive = '';
      if (this.skipped) {
        this.state = 'skip';
        directive = ` # SKIP${typeof this.skip === 'string' ? ` ${this.skip}` : ''}`;
        if (tally) tally.skipped += 1;
      } else if (this.todo !== undefined && this.todo !== false) {
        this.state = this.error === undefined ? 'pass' : 'fail';
        directive = ` # TODO${typeof this.todo === 'string' ? ` ${this.todo}` : ''}`;
        if (tally) tally.todo += 1;
      } else if (this.error === undefined) {
        this.state = 'pass';
        if (tally) tally.pass += 1;
      } else {
        this.state = 'fail';
        if (tally) tally.fail += 1;
      }
      this.report(directive);
      // A failing todo test does not fail its parent, as in TAP.
      if (directive.startsWith(' # TODO')) this.state = 'pass';
    }

    report(directive, cancelled) {
      if (this.children.length > 0) print(this.depth + 1, `1..${this.children.length}`);
      const ok = this.state === 'fail' ? 'not ok' : 'ok';
      print(this.depth, `${ok} ${this.number} - ${describeName(this.name)}${directive}`);
      const lines = [`duration_ms: ${this.duration.toFixed(6)}`];
      if (this.isSuite) lines.push("type: 'suite'");
      if (this.state === 'fail') lines.push(...failureDetails(this.error, cancelled ? 'cancelledByParent' : this.failureType));
      print(this.depth, ['  ---', ...lines.map((line) => '  ' + line.replace(/\n/g, '\n  ')), '  ...'].join('\n'));
    }

    /** Declares a child: a subtest of a test, or a member of a suite. */
    add(name, options, fn, isSuite) {
      const child = new Node(this, name, options, fn, isSuite);
      this.children.push(child);
      return child;
    }
  }

  /** The node behind each context, out of the tests' reach. */
  const nodes = new WeakMap();

  class SuiteContext {
    constructor(node) {
      nodes.set(this, node);
    }
    get name() {
      return nodes.get(this).name;
    }
    get fullName() {
      return nodes.get(this).fullName;
    }
    get signal() {
      return nodes.get(this).controller.signal;
    }
  }

  class TestContext extends SuiteContext {
    constructor(node) {
      super(node);
      const counted = {};
      for (const key of Object.keys(assert)) {
        if (typeof assert[key] !== 'function' || key === 'AssertionError') continue;
        counted[key] = function countedAssertion(...args) {
          node.assertions += 1;
          return assert[key].apply(this, args);
        };
      }
      this.assert = Object.freeze(counted);
    }
    diagnostic(message) {
      print(nodes.get(this).depth + 1, `# ${String(message)}`);
    }
    plan(count) {
      if (!Number.isInteger(count) || count < 0) {
        throw new RangeError(`The "count" argument must be a non-negative integer. Received ${inspect(count)}`);
      }
      nodes.get(this).planned = count;
    }
    skip(message) {
      nodes.get(this).skip = message === undefined ? true : String(message);
    }
    todo(message) {
      nodes.get(this).todo = message === undefined ? true : String(message);
    }
    runOnly() {}
    before(fn) {
      nodes.get(this).hooks.before.push(checkFunction(fn, 'fn'));
    }
    after(fn) {
      nodes.get(this).hooks.after.push(checkFunction(fn, 'fn'));
    }
    beforeEach(fn) {
      nodes.get(this).hooks.beforeEach.push(checkFunction(fn, 'fn'));
    }
    afterEach(fn) {
      nodes.get(this).hooks.afterEach.push(checkFunction(fn, 'fn'));
    }
    /** A subtest: it runs now, and the test waits for it before it ends. */
    test(name, options, fn) {
      const node = nodes.get(this);
      const args = normalize(name, options, fn);
      const child = node.add(args.name, args.options, args.fn, false);
      child.number = node.children.length;
      node.nextChild = node.children.length;
      const running = (node.pendingChild ?? Promise.resolve()).then(() => child.run());
      node.pendingChild = running;
      return running.then(() => undefined);
    }
  }

  function checkFunction(fn, name) {
    if (typeof fn !== 'function') {
      const error = new TypeError(`The "${name}" argument must be of type function. Received ${inspect(fn)}`);
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    return fn;
  }

  /** Node's `(name?, options?, fn?)` in any of its shapes. */
  function normalize(name, options, fn) {
    if (typeof name === 'function') {
      fn = name;
      name = fn.name || '<anonymous>';
      options = {};
    } else if (typeof options === 'function') {
      fn = options;
      options = {};
    }
    if (name === undefined) name = fn ? fn.name || '<anonymous>' : '<anonymous>';
    if (options === undefined || options === null) options = {};
    if (typeof options !== 'object') {
      const error = new TypeError(`The "options" argument must be of type object. Received ${inspect(options)}`);
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    if (fn !== undefined) checkFunction(fn, 'fn');
    const timeout = options.timeout;
    if (timeout !== undefined && timeout !== Infinity && (!Number.isInteger(timeout) || timeout < 0)) {
      const error = new RangeError(`The "options.timeout" property must be a non-negative integer. Received ${inspect(timeout)}`);
      error.code = 'ERR_OUT_OF_RANGE';
      throw error;
    }
    const normalized = { ...options };
    if (fn === undefined && !('skip' in normalized) && !('todo' in normalized)) normalized.todo = true;
    return { name: String(name), options: normalized, fn };
  }

  const root = new Node(null, '<root>', {}, null, true);
  let current = root;
  let announced = false;
  let idle = Promise.resolve();
  let runnerActive = false;
  let rootBeforeDone = false;
  let reported = false;

  /** The end of the run: the plan, the summary and the exit code. */
  function summarize() {
    if (reported) return;
    reported = true;
    // Whatever is still running was waiting on a promise nothing will
    // settle: cancelled, innermost first.
    const stuck = [];
    for (let node = root.running; node; node = node.running ?? node.children.find((c) => c.state === 'running')) {
      stuck.push(node);
    }
    for (const node of stuck.reverse()) {
      const error = new Error('Promise resolution is still pending but the event loop has already resolved');
      error.code = 'ERR_TEST_FAILURE';
      node.fail(error, 'cancelledByParent');
      node.state = 'fail';
      counts.cancelled += 1;
      node.report('', true);
    }
    for (const node of root.children.slice(root.nextChild)) {
      node.number = root.children.indexOf(node) + 1;
      node.state = 'fail';
      node.fail(new Error('test did not finish before its parent and was cancelled'), 'cancelledByParent');
      counts.cancelled += 1;
      node.report('', true);
    }
    console.log(`1..${root.children.length}`);
    const duration = (now() - started).toFixed(6);
    console.log([
      `# tests ${counts.tests + counts.cancelled}`, `# suites ${counts.suites}`, `# pass ${counts.pass}`,
      `# fail ${counts.fail}`, `# cancelled ${counts.cancelled}`, `# skipped ${counts.skipped}`,
      `# todo ${counts.todo}`, `# duration_ms ${duration}`,
    ].join('\n'));
    if (counts.fail > 0 || counts.cancelled > 0) process.exitCode = 1;
  }

  /** Runs the top-level tests declared so far, once the declaring code
   * yields; again if more are declared after the runner went idle. */
  function startRoot() {
    if (!announced) {
      announced = true;
      console.log('TAP version 13');
      process.on('exit', summarize);
    }
    if (runnerActive) return idle;
    runnerActive = true;
    idle = new Promise((resolve) => setTimeout(resolve, 0)).then(async () => {
      const ctx = new SuiteContext(root);
      if (!rootBeforeDone) {
        rootBeforeDone = true;
        for (const hook of root.hooks.before) await root.runHook(hook, ctx, 'hookFailure');
      }
      await root.runChildren();
      for (const hook of root.hooks.after.splice(0)) await root.runHook(hook, ctx, 'hookFailure');
      if (root.error !== undefined) {
        // A failing top-level hook has no test to report it: Node fails
        // the run and prints the error.
        counts.fail += 1;
        console.error(root.error);
        root.error = undefined;
      }
      runnerActive = false;
    });
    return idle;
  }

  /** Declares a test or suite where the code calling it stands. */
  function declare(isSuite, name, options, fn, extra) {
    const args = normalize(name, options, fn);
    Object.assign(args.options, extra);
    const running = startRoot();
    const node = current.add(args.name, args.options, args.fn, isSuite);
    if (isSuite && args.fn && !node.skipped) {
      // A suite's function declares its members now; what it returns (a
      // promise for an async suite) is awaited when the suite runs.
      const outer = current;
      current = node;
      try {
        const result = args.fn.call(new SuiteContext(node), new SuiteContext(node));
        node.fn = result && typeof result.then === 'function' ? () => result : null;
      } catch (error) {
        node.fail(error, 'testCodeFailure');
        node.fn = null;
      } finally {
        current = outer;
      }
    }
    return running.then(() => undefined);
  }

  const variants = (isSuite) => {
    const make = (extra) => (name, options, fn) => declare(isSuite, name, options, fn, extra);
    const fn = make({});
    fn.skip = make({ skip: true });
    fn.todo = make({ todo: true });
    fn.only = make({ only: true });
    return fn;
  };

  const test = variants(false);
  const describe = variants(true);
  const hook = (kind) => (fn) => {
    checkFunction(fn, 'fn');
    current.hooks[kind].push(fn);
  };

  test.test = test;
  test.it = test;
  test.describe = describe;
  test.suite = describe;
  test.before = hook('before');
  test.after = hook('after');
  test.beforeEach = hook('beforeEach');
  test.afterEach = hook('afterEach');
  return test;
})
