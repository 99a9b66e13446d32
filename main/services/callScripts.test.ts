import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import {
  choiceReason,
  chooseScript,
  findPage,
  reduceScriptRun,
  renderTemplate,
  scriptQuestions,
  ScriptLibrarySchema,
  ScriptProblemSchema,
  scriptProblemText,
  scriptValues,
  startScriptRun,
  type CallScript,
  type ScriptLibrary,
} from '../../common/callScript';
import { fixedT } from '../../common/i18n/translate';
import { CallScriptsService, loadCallScripts, NO_SUITABLE_FILE, parseCallScriptFile } from './callScripts';

const samplesFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'call-scripts');
const tmp = () => mkdtempSync(path.join(tmpdir(), 'frontdesk-scripts-'));
const folderWith = (files: Record<string, string>) => {
  const dir = tmp();
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
};

/** A small valid script file; `extra` lines are added under its only page's blocks. */
const good = (id: string, extra = '') => `id: ${id}
title: ${id}
language: en
pages:
  - id: start
    title: Start
    blocks:
      - say: Hello!
${extra}`;

const problemTexts = (source: string, file = '/scripts/reception.yaml') => {
  const parsed = parseCallScriptFile(file, source);
  return 'problems' in parsed ? parsed.problems.map((p) => p.text) : [];
};

/** A choice with its reason in English, as the panel says it. */
const withReason = (choice: ReturnType<typeof chooseScript>) => choice && { ...choice, reason: choiceReason(choice) };

