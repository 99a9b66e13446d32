import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CrmConfigSchema } from '../../common/crm';
import { MessagesConfigSchema, parseProvisioning } from '../../common/provisioning';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const jsonBlocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README examples', () => {
  it('the provisioning file example is one Frontdesk accepts', () => {
    const example = jsonBlocks.find((b) => b.includes('"version": 1'));
    expect(example).toBeDefined();
    const parsed = parseProvisioning(example!);
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
  });

  it('the CRM example is a valid crm section', () => {
    const example = jsonBlocks.find((b) => b.trimStart().startsWith('"crm"'));
    expect(example).toBeDefined();
    const section = JSON.parse(`{${example!.replace('"Bearer …"', '"Bearer token"')}}`) as { crm: unknown };
    const parsed = CrmConfigSchema.safeParse(section.crm);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it('the colleagues and presence example is valid in a provisioning file', () => {
    const example = jsonBlocks.find((b) => b.trimStart().startsWith('"colleagues"'));
    expect(example).toBeDefined();
    const account = { user: '1000', password: 'x', domain: 'pbx.example.com', wsUrl: 'wss://pbx.example.com/ws' };
    const parsed = parseProvisioning(`{ "version": 1, "account": ${JSON.stringify(account)}, ${example!} }`);
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    expect(parsed.ok && parsed.value.colleagues?.map((c) => c.department)).toEqual(['Продажи', 'Продажи', 'Support']);
  });

  it('the messages example is a valid messages section', () => {
    const example = jsonBlocks.find((b) => b.trimStart().startsWith('"messages"'));
    expect(example).toBeDefined();
    const section = JSON.parse(`{${example!.replaceAll('"…"', '"secret"').replace('"Bearer …"', '"Bearer token"')}}`) as { messages: unknown };
    const parsed = MessagesConfigSchema.safeParse(section.messages);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it('every npm script the README names exists', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const named = [...readme.matchAll(/npm run ([a-z0-9:]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((n) => !(n in pkg.scripts))).toEqual([]);
  });
});
