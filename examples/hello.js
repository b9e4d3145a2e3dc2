// A first script: jsbox gives every run its own sandbox and a frozen
// `context` describing the request.
const greeting = `Hello from jsbox, request ${context.requestId}!`;
console.log(greeting);

const squares = [1, 2, 3, 4].map((n) => n * n);
console.log("squares:", squares);
console.warn("this line goes to stderr");
