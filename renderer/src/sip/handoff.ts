import type { Base64Codec } from '../../../common/transfer';

/** UTF-8 ⇄ base64 with the browser's own btoa/atob and TextEncoder/TextDecoder (Node has them too). */
export const base64: Base64Codec = {
  utf8ToBase64(text) {
    let binary = '';
    for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
    return btoa(binary);
  },
  base64ToUtf8(b64) {
    const binary = atob(b64);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  },
};
