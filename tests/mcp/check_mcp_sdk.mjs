// check_mcp_sdk.mjs -- the official MCP TypeScript SDK client (v1,
// @modelcontextprotocol/sdk, pinned in tests/mcp/package.json) drives
// `lispy mcp` on the example agents (issue 12).
//
//   NODE_PATH=build/node/node_modules node tests/mcp/check_mcp_sdk.mjs LISPY
//
// Run from the source root. It lists the tools page by page, calls each
// example agent with good and bad arguments (isError results), receives
// list_changed after a file is added, and cancels a long call after its
// progress notifications. Prints one
// line per failed check and "N passed, N failed"; exits 1 on a failure.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// The SDK lives in the build tree (scripts/setup.sh installs it), not beside
// this file, so it is imported from NODE_PATH by path.
const sdkRoot = path.resolve(process.env.NODE_PATH || "node_modules", "@modelcontextprotocol/sdk");
if (!fs.existsSync(path.join(sdkRoot, "package.json"))) {
  console.log(`FAIL the MCP SDK is not installed at ${sdkRoot} (scripts/setup.sh installs it)`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const { Client } = await import(path.join(sdkRoot, "dist/esm/client/index.js"));
const { StdioClientTransport } = await import(path.join(sdkRoot, "dist/esm/client/stdio.js"));
const { ToolListChangedNotificationSchema, LATEST_PROTOCOL_VERSION } = await import(path.join(sdkRoot, "dist/esm/types.js"));

const LISPY = path.resolve(process.argv[2]);
let passed = 0, failed = 0;
function check(cond, what, got) {
  if (cond) passed++;
  else {
    failed++;
    console.log(`FAIL ${what}${got === undefined ? "" : ": got " + JSON.stringify(got)}`);
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lispy-mcp-sdk-"));
fs.writeFileSync(path.join(dir, "spin_agent.lispy"),
  '(def AGENT {:name "spin" :description "Loops." :parameters {:type "object" :properties {}}})\n(defn run [context] (let loop () (loop)))\n');

const transport = new StdioClientTransport({
  command: LISPY,
  args: ["mcp", "--agents", "examples/agents", "--agents", dir, "--mock", "examples/mock.json", "--timeout", "20", "--fuel", "0"],
  env: { ...process.env, LISPY_MCP_PAGE_SIZE: "4" },
  stderr: "pipe",
});
const client = new Client({ name: "lispy-test", version: "1.0.0" }, { capabilities: {} });
let listChanged = 0;
client.setNotificationHandler(ToolListChangedNotificationSchema, () => { listChanged++; });
const t0 = Date.now();
await client.connect(transport);
check(client.getServerVersion()?.name === "lispy", "serverInfo", client.getServerVersion());
check(client.getServerCapabilities()?.tools?.listChanged === true, "tools.listChanged", client.getServerCapabilities());
console.log(`connected in ${Date.now() - t0} ms (protocol ${LATEST_PROTOCOL_VERSION})`);

// Pagination: the SDK follows nextCursor itself when asked page by page.
let names = [], cursor, pages = 0;
do {
  const r = await client.listTools(cursor ? { cursor } : {});
  names.push(...r.tools.map((t) => t.name));
  cursor = r.nextCursor;
  pages++;
} while (cursor && pages < 10);
check(names.length === 10 && new Set(names).size === 10, "10 tools listed", names);
check(pages === 3, "over 3 pages of 4", pages);
let bad;
try { await client.listTools({ cursor: "not-a-cursor" }); } catch (e) { bad = e; }
check(bad && bad.code === -32602, "an invalid cursor is -32602", bad && bad.code);

// Each example agent: a good call and a bad one.
const good = {
  classify_text: { text: "The app crashes when I save" },
  convert_units: { value: 1, from: "km", to: "m" },
  create_post: { channel: "general", title: "Hi", body: "hello" },
  extract_emails: { text: "write to ana@example.com" },
  get_weather: { city: "Paris" },
  remember_note: { action: "save", key: "k", text: "n" },
  summarize_thread: { thread_id: "t1" },
  translate: { text: "hello", target: "fr" },
  word_stats: { text: "a b a" },
};
// A bad call for each: a required argument left out, or (no required
// ones) an argument of the wrong type.
const badArgs = { ...Object.fromEntries(Object.keys(good).map((n) => [n, {}])), create_post: { channel: 5 } };
for (const [name, args] of Object.entries(good)) {
  const r = await client.callTool({ name, arguments: args });
  check(r.isError !== true, `${name}: a good call`, r);
  check(r.structuredContent && typeof r.structuredContent === "object", `${name}: structuredContent`, r);
  let parsed;
  try { parsed = JSON.parse(r.content[0].text); } catch { parsed = undefined; }
  const expected = r.structuredContent && Object.keys(r.structuredContent).length === 1 && "result" in r.structuredContent
    ? r.structuredContent.result : r.structuredContent;
  check(JSON.stringify(parsed) === JSON.stringify(expected), `${name}: the text item is the value as JSON`, r);
  const r2 = await client.callTool({ name, arguments: badArgs[name] });
  check(r2.isError === true && r2.structuredContent === undefined, `${name}: a bad call is isError`, r2);
  check(/argument/.test(r2.content[0].text), `${name}: the error names the argument`, r2.content[0].text);
}
const w = await client.callTool({ name: "get_weather", arguments: { city: "Paris", units: "kelvin" } });
check(w.isError === true && /units/.test(w.content[0].text) && /celsius/.test(w.content[0].text),
  "get_weather: kelvin is refused with what is allowed", w);
let unknown;
try { await client.callTool({ name: "nope", arguments: {} }); } catch (e) { unknown = e; }
check(unknown && unknown.code === -32602, "an unknown tool is -32602", unknown && unknown.code);

// list_changed after a file is added; the new tool is listed.
fs.writeFileSync(path.join(dir, "late_agent.lispy"),
  '(def AGENT {:name "late" :description "Added later." :parameters {:type "object" :properties {}}})\n(defn run [context] "here")\n');
for (let i = 0; i < 50 && listChanged === 0; i++) await new Promise((r) => setTimeout(r, 100));
check(listChanged > 0, "list_changed after a file is added", listChanged);
let all = [];
cursor = undefined;
do { const r = await client.listTools(cursor ? { cursor } : {}); all.push(...r.tools.map((t) => t.name)); cursor = r.nextCursor; } while (cursor);
check(all.includes("late"), "the new tool is listed", all);

// Cancel a long call: the SDK sends notifications/cancelled on abort.
const ac = new AbortController();
const t1 = Date.now();
let progress = [];
const long = client.callTool({ name: "spin", arguments: {} }, undefined,
  { signal: ac.signal, onprogress: (p) => progress.push(p.progress) });
setTimeout(() => ac.abort("test"), 1300);
let aborted;
try { await long; } catch (e) { aborted = e; }
check(aborted !== undefined && Date.now() - t1 < 5000, "a long call is cancelled", aborted && String(aborted));
check(progress.length >= 1 && progress.every((p, i) => i === 0 || p > progress[i - 1]),
  "onprogress got increasing progress while it ran", progress);
await client.ping();
const after = await client.callTool({ name: "late", arguments: {} });
check(after.structuredContent?.result === "here", "the server goes on after a cancellation", after);

await client.close();
fs.rmSync(dir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