describe('the shipped sample scripts', () => {
  const loaded = loadCallScripts([samplesFolder]);
  const byId = (id: string): CallScript => {
    const s = loaded.scripts.find((x) => x.id === id);
    if (!s) throw new Error(`no sample ${id}`);
    return s;
  };

  it('all load with zero problems', () => {
    expect(loaded.problems).toEqual([]);
    expect(loaded.scripts.map((s) => s.id).sort()).toEqual([
      'after-hours-en',
      'after-hours-ru',
      'client-callback-en',
      'client-callback-ru',
      'reception-en',
      'reception-ru',
      'returning-client-en',
      'returning-client-ru',
      'sales-first-contact-en',
      'sales-first-contact-ru',
      'web-lead-callback-en',
      'web-lead-callback-ru',
    ]);
    expect(loaded.fileCount).toBe(12);
    for (const s of loaded.scripts) expect(path.basename(loaded.files[s.id]!)).toBe(`${s.id.replace(/-(ru|en)$/, '')}.${s.language}.yaml`);
  });

  it('each start with a comment header that explains the format, and FORMAT.md\'s minimal example loads', () => {
    for (const file of Object.values(loaded.files)) {
      const header = readFileSync(file, 'utf8').split('\n').slice(0, 20).join('\n');
      expect(header).toMatch(/^# Frontdesk/);
      expect(header).toContain('FORMAT.md');
      expect(header).toMatch(/saveTo/);
    }
    const doc = readFileSync(path.join(samplesFolder, 'FORMAT.md'), 'utf8');
    const minimal = /## A minimal script\s+```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(minimal).toBeDefined();
    const parsed = parseCallScriptFile('FORMAT.md', minimal!);
    expect('problems' in parsed ? parsed.problems : []).toEqual([]);
  });

  it('are written to the brief: two reception lines, at most seven needs questions, about 12 sales pages', () => {
    for (const lang of ['ru', 'en']) {
      const reception = byId(`reception-${lang}`);
      expect(reception.lines).toHaveLength(2);
      expect(reception.match.dialled).toEqual(reception.lines.map((l) => l.number));
      const sales = byId(`sales-first-contact-${lang}`);
      const needs = scriptQuestions(sales).filter(({ question }) => /^client\.(needs\.|urgency$)/.test(question.saveTo ?? '') && question.id.startsWith('need-'));
      expect(needs.length).toBeGreaterThan(0);
      expect(needs.length).toBeLessThanOrEqual(7);
      expect(sales.pages.length).toBeGreaterThanOrEqual(10);
      expect(sales.pages.map((p) => p.stage)).toEqual(expect.arrayContaining(['greeting', 'request', 'clarify', 'present', 'close']));
      expect(sales.default).toBe(true);
      expect(byId(`returning-client-${lang}`).match.client).toBe('returning');
      expect(byId(`after-hours-${lang}`).match.time).toHaveLength(2);
    }
  });

  it('never show a gap, "undefined" or a brace, with every value missing or every value known', () => {
    const knownClient = { name: 'Oleg', preferredAddress: 'Oleg', needs: { goal: 'x', budget: 'y', criteria: 'z', pain: 'p' }, nextStep: 'a call', nextStepDate: '2025-02-07' };
    for (const s of loaded.scripts) {
      const templates = s.pages.flatMap((p) =>
        p.blocks.flatMap((b) =>
          'say' in b ? [b.say] : 'note' in b ? [b.note] : [b.question.text, ...(b.question.options ?? []).flatMap((o) => (o.say ? [o.say] : []))],
        ),
      );
      const followUp = { reason: 'Send the price list', note: 'Wants 40 chairs', createdAt: new Date(2025, 0, 6, 11).toISOString() };
      for (const [client, known] of [[null, null], [knownClient, followUp]] as const) {
        const values = scriptValues({ language: s.language, now: new Date(2025, 0, 7, 15), client, agent: client && { name: 'Anna' }, followUp: known });
        for (const template of templates) {
          const out = renderTemplate(template, values);
          expect(out, `${s.id}: ${template}`).not.toMatch(/undefined|null|[{}]|\s[,.!?]|,,|^\s|\s$/);
        }
      }
    }
  });

  it('choose the right script for each call, with the line company in the greeting', () => {
    const scripts = loaded.scripts;
    const tuesday = (h: number, m = 0) => new Date(2025, 0, 7, h, m);
    const pick = (ctx: Partial<Parameters<typeof chooseScript>[1]>) => withReason(chooseScript(scripts, { dialled: null, client: 'new', now: tuesday(11), language: 'en', ...ctx }));

    const reception = pick({ dialled: '+74951234567', client: 'returning' });
    expect(reception?.script.id).toBe('reception-en');
    expect(reception?.reason).toBe('Dialled line +7 495 123-45-67 (Zhemchug Dental)');
    const values = scriptValues({ language: 'en', now: tuesday(14), line: reception?.line, agent: { name: 'Anna' } });
    const greeting = findPage(reception!.script, 'greeting')!.blocks.find((b) => 'say' in b);
    expect(greeting && 'say' in greeting && renderTemplate(greeting.say, values)).toBe('Good afternoon! Zhemchug Dental, Anna speaking. How can I help?');

    const ru = chooseScript(scripts, { dialled: '+74957654321', client: 'new', now: tuesday(11), language: 'ru' });
    expect(ru?.script.id).toBe('reception-ru');
    const ruValues = scriptValues({ language: 'ru', now: tuesday(10), line: ru?.line, agent: { name: 'Анна' } });
    const ruGreeting = ru!.script.pages[0]!.blocks.find((b) => 'say' in b);
    expect(ruGreeting && 'say' in ruGreeting && renderTemplate(ruGreeting.say, ruValues)).toBe(
      'Доброе утро! Транспортная компания «Полярный экспресс», администратор Анна. Чем могу помочь?',
    );

    // In the evening the after-hours script takes the reception line, and still names its company.
    const evening = pick({ dialled: '+74951234567', now: tuesday(19, 30) });
    expect(evening?.script.id).toBe('after-hours-en');
    expect(evening?.reason).toBe('Time window Mon–Fri, Sun 18:00–09:00 (now Tue 19:30)');
    expect(evening?.line?.company).toBe('Zhemchug Dental');
    expect(pick({ now: new Date(2025, 0, 11, 12) })?.script.id).toBe('after-hours-en'); // Saturday
    expect(pick({ now: new Date(2025, 0, 6, 8, 30) })?.script.id).toBe('after-hours-en'); // Monday before 09:00
    expect(pick({ now: new Date(2025, 0, 6, 9, 0) })?.script.id).toBe('sales-first-contact-en');

    expect(pick({ client: 'returning', dialled: '+74950000000' })).toMatchObject({ script: { id: 'returning-client-en' }, reason: 'Returning client' });
    expect(pick({ client: 'new' })).toMatchObject({ script: { id: 'sales-first-contact-en' }, reason: 'Default script: no other script matched' });
    expect(pick({ client: 'new', language: 'ru' })?.script.id).toBe('sales-first-contact-ru');
  });

  it('calling back: the outbound script for the follow-up\'s source, never an inbound greeting', () => {
    const scripts = loaded.scripts;
    const tuesday = new Date(2025, 0, 7, 11);
    const pick = (ctx: Partial<Parameters<typeof chooseScript>[1]>) =>
      withReason(chooseScript(scripts, { dialled: null, client: 'new', now: tuesday, language: 'en', direction: 'outbound', ...ctx }));

    const lead = pick({ source: 'web-lead' });
    expect(lead).toMatchObject({ script: { id: 'web-lead-callback-en' }, reason: 'Outbound call, call back (web lead)' });
    expect(pick({ source: 'web-lead', language: 'ru' })?.script.id).toBe('web-lead-callback-ru');
    expect(pick({ source: 'wrap-up', client: 'returning' })).toMatchObject({ script: { id: 'client-callback-en' }, reason: 'Outbound call, call back (next step of a call)' });
    expect(pick({ source: 'manual' })?.script.id).toBe('client-callback-en');
    // No sample for a missed call, and a call dialled by hand has no source: no script (not the inbound default).
    expect(pick({ source: 'missed-call' })).toBeNull();
    expect(pick({ source: null })).toBeNull();
    // Inbound calls never get an outbound script, even from a returning client.
    expect(chooseScript(scripts, { dialled: null, client: 'returning', now: tuesday, language: 'en', source: 'wrap-up' })?.script.id).toBe('returning-client-en');

    const greeting = (s: CallScript, values: Record<string, string>) =>
      s.pages[0]!.blocks.flatMap((b) => ('say' in b ? [renderTemplate(b.say, values)] : []))[0];
    const values = (language: 'en' | 'ru', createdAt: Date) =>
      scriptValues({ language, now: new Date(2025, 0, 7, 15), agent: { name: language === 'en' ? 'Anna' : 'Анна' }, client: { name: 'Oleg' }, followUp: { reason: '40 chairs', createdAt: createdAt.toISOString() } });
    expect(greeting(lead!.script, values('en', new Date(2025, 0, 7, 9)))).toBe(
      "Good afternoon, Oleg! This is Anna from our company. You left a request on our site today, and I'm calling about it. Is this a good time to talk?",
    );
    expect(greeting(byId('web-lead-callback-ru'), values('ru', new Date(2025, 0, 6, 18)))).toBe(
      'Добрый день, Oleg! Это Анна, отдел продаж. Вы вчера оставляли заявку на нашем сайте, я звоню по ней. Вам удобно сейчас говорить?',
    );
    expect(greeting(byId('client-callback-en'), values('en', new Date(2025, 0, 3, 12)))).toBe(
      "Good afternoon, Oleg! This is Anna from our company. As we agreed on 3 January, I'm calling you back. Is this a good time?",
    );
  });

  it('run end to end: a reception call where the colleague is absent ends with a message and a card update', () => {
    const s = byId('reception-en');
    const at = (n: number) => new Date(Date.UTC(2025, 0, 7, 10, 0, n)).toISOString();
    let run = startScriptRun(s, at(0));
    run = reduceScriptRun(s, run, { type: 'answer', questionId: 'purpose', optionId: 'colleague', at: at(1) });
    run = reduceScriptRun(s, run, { type: 'answer', questionId: 'colleague', text: 'Tatyana', at: at(2) });
    run = reduceScriptRun(s, run, { type: 'answer', questionId: 'available', optionId: 'no', at: at(3) });
    expect(run.history.map((h) => h.page)).toEqual(['greeting', 'connect', 'absent']);
    const absent = findPage(s, 'absent')!;
    const first = absent.blocks[0]!;
    expect('say' in first && renderTemplate(first.say, scriptValues({ language: 'en', now: new Date(), script: s, run }))).toBe(
      "I'm sorry, Tatyana is not at their desk right now.",
    );
    run = reduceScriptRun(s, run, { type: 'answer', questionId: 'absent-name', text: 'Oleg Petrov', at: at(4) });
    run = reduceScriptRun(s, run, { type: 'next', at: at(5) });
    const ask = findPage(s, 'message')!.blocks[0]!;
    expect('say' in ask && renderTemplate(ask.say, scriptValues({ language: 'en', now: new Date(), script: s, run }))).toBe(
      'What shall I pass on to Tatyana?',
    );
    expect(run.history.at(-1)?.page).toBe('message');
  });
});

describe('problems name the file, the line and what is wrong', () => {
  it('bad YAML syntax', () => {
    expect(problemTexts('id: x\ntitle: "unclosed\nlanguage: en\n')).toEqual([expect.stringMatching(/^reception\.yaml:\d+: YAML syntax: Missing closing "quote/)]);
    expect(problemTexts('id: x\nid: y\n')).toEqual(['reception.yaml:2: YAML syntax: the same field is written twice here']);
    expect(problemTexts(`${good('x')}      - say: Hello: world\n`)).toEqual([
      'reception.yaml:9: YAML syntax: Nested mappings are not allowed in compact mappings (a phrase that starts with "{" or contains ": " must be in quotes, or written on the next line after >-)',
    ]);
    expect(problemTexts('')).toEqual(['reception.yaml: the file is empty']);
    // A field one space too deep (line 7): reported on line 7, the line to fix, not on the line above.
    const misaligned = 'id: x\ntitle: T\nlanguage: en\npages:\n  - id: start\n    title: Start\n     blocks: []\n';
    expect(problemTexts(misaligned).length).toBeGreaterThan(0);
    expect(problemTexts(misaligned).every((t) => t.startsWith('reception.yaml:7: YAML syntax:'))).toBe(true);
    expect(problemTexts('- a\n- b\n')[0]).toMatch(/^reception\.yaml:1: a script file is a set of fields/);
  });

  it('a phrase that YAML read as a map, because it starts with "{"', () => {
    expect(problemTexts(`${good('x')}      - say: {greeting}\n`)).toEqual([
      'reception.yaml:9: page "start", block 2, say: is not text: a phrase that starts with "{" or contains ": " must be in quotes, or written on the next line after >-',
    ]);
  });

  it('an unknown next page, on the line of that next', () => {
    const source = `id: sales
title: Sales
language: en
pages:
  - id: needs
    title: Needs
    blocks:
      - question:
          id: budget
          text: Do you have a budget?
          kind: yes-no
          options:
            - id: yes
              next: offer
            - id: no
`;
    expect(problemTexts(source)).toEqual(['reception.yaml:14: question "budget": option "yes" goes to page "offer", which does not exist']);
  });

  it('a duplicate question id, on the line of the second', () => {
    const source = good(
      'x',
      `      - question: { id: name, text: Name?, kind: open }
      - question:
          id: name
          text: Name again?
`,
    );
    expect(problemTexts(source)).toEqual(['reception.yaml:11: question id "name" is used twice in this script']);
  });

  it('an unknown saveTo field, an unknown field, and a phrase without a fallback', () => {
    const source = good(
      'x',
      `      - question:
          id: budget
          text: Budget?
          saveTo: client.budjet
      - say: Thank you, {client.name}!
      - note: x
        colour: red
`,
    );
    const texts = problemTexts(source);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^reception\.yaml:12: page "start", question "budget", saveTo: unknown card field "client\.budjet": use client\.<field> \(/);
    expect(texts[1]).toBe('reception.yaml:15: page "start", block 4: unknown field "colour"');
    // Once the structure is right, the phrase is checked.
    expect(problemTexts(good('x', '      - say: Thank you, {client.name}!\n'))).toEqual([
      'reception.yaml:9: page "start": {client.name} has no fallback for when the value is missing: write {client.name|"…"} (or |"" to leave it out)',
    ]);
  });

  it('a comma inside { … } gets a hint', () => {
    const texts = problemTexts(good('x', '      - question: { id: c, text: Choose, options: [{ id: a, label: Soon, within days }, { id: b, label: Later }] }\n'));
    expect(texts).toEqual(['reception.yaml:9: page "start", question "c", option "a": unknown field "within days" (inside { … } a comma starts a new field: put text with commas in quotes)']);
  });
});

describe("a file's problems in the window's language", () => {
  const ru = fixedT('ru');
  const said = (source: string) => {
    const parsed = parseCallScriptFile('/scripts/reception.yaml', source);
    return 'problems' in parsed ? parsed.problems.map((p) => ({ ru: scriptProblemText(ScriptProblemSchema.parse(p), ru), en: scriptProblemText(p, fixedT('en')), text: p.text })) : [];
  };

  it('bad YAML, an empty say, an unknown card field, a bad time window: Russian from the data, English as the log has it', () => {
    expect(said('id: x\nid: y\n')).toEqual([
      { ru: 'reception.yaml:2: ошибка YAML: здесь одно и то же поле написано дважды', en: 'reception.yaml:2: YAML syntax: the same field is written twice here', text: 'reception.yaml:2: YAML syntax: the same field is written twice here' },
    ]);
    // The yaml library's own English stays as a value where nothing better is known.
    expect(said('id: x\ntitle: "unclosed\nlanguage: en\n')[0]?.ru).toMatch(/^reception\.yaml:\d+: ошибка YAML: Missing closing "quote/);
    expect(said('')[0]?.ru).toBe('reception.yaml: файл пустой');
    expect(said(`${good('x')}      - say: "  "\n`)).toEqual([
      { ru: 'reception.yaml:9: страница «start», блок 2, say: не должно быть пустым', en: 'reception.yaml:9: page "start", block 2, say: must not be empty', text: 'reception.yaml:9: page "start", block 2, say: must not be empty' },
    ]);
    const saveTo = said(good('x', '      - question: { id: budget, text: Budget?, saveTo: client.budjet }\n'));
    expect(saveTo[0]?.ru).toMatch(/^reception\.yaml:9: страница «start», вопрос «budget», saveTo: в карточке клиента нет поля «client\.budjet»: можно client\.<поле> \(/);
    expect(saveTo[0]?.text).toMatch(/^reception\.yaml:9: page "start", question "budget", saveTo: unknown card field "client\.budjet": use client\.<field> \(/);
    const window = said(`match:\n  time:\n    - { days: mon-fri, from: "25:00", to: "18:00" }\n    - { from: "09:00", to: "09:00" }\n${good('x')}`);
    expect(window.map((p) => p.ru)).toEqual([
      'reception.yaml:3: match, интервал времени 1, from: нужно время от «00:00» до «23:59»',
      'reception.yaml:4: match, интервал времени 2, to: должно отличаться от «from» (чтобы указать весь день, напишите from: "00:00", to: "24:00")',
    ]);
    expect(window.map((p) => p.text)).toEqual([
      'reception.yaml:3: match, time window 1, from: must be a time from "00:00" to "23:59"',
      'reception.yaml:4: match, time window 2, to: must differ from "from" (for the whole day write from: "00:00", to: "24:00")',
    ]);
    // An unknown field, and zod's own check (a wrong choice) said by zod's Russian locale.
    expect(said(good('x', '      - note: x\n        colour: red\n'))[0]?.ru).toBe('reception.yaml:10: страница «start», блок 2: неизвестное поле «colour»');
    const style = said(good('x', '        style: sung\n'))[0];
    expect(style?.text).toBe('reception.yaml:9: page "start", block 1, style: must be "verbatim" or "loose"');
    expect(style?.ru).toMatch(/^reception\.yaml:9: страница «start», блок 1, style: .*"verbatim"/);
  });

  it("a phrase's placeholders, in Russian: no fallback, an unknown variable, text not in quotes", () => {
    const phrases = said(good('x', '      - say: "Hello {client.name}"\n      - say: "{agent.age|\\"\\"}"\n      - question: { id: q, text: "{client.name|dear friend}" }\n'));
    expect(phrases.map((p) => p.text)).toEqual([
      'reception.yaml:9: page "start": {client.name} has no fallback for when the value is missing: write {client.name|"…"} (or |"" to leave it out)',
      expect.stringMatching(/^reception\.yaml:10: page "start": unknown variable "agent\.age" \(variables: /),
      'reception.yaml:11: question "q": {client.name|dear friend}: "dear friend" is neither a variable nor quoted text: put text in quotes, e.g. {client.name|"dear friend"}',
    ]);
    expect(phrases.map((p) => p.ru)).toEqual([
      'reception.yaml:9: страница «start»: у {client.name} нет замены на случай, когда значения нет: напишите {client.name|"…"} (или |"", чтобы пропустить)',
      expect.stringMatching(/^reception\.yaml:10: страница «start»: неизвестная переменная «agent\.age» \(переменные: /),
      'reception.yaml:11: вопрос «q»: {client.name|dear friend}: «dear friend» — не переменная и не текст в кавычках: возьмите текст в кавычки, например {client.name|"dear friend"}',
    ]);
  });

  it('a branch to a missing page, in Russian', () => {
    const source = good('x', '    next: offer\n');
    expect(said(source)).toEqual([
      {
        ru: 'reception.yaml:9: страница «start» ведёт на страницу «offer», которой нет',
        en: 'reception.yaml:9: page "start" goes to page "offer", which does not exist',
        text: 'reception.yaml:9: page "start" goes to page "offer", which does not exist',
      },
    ]);
  });

  it("the service's own problems", () => {
    const one = folderWith({ 'a.yaml': good('same') });
    const two = folderWith({ 'b.yaml': good('same') });
    const [problem] = loadCallScripts([one, two]).problems;
    expect(problem?.text).toBe('b.yaml:1: script id "same" is already used by a.yaml');
    expect(scriptProblemText(problem!, fixedT('ru'))).toBe('b.yaml:1: идентификатор скрипта «same» уже занят в файле a.yaml');
  });
});

describe('loadCallScripts', () => {
  it('reports a broken file and skips it while the others load', () => {
    const dir = folderWith({
      'a-good.yaml': good('first'),
      'b-broken.yaml': 'id: [oops\n',
      'c-also-good.yml': good('second'),
      'notes.txt': 'not a script',
      '.hidden.yaml': 'id: [oops',
    });
    const loaded = loadCallScripts([dir]);
    expect(loaded.scripts.map((s) => s.id)).toEqual(['first', 'second']);
    expect(loaded.problems).toHaveLength(1);
    expect(loaded.problems[0]).toMatchObject({ file: path.join(dir, 'b-broken.yaml'), line: expect.any(Number) });
    expect(loaded.problems[0]?.text).toMatch(/^b-broken\.yaml:\d+: YAML syntax: /);
    expect(loaded.fileCount).toBe(3);
  });

  it('keeps script ids unique across files and one default per language', () => {
    const one = folderWith({ 'a.yaml': `${good('same')}` });
    const two = folderWith({
      'b.yaml': good('same'),
      'c.yaml': `default: true\n${good('sales-en')}`,
      'd.yaml': `${good('other-en')}\ndefault: true\n`,
      'e.yaml': `default: true\n${good('sales-ru').replace('language: en', 'language: ru')}`,
    });
    const loaded = loadCallScripts([one, two]);
    expect(loaded.scripts.map((s) => s.id)).toEqual(['same', 'sales-en', 'sales-ru']);
    expect(loaded.problems.map((p) => p.text)).toEqual([
      'b.yaml:1: script id "same" is already used by a.yaml',
      'd.yaml:10: c.yaml is already the default script for language "en"; there can be one',
    ]);
  });

  it('allows one default per language and direction', () => {
    const folder = folderWith({
      'a.yaml': `default: true\n${good('in-en')}`,
      'b.yaml': `default: true\nmatch: { direction: outbound }\n${good('out-en')}`,
      'c.yaml': `default: true\nmatch: { direction: any }\n${good('any-en')}`,
      'd.yaml': `default: true\nmatch: { direction: outbound }\n${good('out2-en')}`,
    });
    const loaded = loadCallScripts([folder]);
    expect(loaded.scripts.map((s) => s.id)).toEqual(['in-en', 'out-en']);
    expect(loaded.problems.map((p) => p.text)).toEqual([
      'c.yaml:1: a.yaml is already the default script for language "en" (for inbound or outbound calls); there can be one',
      'd.yaml:1: b.yaml is already the default script for language "en" (for outbound calls); there can be one',
    ]);
  });

  it('skips a missing folder quietly', () => {
    expect(loadCallScripts([path.join(tmp(), 'nope')])).toEqual({ scripts: [], files: {}, problems: [], fileCount: 0 });
  });
});

describe('CallScriptsService', () => {
  it('uses the samples only while the office folder holds no script file', () => {
    const own = tmp();
    const service = new CallScriptsService({ folders: [own], samplesFolder, notesFolder: tmp() });
    expect(service.list()).toMatchObject({ usingSamples: true, problems: [] });
    expect(service.list().scripts).toHaveLength(12);
    // What crosses the contract parses again to itself.
    expect(ScriptLibrarySchema.parse(JSON.parse(JSON.stringify(service.list())))).toEqual(service.list());
    writeFileSync(path.join(own, 'mine.yaml'), good('mine'));
    const changed: ScriptLibrary[] = [];
    service.onChanged((library) => changed.push(library));
    expect(service.reload()).toMatchObject({ usingSamples: false, scripts: [{ id: 'mine' }] });
    expect(changed).toHaveLength(1);
    service.reload();
    expect(changed).toHaveLength(1); // nothing changed: no event
    // A broken file of the office's own still keeps the samples away, and is reported.
    writeFileSync(path.join(own, 'mine.yaml'), 'id: [');
    expect(service.reload()).toMatchObject({ usingSamples: false, scripts: [], problems: [{ file: path.join(own, 'mine.yaml') }] });
  });

  it('reloads by itself when a file in the office folder is saved', async () => {
    const own = tmp();
    const service = new CallScriptsService({ folders: [own], notesFolder: tmp() });
    expect(service.list().scripts).toEqual([]);
    const seen = vi.fn();
    service.onChanged(seen);
    service.watch(20);
    try {
      writeFileSync(path.join(own, 'new.yaml'), good('fresh'));
      await vi.waitFor(() => expect(seen).toHaveBeenCalledWith(expect.objectContaining({ scripts: [expect.objectContaining({ id: 'fresh' })] })), {
        timeout: 5000,
      });
    } finally {
      service.close();
    }
  });

  it('keeps the "No suitable answer" notes as JSON lines that survive a restart', () => {
    const own = folderWith({ 'sales.yaml': good('sales', '      - question: { id: budget, text: Budget?, kind: open }\n      - question: { id: when, text: When?, kind: open }\n') });
    const notesFolder = path.join(tmp(), 'notes');
    const first = new CallScriptsService({ folders: [own], notesFolder });
    first.recordNoSuitable({ scriptId: 'sales', questionId: 'when', text: 'After the holidays', at: '2025-01-07T10:00:00.000Z', callId: 'c1' });
    first.recordNoSuitable({ scriptId: 'sales', questionId: 'budget', text: ' The boss decides ', at: '2025-01-07T10:01:00.000Z' });
    first.recordNoSuitable({ scriptId: 'gone', questionId: 'q', text: 'Script since removed', at: '2025-01-07T10:02:00.000Z' });
    first.recordNoSuitable({ scriptId: 'sales', questionId: 'budget', text: 'Depends on the quote', at: '2025-01-07T10:03:00.000Z' });
    expect(() => first.recordNoSuitable({ scriptId: 'sales', questionId: 'budget', text: '  ', at: '2025-01-07T10:04:00.000Z' })).toThrow();

    const file = path.join(notesFolder, NO_SUITABLE_FILE);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[1]!)).toEqual({ scriptId: 'sales', questionId: 'budget', text: 'The boss decides', at: '2025-01-07T10:01:00.000Z', callId: null });

    // A line torn by a crash is skipped, and the next note still lands on a line of its own.
    appendFileSync(file, '{"scriptId":"sales","questi');
    const second = new CallScriptsService({ folders: [own], notesFolder });
    second.recordNoSuitable({ scriptId: 'sales', questionId: 'when', text: 'Next spring', at: '2025-01-08T09:00:00.000Z' });
    expect(second.noSuitableReport()).toEqual({
      total: 5,
      groups: [
        {
          scriptId: 'sales',
          scriptTitle: 'sales',
          questionId: 'budget',
          questionText: 'Budget?',
          notes: [
            { text: 'The boss decides', at: '2025-01-07T10:01:00.000Z', callId: null },
            { text: 'Depends on the quote', at: '2025-01-07T10:03:00.000Z', callId: null },
          ],
        },
        {
          scriptId: 'sales',
          scriptTitle: 'sales',
          questionId: 'when',
          questionText: 'When?',
          notes: [
            { text: 'After the holidays', at: '2025-01-07T10:00:00.000Z', callId: 'c1' },
            { text: 'Next spring', at: '2025-01-08T09:00:00.000Z', callId: null },
          ],
        },
        { scriptId: 'gone', scriptTitle: null, questionId: 'q', questionText: null, notes: [{ text: 'Script since removed', at: '2025-01-07T10:02:00.000Z', callId: null }] },
      ],
    });
  });

  it('starts with an empty report', () => {
    const notesFolder = path.join(tmp(), 'a', 'b');
    mkdirSync(path.dirname(notesFolder), { recursive: true });
    expect(new CallScriptsService({ folders: [], notesFolder }).noSuitableReport()).toEqual({ total: 0, groups: [] });
  });
});
