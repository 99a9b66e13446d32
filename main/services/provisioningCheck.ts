import { readFileSync } from 'node:fs';
import { decodeImportFile } from '../../common/imports';
import { parseProvisioningJson, validateProvisioning, type ProvisioningProblem } from '../../common/provisioning';
import { SECRET_FIELDS, takeSecrets } from './provisioningSecrets';

export interface ProvisioningCheck {
  ok: boolean;
  /** What makes Frontdesk reject the file, field by field ("account.wsUrl": "must start with ws://…"). */
  problems: ProvisioningProblem[];
  /** What the admin should know although the file is valid (secrets in it, secrets left out). */
  notes: ProvisioningProblem[];
}

/** A stand-in for a secret the file leaves out, so the rest of the file is still checked. */
const PLACEHOLDER: Record<string, unknown> = { 'account.password': 'stored-on-the-pc' };

/**
 * Checks a provisioning file's text as Frontdesk would read it at start, without starting: the same
 * decoding (UTF-8 with or without a BOM, UTF-16 with a BOM), the same validation. A file may leave
 * the SIP password out once it has been consumed into a PC's keychain: that is a note, not a problem.
 */
export function checkProvisioningBytes(bytes: Uint8Array): ProvisioningCheck {
  let text: string;
  try {
    text = decodeImportFile(bytes).text;
  } catch (error) {
    return { ok: false, problems: [{ field: '', message: `cannot be read: ${(error as Error).message}` }], notes: [] };
  }
  const json = parseProvisioningJson(text);
  if (!json.ok) return { ok: false, problems: json.problems, notes: [] };
  const notes: ProvisioningProblem[] = [];
  const { found } = takeSecrets(json.value);
  for (const { field } of found) {
    notes.push({ field: field.name, message: 'is a secret: Frontdesk moves it into the OS keychain at first start and takes it out of a file that is the user\'s own; a machine-wide file keeps it readable (see docs/admin.md)' });
  }
  // Secrets the file leaves out: checked as if the PC had them stored.
  const value = structuredClone(json.value) as Record<string, unknown>;
  for (const field of SECRET_FIELDS) {
    const placeholder = PLACEHOLDER[field.name];
    if (placeholder === undefined) continue;
    let parent: unknown = value;
    for (const key of field.path.slice(0, -1)) parent = parent && typeof parent === 'object' ? (parent as Record<string, unknown>)[key] : undefined;
    const key = field.path[field.path.length - 1]!;
    if (parent && typeof parent === 'object' && !Array.isArray(parent) && (parent as Record<string, unknown>)[key] === undefined) {
      (parent as Record<string, unknown>)[key] = placeholder;
      notes.push({ field: field.name, message: `is not in the file: Frontdesk uses the one stored on the PC for ${field.identity(json.value as Record<string, unknown>) ?? 'this account'}, and rejects the file where none is` });
    }
  }
  const result = validateProvisioning(value);
  return result.ok ? { ok: true, problems: [], notes } : { ok: false, problems: result.problems, notes };
}

export function checkProvisioningFile(file: string): ProvisioningCheck {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    return { ok: false, problems: [{ field: '', message: err.code === 'ENOENT' ? 'the file does not exist' : `cannot be read: ${err.message}` }], notes: [] };
  }
  return checkProvisioningBytes(bytes);
}

/** The report as the command prints it; the exit code is 0 for a valid file, 1 otherwise. */
export function formatProvisioningCheck(file: string, check: ProvisioningCheck): { text: string; exitCode: number } {
  const line = (p: ProvisioningProblem) => `  ${p.field || '(file)'}: ${p.message}`;
  const out: string[] = [];
  if (check.ok) out.push(`${file}: valid`);
  else out.push(`${file}: ${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}; Frontdesk would apply nothing of it`, ...check.problems.map(line));
  if (check.notes.length) out.push('notes:', ...check.notes.map(line));
  return { text: `${out.join('\n')}\n`, exitCode: check.ok ? 0 : 1 };
}
