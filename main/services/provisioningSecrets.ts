import type { SecretStore } from './secrets';

/**
 * The secrets a provisioning file may carry, and how they move into the secret store: on the first
 * read of a file that carries one, it is stored (with what it belongs to: the account, the CRM's
 * address…), and from then on the file may leave it out. A file without it gets it back from the
 * store only for the same account / CRM / server, so a file for another extension never borrows a
 * password. What is written to provisioning.applied.json never holds them.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const originOf = (url: unknown) => /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(str(url))?.[0]?.toLowerCase() ?? '';

export interface SecretField {
  /** The field, dotted, as problems name it ("account.password"). */
  name: string;
  path: readonly string[];
  /** What the secret belongs to, from the same file ("1000@pbx.example.com"); null when the section is absent. */
  identity(file: Json): string | null;
}

export const SECRET_FIELDS: readonly SecretField[] = [
  {
    name: 'account.password',
    path: ['account', 'password'],
    identity: (f) => (isObject(f.account) ? `${str(f.account.authUser) || str(f.account.user)}@${str(f.account.domain).toLowerCase()}` : null),
  },
  {
    name: 'crm.headers',
    path: ['crm', 'headers'],
    identity: (f) => (isObject(f.crm) ? originOf(f.crm.lookupUrl) : null),
  },
  {
    name: 'messages.smtp.password',
    path: ['messages', 'smtp', 'password'],
    identity: (f) => (isObject(f.messages) && isObject(f.messages.smtp) ? `${str(f.messages.smtp.user)}@${str(f.messages.smtp.host).toLowerCase()}` : null),
  },
  {
    name: 'messages.webhook.headers',
    path: ['messages', 'webhook', 'headers'],
    identity: (f) => (isObject(f.messages) && isObject(f.messages.webhook) ? str(f.messages.webhook.url) : null),
  },
];

const storeName = (field: SecretField) => `provisioning:${field.name}`;

function parentOf(file: Json, path: readonly string[]): Json | null {
  let at: unknown = file;
  for (const key of path.slice(0, -1)) {
    if (!isObject(at)) return null;
    at = at[key];
  }
  return isObject(at) ? at : null;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export interface FoundSecret {
  field: SecretField;
  identity: string;
  value: unknown;
}

/** The file without its secrets, and the secrets it carried. */
export function takeSecrets(file: unknown): { stripped: unknown; found: FoundSecret[] } {
  if (!isObject(file)) return { stripped: file, found: [] };
  const stripped = clone(file);
  const found: FoundSecret[] = [];
  for (const field of SECRET_FIELDS) {
    const parent = parentOf(stripped, field.path);
    const key = field.path[field.path.length - 1]!;
    if (!parent || parent[key] === undefined) continue;
    const identity = field.identity(file);
    if (identity !== null) found.push({ field, identity, value: parent[key] });
    delete parent[key];
  }
  return { stripped, found };
}

/** Keeps what a file carried (only values of the right type: a bad value is the validation's to report). */
export function storeSecrets(found: readonly FoundSecret[], store: SecretStore): void {
  for (const { field, identity, value } of found) {
    const valid = field.name.endsWith('headers') ? isObject(value) : typeof value === 'string' && value !== '';
    if (valid) store.set(storeName(field), JSON.stringify({ for: identity, value }));
  }
}

/**
 * Puts back the secrets a file left out, from the store, where they belong to the same identity.
 * `missing` names those the file's sections need and the store does not have.
 */
export function fillSecrets(file: unknown, store: SecretStore): { filled: unknown; missing: { field: SecretField; identity: string }[] } {
  if (!isObject(file)) return { filled: file, missing: [] };
  const filled = clone(file);
  const missing: { field: SecretField; identity: string }[] = [];
  for (const field of SECRET_FIELDS) {
    const parent = parentOf(filled, field.path);
    const key = field.path[field.path.length - 1]!;
    const identity = field.identity(file);
    if (!parent || identity === null || parent[key] !== undefined) continue;
    let stored: { for?: unknown; value?: unknown } | null = null;
    try {
      const text = store.get(storeName(field));
      stored = text ? (JSON.parse(text) as { for?: unknown; value?: unknown }) : null;
    } catch {
      stored = null; // unreadable (another user's keychain, a damaged file): as if absent
    }
    if (stored && stored.for === identity && stored.value !== undefined) parent[key] = stored.value;
    else missing.push({ field, identity });
  }
  return { filled, missing };
}

/** Every secret value the store holds for provisioning, for redaction (header values one by one). */
export function provisionedSecretValues(store: SecretStore): string[] {
  const out: string[] = [];
  for (const field of SECRET_FIELDS) {
    try {
      const text = store.get(storeName(field));
      if (!text) continue;
      const { value } = JSON.parse(text) as { value?: unknown };
      if (typeof value === 'string') out.push(value);
      else if (isObject(value)) for (const v of Object.values(value)) if (typeof v === 'string') out.push(v, v.replace(/^(Bearer|Basic|Token)\s+/i, ''));
    } catch {
      // nothing readable to redact
    }
  }
  return out;
}
