// Frontend of the pyspire orders example: serves public/index.html and forwards /api/* to the
// orders API. It knows the API only from the variable with_reference(api) sets,
// services__api__http__0 (pyspire's proxy in front of the API's replicas), and listens on $PORT
// (with_http_endpoint(env="PORT")). Node 20's built-in fetch does the forwarding.
"use strict";

const path = require("node:path");
const express = require("express");

const API_VARIABLE = "services__api__http__0";

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`frontend: environment variable ${name} is not set (the app host sets it)`);
    process.exit(2);
  }
  return value;
}

const apiBase = required(API_VARIABLE).replace(/\/+$/, "");
const port = Number(required("PORT"));
const host = process.env.HOST || "127.0.0.1";

const app = express();
app.use(express.static(path.join(__dirname, "public")));

app.get("/health", (_req, res) => res.json({ status: "ok" }));

// Everything under /api goes to the API unchanged (method, path, query, JSON body); the reply's
// status and body come back as they are, so the API's errors (422, 404, 503) reach the page.
app.use("/api", express.raw({ type: "*/*", limit: "1mb" }), async (req, res) => {
  const hasBody = !["GET", "HEAD"].includes(req.method) && Buffer.isBuffer(req.body);
  try {
    const reply = await fetch(apiBase + req.url, {
      method: req.method,
      headers: hasBody ? { "content-type": req.get("content-type") || "application/json" } : {},
      body: hasBody ? req.body : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    res.status(reply.status);
    const type = reply.headers.get("content-type");
    if (type) res.type(type);
    res.send(Buffer.from(await reply.arrayBuffer()));
  } catch (error) {
    console.error(`frontend: ${req.method} ${req.url} → API at ${apiBase} failed: ${error.cause?.code || error.message}`);
    res.status(502).json({ detail: `the orders API at ${apiBase} did not answer` });
  }
});

const server = app.listen(port, host, () => {
  console.log(`frontend listening on http://${host}:${port}, API at ${apiBase}`);
});

// pyspire stops processes with SIGTERM (and Ctrl+C sends SIGINT): nothing is buffered, so stop
// listening and exit at once instead of waiting for clients' keep-alive connections to close.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
