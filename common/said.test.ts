import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { buildApi, createDispatcher, type Handlers, type Transport } from './contract';
import { ClientUpdateSchema } from './directory';
import { fixedT } from './i18n/translate';
import { errorText, fault, issueData, issuesText, SaidError } from './said';
import { SettingChangeSchema, SettingsSchema } from './settings';

const ru = fixedT('ru');
const en = fixedT('en');
const refused = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error('expected a refusal');
  return issueData(parsed.error.issues);
};

describe('a refused value, in the language it is shown in', () => {
  it('an email and a date on a client card: Russian words, English as before', () => {
    const email = refused(ClientUpdateSchema, { id: 'c1', patch: { emails: ['anna at example'] } });
    expect(issuesText(email, ru)).toBe('patch.emails.0: нужен адрес электронной почты, например anna@example.com');
    expect(issuesText(email, en)).toBe('patch.emails.0: must be an email address such as anna@example.com');
    const date = refused(ClientUpdateSchema, { id: 'c1', patch: { saleDate: 'завтра' } });
    expect(issuesText(date, ru)).toBe('patch.saleDate: нужна дата, например 2025-01-31');
  });

  it("a setting's value: its own words, without the wrapper's key", () => {
    const region = refused(SettingChangeSchema, { key: 'defaultRegion', value: 'Russia' });
    expect(issuesText(region, ru)).toBe('нужен двухбуквенный код страны, например «RU» или «GB»');
    expect(issuesText(region, en)).toBe('value: defaultRegion: must be a two-letter country code such as "RU" or "GB"');
    const feed = refused(SettingChangeSchema, { key: 'updateFeedUrl', value: 'ftp://x' });
    expect(issuesText(feed, ru)).toMatch(/^нужен пустой адрес или адрес http:\/\/ или https:\/\//);
  });

  it('a hotkey another action has names that action in Russian; its English stays as the provisioning check prints it', () => {
    const taken = refused(SettingsSchema.shape.hotkeys, { answer: 'CommandOrControl+Shift+F10' });
    expect(issuesText(taken, ru)).toBe('answer: это та же горячая клавиша, что у действия «Завершить» (CommandOrControl+Shift+F10)');
    expect(issuesText(taken, en)).toBe('answer: is the same hotkey as hangUp (CommandOrControl+Shift+F10)');
    expect(issuesText(refused(SettingsSchema.shape.hotkeys, { mute: 'Ctrl+A+B' }), ru)).toBe('mute: в сочетании 2 клавиши, а нужна одна клавиша и модификаторы');
  });

  it("zod's own checks are said by zod's Russian locale from the issue's data", () => {
    const long = refused(ClientUpdateSchema, { id: 'c1', patch: { position: 'x'.repeat(201) } });
    expect(issuesText(long, en)).toBe('patch.position: must be at most 200 characters');
    expect(issuesText(long, ru)).toMatch(/^patch\.position: Слишком большое значение: .*200 символов$/);
    expect(issuesText(refused(SettingsSchema.shape.autoAnswer, 'yes'), ru)).toBe('значение не того вида');
  });
});

describe('a failed call, over the bridge, in the language it is shown in', () => {
  const loopback = (handlers: Partial<Handlers>): Transport => {
    const dispatch = createDispatcher(handlers as Handlers);
    // As the browser host's WebSocket carries it: JSON both ways.
    return { invoke: async (channel, input) => JSON.parse(JSON.stringify(await dispatch(channel, JSON.parse(JSON.stringify(input ?? null)) ?? undefined))), subscribe: () => () => undefined };
  };

  it("what a service says when it fails: its key and values cross, the window words them", async () => {
    const api = buildApi(
      loopback({
        settings: {
          get: () => {
            throw new Error('unused');
          },
          set: () => {
            throw new SaidError(fault('folderRefused', { folder: '/srv/calls', why: { say: 'fault.noWritePermission' } }));
          },
        },
      }),
    );
    const error = await api.settings.set({ key: 'recordingsFolder', value: '/srv/calls' }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('recordings cannot go to /srv/calls: this user may not write there');
    expect(errorText(error, ru)).toBe('записи нельзя сохранять в /srv/calls: у этого пользователя нет права записи туда');
    expect(errorText(error, en)).toBe('recordings cannot go to /srv/calls: this user may not write there');
  });

  it('a value refused before it leaves is said in Russian; an error that says nothing as data keeps its message', async () => {
    const api = buildApi(loopback({}));
    const error = await api.directory.update({ id: 'c1', patch: { nextStepDate: 'в пятницу' } }).catch((e: unknown) => e);
    expect(errorText(error, ru)).toBe('patch.nextStepDate: нужна дата (2025-01-31) или дата и время в формате ISO 8601');
    expect(errorText(new Error('socket closed'), ru)).toBe('socket closed');
  });

  it('a malformed said from the other side is not trusted: the English message is shown', async () => {
    const api = buildApi({ invoke: async () => ({ ok: false, error: { code: 'failed', message: 'it broke', said: { key: 'app.title' } as never } }), subscribe: () => () => undefined });
    const error = await api.app.info().catch((e: unknown) => e);
    expect(errorText(error, ru)).toBe('it broke');
  });
});
