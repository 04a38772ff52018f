// The one door to the core: `handleJson` of the wasm-bindgen module (the same
// `stackplan_core::api::handle_json` the CLI and the host call). Nothing here interprets a
// request; this file only builds the project input every operation shares.
import init, { handleJson } from "./pkg/stackplan_wasm.js";

export const API_VERSION = 1;

export async function load() {
  await init();
}

/** One API call: request object in, parsed response out. */
export function call(request) {
  return JSON.parse(handleJson(JSON.stringify({ api_version: API_VERSION, ...request })));
}

/**
 * The `project` input of a config/lint/plan request.
 * files: {name: text}; composeFiles: the `-f` names in order; dir: the project folder name.
 */
export function project(files, composeFiles, dir) {
  return {
    files,
    compose_files: composeFiles,
    working_directory: "/" + (dir || "project"),
  };
}
