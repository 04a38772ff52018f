// The whole playground state in the URL fragment: JSON, deflate-raw with the browser's
// CompressionStream, base64url. `#s=...`; a link reproduces everything.

async function pipe(bytes, transform) {
  const stream = new Blob([bytes]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function toBase64Url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export async function encodeState(state) {
  const json = new TextEncoder().encode(JSON.stringify(state));
  return "s=" + toBase64Url(await pipe(json, new CompressionStream("deflate-raw")));
}

/** The state in a fragment (without `#`), or null when there is none or it is unreadable. */
export async function decodeState(fragment) {
  const match = /^s=([A-Za-z0-9_-]+)$/.exec(fragment || "");
  if (!match) return null;
  try {
    const json = await pipe(fromBase64Url(match[1]), new DecompressionStream("deflate-raw"));
    return JSON.parse(new TextDecoder().decode(json));
  } catch (error) {
    console.warn("stackplan playground: unreadable share link", error);
    return null;
  }
}
