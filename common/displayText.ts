/**
 * Text from outside (a SIP MESSAGE's body, a caller's display name) made safe to show: control
 * characters other than line breaks and tabs become "�" (binary data shows as such, not as
 * garbage that moves the cursor), and the invisible bidirectional overrides and isolates are
 * removed (U+202A–U+202E, U+2066–U+2069: they make "moc.knab" read as "bank.com").
 */
// eslint-disable-next-line no-control-regex
const controls = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const bidiOverrides = /[\u202a-\u202e\u2066-\u2069]/g;

export function displaySafe(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(bidiOverrides, '').replace(controls, '\ufffd');
}
