// The test file's bytes, made the same way in the page (where Uppy uploads a
// Blob of them) and in Node (where the test computes the SHA-256 the store
// must end up holding), from a seed: nothing large crosses page.evaluate.
// xorshift32 output is incompressible enough that nothing on the way can
// shortcut it; each word is written little-endian byte by byte, so the result
// does not depend on the platform's byte order.
export function seededBytes(seed: number, size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
    if (i + 1 < size) bytes[i + 1] = (x >>> 8) & 0xff;
    if (i + 2 < size) bytes[i + 2] = (x >>> 16) & 0xff;
    if (i + 3 < size) bytes[i + 3] = x >>> 24;
  }
  return bytes;
}
