// Runs API requests through both WebAssembly faces under Node, for tests/wasm_parity.rs.
//
//   node wasm/parity.mjs NODE_PKG_JS PLUGIN_WASM REQUESTS OUT
//
// REQUESTS and OUT are frames: a little-endian u32 length, then that many bytes. For each
// request frame OUT gets two frames: the wasm-bindgen (`--target nodejs`) response and the
// plugin-ABI response. OUT ends with one more frame: a JSON report of the plugin module's
// imports/exports and its ABI edge cases, measured here, for the Rust side to assert.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const [pkgJs, pluginPath, requestsPath, outPath] = process.argv.slice(2);
const bindgen = createRequire(import.meta.url)(pkgJs);

// "No imports": instantiation with an empty import object must succeed.
const pluginBytes = readFileSync(pluginPath);
const pluginModule = new WebAssembly.Module(pluginBytes);
const { instance } = await WebAssembly.instantiate(pluginBytes, {});
const abi = instance.exports;

function pluginCall(request) {
  const ptr = abi.stackplan_alloc(request.length);
  if (ptr === 0) throw new Error("stackplan_alloc failed");
  new Uint8Array(abi.memory.buffer, ptr, request.length).set(request);
  const packed = BigInt.asUintN(64, abi.stackplan_call(ptr, request.length));
  abi.stackplan_dealloc(ptr, request.length);
  const resultPtr = Number(packed >> 32n);
  const resultLen = Number(packed & 0xffffffffn);
  // Copy out before freeing: the memory may be reused (or grow) on the next call.
  const response = new Uint8Array(abi.memory.buffer, resultPtr, resultLen).slice();
  abi.stackplan_dealloc(resultPtr, resultLen);
  return response;
}

const input = readFileSync(requestsPath);
const frames = [];
for (let at = 0; at < input.length; ) {
  const len = input.readUInt32LE(at);
  const request = input.subarray(at + 4, at + 4 + len);
  at += 4 + len;
  frames.push(Buffer.from(bindgen.handleJsonBytes(request)));
  frames.push(Buffer.from(pluginCall(request)));
}

// Memory must not leak across calls: the same request again must not grow the memory.
const probe = Buffer.from('{"api_version":1,"op":"version"}');
for (let i = 0; i < 50; i++) pluginCall(probe);
const pagesBefore = abi.memory.buffer.byteLength;
for (let i = 0; i < 2000; i++) pluginCall(probe);
const emptyCall = BigInt.asUintN(64, abi.stackplan_call(0, 0));
const emptyResponse = Buffer.from(
  new Uint8Array(abi.memory.buffer, Number(emptyCall >> 32n), Number(emptyCall & 0xffffffffn)),
).toString();
const report = {
  imports: WebAssembly.Module.imports(pluginModule),
  exports: WebAssembly.Module.exports(pluginModule).map((e) => `${e.kind}:${e.name}`),
  abi_version: abi.stackplan_abi_version(),
  alloc_zero: abi.stackplan_alloc(0),
  alloc_negative: abi.stackplan_alloc(-1),
  memory_grew_over_2000_calls: abi.memory.buffer.byteLength !== pagesBefore,
  empty_call_response: emptyResponse,
  bindgen_api_version: bindgen.apiVersion(),
  bindgen_string_face: bindgen.handleJson('{"api_version":1,"op":"version"}'),
};
// Last, as it grows the memory for good: 2 x 2 GiB cannot fit in a 4 GiB wasm32 memory, so
// one of the two must fail, and failing must return 0 rather than trap.
const huge = [abi.stackplan_alloc(0x7fff0000), abi.stackplan_alloc(0x7fff0000)];
report.alloc_two_huge_buffers_one_failed = huge.includes(0);
for (const ptr of huge) if (ptr !== 0) abi.stackplan_dealloc(ptr, 0x7fff0000);
frames.push(Buffer.from(JSON.stringify(report)));

const out = [];
for (const frame of frames) {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(frame.length);
  out.push(len, frame);
}
writeFileSync(outPath, Buffer.concat(out));
