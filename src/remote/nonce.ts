/** The per-call nonce that marks every framing and reply line of one batch call. */
import { randomBytes } from "node:crypto";

/** A fresh random nonce: 32 hex digits (128 bits), never reused, never put in any argv. */
export function newNonce(): string {
  return randomBytes(16).toString("hex");
}

/** The marker prefix of a call: `@@drover:<nonce> `. */
export function markerPrefix(nonce: string): string {
  return `@@drover:${nonce} `;
}
