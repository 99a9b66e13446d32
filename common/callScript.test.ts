import { describe, expect, it } from 'vitest';
import {
  answerOptions,
  CallScriptSchema,
  checkTemplate,
  chooseScript,
  choiceReason,
  clientFields,
  clientUpdates,
  currentPage,
  describeTimeWindow,
  inTimeWindow,
  NO_SUITABLE,
  numbersMatch,
  readableTemplate,
  reduceScriptRun,
  renderTemplate,
  resolveNextPage,
  scriptQuestions,
  scriptValues,
  startScriptRun,
  timeOfDayGreeting,
  validateCallScript,
  whereWeStopped,
  type CallScript,
  type ScriptRun,
  type ScriptRunAction,
} from './callScript';
import { fixedT } from './i18n/translate';

/** A script from plain data, as a file would give it; fails the test with the problems otherwise. */
function script(raw: Record<string, unknown>): CallScript {
  const result = validateCallScript({ title: 'T', language: 'en', ...raw });
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('\n'));
  return result.script;
}
const page = (id: string, blocks: unknown[], extra: Record<string, unknown> = {}) => ({ id, title: id, blocks, ...extra });
const q = (question: Record<string, unknown>) => ({ question });
const problemsOf = (raw: Record<string, unknown>) => {
  const result = validateCallScript({ id: 'x', title: 'T', language: 'en', ...raw });
  return result.ok ? [] : result.issues;
};

// Tuesday 7 January 2025, local time.
const tue = (h: number, m = 0) => new Date(2025, 0, 7, h, m);

describe('renderTemplate', () => {
  it('fills variables and takes the first alternative that has a value', () => {
    const values = { greeting: 'Good afternoon', 'line.company': 'Zhemchug Dental', 'agent.name': 'Anna', 'client.name': 'Oleg Petrov' };
    expect(renderTemplate('{greeting}! {line.company|"Reception"}, {agent.name|"front desk"} speaking.', values)).toBe(
      'Good afternoon! Zhemchug Dental, Anna speaking.',
    );
    expect(renderTemplate('Thank you, {client.preferredAddress|client.name|"there"}!', values)).toBe('Thank you, Oleg Petrov!');
    expect(renderTemplate('Thank you, {client.preferredAddress|client.name|"there"}!', { ...values, 'client.preferredAddress': 'Oleg' })).toBe(
      'Thank you, Oleg!',
    );
  });

  it('uses the fallback for a missing, null, undefined or blank value, never "undefined"', () => {
    const template = 'Hello, {client.name|"there"}!';
    for (const missing of [{}, { 'client.name': undefined }, { 'client.name': null }, { 'client.name': '   ' }]) {
      const out = renderTemplate(template, missing);
      expect(out).toBe('Hello, there!');
      expect(out).not.toMatch(/undefined|null/);
    }
    expect(renderTemplate('{client.preferredAddress|client.name|"there"}', {})).toBe('there');
    expect(renderTemplate('Your order {client.needs.order|\'number unknown\'}', {})).toBe('Your order number unknown');
  });

  it('leaves out an empty fallback and tidies the spaces and commas around it', () => {
    expect(renderTemplate('Thank you, {client.name|""}!', {})).toBe('Thank you!');
    expect(renderTemplate('Извините, {client.preferredAddress|client.name|""}, я приму ещё один звонок.', {})).toBe('Извините, я приму ещё один звонок.');
    expect(renderTemplate('{greeting}! {line.business|""} {line.company|"Приёмная"}, администратор {agent.name|""}.', { greeting: 'Добрый день' })).toBe(
      'Добрый день! Приёмная, администратор.',
    );
    // Nothing left out: the author's text stays exactly as written.
    expect(renderTemplate('A  b , c', {})).toBe('A  b , c');
  });

  it('reads numbers, {{ and }} as braces, and keeps a slot it cannot read as written', () => {
    expect(renderTemplate('{client.priceQuoted|"?"} ₽', { 'client.priceQuoted': 1500 })).toBe('1500 ₽');
    expect(renderTemplate('{{literal}} {greeting}', { greeting: 'Hi' })).toBe('{literal} Hi');
    expect(renderTemplate('a {not a variable} b', {})).toBe('a {not a variable} b');
    expect(renderTemplate('{toString|"x"}', {})).toBe('x');
  });
});

describe('checkTemplate', () => {
  const questions = new Set(['budget']);
  it('accepts known variables with fallbacks, and greeting/date/time without', () => {
    expect(checkTemplate('{greeting}, {date} {time}: {client.name|"there"} {client.needs.budget|""} {answer.budget|"—"}', questions)).toEqual([]);
  });
  it('requires a fallback for a value that may be missing', () => {
    expect(checkTemplate('Hello {client.name}', questions)).toEqual([
      '{client.name} has no fallback for when the value is missing: write {client.name|"…"} (or |"" to leave it out)',
    ]);
    expect(checkTemplate('{client.preferredAddress|client.name}', questions)).toHaveLength(1);
  });
  it('names unknown variables, unknown questions, unquoted text and an unclosed brace', () => {
    expect(checkTemplate('{client.nmae|""}', questions)[0]).toMatch(/^unknown card field "client.nmae"/);
    expect(checkTemplate('{agent.age|""}', questions)[0]).toMatch(/^unknown variable "agent.age"/);
    expect(checkTemplate('{answer.colour|""}', questions)).toEqual(['"answer.colour": this script has no question "colour"']);
    expect(checkTemplate('{client.name|dear friend}', questions)[0]).toMatch(/"dear friend" is neither a variable nor quoted text/);
    expect(checkTemplate('Hello {client.name|"x"', questions)[0]).toMatch(/without a closing "}"/);
  });
});

describe('readableTemplate', () => {
  it('shows a question as written, with each placeholder as a name in «»: its fallback, else what the variable stands for', () => {
    expect(readableTemplate('С чем обращается {client.name|"клиент"}?', 'ru')).toBe('С чем обращается «клиент»?');
    expect(readableTemplate('{greeting}! Удобно говорить, {client.preferredAddress|client.name|""}?', 'ru')).toBe('«приветствие»! Удобно говорить, «обращение»?');
    expect(readableTemplate('Budget for {client.needs.item|""}: {answer.budget|"—"}, {{not a slot}}', 'en')).toBe('Budget for «item»: «—», {not a slot}');
    expect(readableTemplate('{answer.when|""} ok, {line.company|"«Жемчуг»"}', 'ru')).toBe('«ответ на «when»» ok, «Жемчуг»');
    expect(readableTemplate('No placeholders at all.', 'en')).toBe('No placeholders at all.');
  });
  it('has a name in both languages for every variable a script may use', () => {
    expect(readableTemplate('{greeting}', 'ru')).toBe('«приветствие»');
    const variables = ['greeting', 'date', 'time', 'agent.name', 'line.company', 'line.business', 'line.number', 'followUp.reason', 'followUp.note', 'followUp.when'];
    for (const v of [...variables, ...Object.keys(clientFields).map((f) => `client.${f}`)]) {
      expect(checkTemplate(`{${v}|""}`)).toEqual([]);
      // Not the variable itself ("client.name"): a name a person reads.
      for (const language of ['ru', 'en'] as const) expect(readableTemplate(`{${v}|""}`, language), `${v} in ${language}`).toMatch(/^«[^.]+»$/);
    }
  });
});

describe('timeOfDayGreeting', () => {
  const at = (h: number, m: number) => new Date(2025, 5, 2, h, m);
  it.each([
    [0, 0, 'Добрый вечер', 'Good evening'],
    [4, 59, 'Добрый вечер', 'Good evening'],
    [5, 0, 'Доброе утро', 'Good morning'],
    [11, 59, 'Доброе утро', 'Good morning'],
    [12, 0, 'Добрый день', 'Good afternoon'],
    [17, 59, 'Добрый день', 'Good afternoon'],
    [18, 0, 'Добрый вечер', 'Good evening'],
    [23, 59, 'Добрый вечер', 'Good evening'],
  ])('%i:%i is "%s" / "%s"', (h, m, ru, en) => {
    expect(timeOfDayGreeting(at(h, m), 'ru')).toBe(ru);
    expect(timeOfDayGreeting(at(h, m), 'en')).toBe(en);
  });
});

describe('scriptValues', () => {
  it('gives the greeting, the date, the line, the agent and the card, with dates and lists as text', () => {
    const values = scriptValues({
      language: 'ru',
      now: new Date(2025, 1, 3, 19, 5),
      agent: { name: 'Анна' },
      line: { number: '+7 495 123-45-67', company: '«Жемчуг»', business: 'Стоматологическая клиника' },
      client: { name: 'Олег', tags: ['VIP', 'клуб'], nextStepDate: '2025-02-07', needs: { budget: 'до 50 000' }, missing: null },
    });
    expect(values).toMatchObject({
      greeting: 'Добрый вечер',
      date: '3 февраля 2025',
      time: '19:05',
      'agent.name': 'Анна',
      'line.company': '«Жемчуг»',
      'client.name': 'Олег',
      'client.tags': 'VIP, клуб',
      'client.nextStepDate': '7 февраля 2025',
      'client.needs.budget': 'до 50 000',
    });
    expect(values).not.toHaveProperty('client.missing');
  });
});

// A small sales script: a branch on yes/no, a branch on a choice, an open question, saveTo.
const sales = script({
  id: 'sales',
  pages: [
    page(
      'name',
      [
        { say: '{greeting}! How shall I address you?' },
        q({ id: 'name', text: 'Name', kind: 'open', saveTo: 'client.name' }),
        { say: 'Nice to meet you, {client.name|""}!' },
      ],
      { stage: 'request' },
    ),
    page(
      'needs',
      [
        q({ id: 'current', text: 'Using something similar?', kind: 'yes-no', options: [{ id: 'yes', next: 'pain' }] }),
        q({
          id: 'budget',
          text: 'Budget?',
          saveTo: 'client.needs.budget',
          next: 'offer',
          options: [
            { id: 'small', label: 'Up to 500', value: 'up to 500 €' },
            { id: 'big', label: 'More', next: 'big-offer' },
          ],
        }),
      ],
      { stage: 'clarify' },
    ),
    page('pain', [q({ id: 'pain', text: 'What is wrong with it?', kind: 'open', saveTo: 'client.needs.pain', next: 'offer' })]),
    page('big-offer', [{ say: 'For a bigger budget…' }], { next: 'offer' }),
    page('offer', [q({ id: 'urgency', text: 'When?', saveTo: 'client.urgency', options: [{ id: 'now', label: 'Now' }, { id: 'later', label: 'Later' }] })], {
      stage: 'present',
    }),
    page('close', [{ say: 'Thank you, {client.name|""}!' }], { stage: 'close' }),
  ],
});

const t = (s: number) => new Date(Date.UTC(2025, 0, 7, 10, 0, s)).toISOString();
const run = (actions: ScriptRunAction[], from: ScriptRun = startScriptRun(sales, t(0))) => actions.reduce((r, a) => reduceScriptRun(sales, r, a), from);
const pageOf = (r: ScriptRun) => currentPage(sales, r)?.id ?? null;

describe('ScriptRun', () => {
  it('starts on the first page', () => {
    const r = startScriptRun(sales, t(0));
    expect(pageOf(r)).toBe('name');
    expect(r.answers).toEqual({});
    expect(r.history).toEqual([{ page: 'name', at: t(0) }]);
  });

  it('keeps a typed answer without moving; Next follows the page order', () => {
    const r = run([{ type: 'answer', questionId: 'name', text: '  Oleg ', at: t(1) }]);
    expect(r.answers.name).toEqual({ value: 'Oleg', at: t(1) });
    expect(pageOf(r)).toBe('name');
    expect(resolveNextPage(sales, r)).toBe('needs');
    expect(pageOf(run([{ type: 'next', at: t(2) }], r))).toBe('needs');
  });

  it('branches on yes/no: "yes" goes to its page at once, "no" stays and Next takes the page order', () => {
    const atNeeds = run([{ type: 'next', at: t(1) }]);
    const yes = run([{ type: 'answer', questionId: 'current', optionId: 'yes', at: t(2) }], atNeeds);
    expect(pageOf(yes)).toBe('pain');
    expect(yes.answers.current).toEqual({ value: 'Yes', optionId: 'yes', at: t(2) });
    const no = run([{ type: 'answer', questionId: 'current', optionId: 'no', at: t(2) }], atNeeds);
    expect(pageOf(no)).toBe('needs');
    expect(no.answers.current?.value).toBe('No');
  });

  it('branches on a choice: an option\'s next wins over the question\'s', () => {
    const atNeeds = run([{ type: 'next', at: t(1) }]);
    expect(pageOf(run([{ type: 'answer', questionId: 'budget', optionId: 'big', at: t(2) }], atNeeds))).toBe('big-offer');
    const small = run([{ type: 'answer', questionId: 'budget', optionId: 'small', at: t(2) }], atNeeds);
    expect(pageOf(small)).toBe('offer');
    expect(small.answers.budget).toEqual({ value: 'up to 500 €', optionId: 'small', at: t(2) });
  });

  it("Next from a page follows the latest answer's branch, then the page's next, then the file order, then the end", () => {
    const back = run([
      { type: 'next', at: t(1) },
      { type: 'answer', questionId: 'budget', optionId: 'big', at: t(2) },
      { type: 'back', at: t(3) },
    ]);
    expect(pageOf(back)).toBe('needs');
    expect(resolveNextPage(sales, back)).toBe('big-offer');
    const bigOffer = run([{ type: 'goto', page: 'big-offer', at: t(4) }]);
    expect(resolveNextPage(sales, bigOffer)).toBe('offer');
    const atClose = run([{ type: 'goto', page: 'close', at: t(5) }]);
    expect(resolveNextPage(sales, atClose)).toBe('end');
    const ended = run([{ type: 'next', at: t(6) }], atClose);
    expect(ended.finishedAt).toBe(t(6));
    expect(currentPage(sales, ended)).toBeNull();
    expect(pageOf(run([{ type: 'back', at: t(7) }], ended))).toBe('close');
  });

  it('does not jump when an earlier page\'s answer is changed from another page', () => {
    const r = run([
      { type: 'goto', page: 'offer', at: t(1) },
      { type: 'answer', questionId: 'budget', optionId: 'big', at: t(2) },
    ]);
    expect(pageOf(r)).toBe('offer');
    expect(r.answers.budget?.optionId).toBe('big');
  });

  it('offers "No suitable answer" on every question, open ones included, and keeps what the client said', () => {
    for (const { question } of scriptQuestions(sales)) {
      const options = answerOptions(question, 'en');
      expect(options.at(-1)).toEqual({ id: NO_SUITABLE, label: 'No suitable answer', noSuitable: true });
    }
    expect(answerOptions(scriptQuestions(sales)[0]!.question, 'ru').at(-1)?.label).toBe('Нет подходящего ответа');
    const r = run([
      { type: 'goto', page: 'pain', at: t(1) },
      { type: 'no-suitable', questionId: 'pain', text: ' It is fine, the boss wants a change ', at: t(2) },
    ]);
    expect(r.answers.pain).toEqual({ value: 'It is fine, the boss wants a change', noSuitable: 'It is fine, the boss wants a change', at: t(2) });
    expect(pageOf(r)).toBe('pain');
    expect(resolveNextPage(sales, r)).toBe('offer');
    // On a choice question too; it is not one of the options an agent picks by id.
    const onChoice = run([
      { type: 'next', at: t(1) },
      { type: 'no-suitable', questionId: 'budget', text: 'Depends on the boss', at: t(2) },
    ]);
    expect(onChoice.answers.budget).toMatchObject({ value: 'Depends on the boss', noSuitable: 'Depends on the boss' });
    expect(onChoice.answers.budget?.optionId).toBeUndefined();
    expect(run([{ type: 'answer', questionId: 'budget', optionId: NO_SUITABLE, at: t(3) }], onChoice)).toBe(onChoice);
  });

  it('ignores actions that name nothing in the script, and a blank typed answer clears it', () => {
    const r = run([{ type: 'answer', questionId: 'name', text: 'Oleg', at: t(1) }]);
    expect(run([{ type: 'answer', questionId: 'nope', text: 'x', at: t(2) }], r)).toBe(r);
    expect(run([{ type: 'answer', questionId: 'budget', optionId: 'huge', at: t(2) }], r)).toBe(r);
    expect(run([{ type: 'goto', page: 'nowhere', at: t(2) }], r)).toBe(r);
    expect(run([{ type: 'no-suitable', questionId: 'name', text: '  ', at: t(2) }], r)).toBe(r);
    expect(run([{ type: 'answer', questionId: 'name', text: ' ', at: t(2) }], r).answers).toEqual({});
  });

  it('shows where we stopped after a hold: the page and the last question answered', () => {
    const r = run([
      { type: 'answer', questionId: 'name', text: 'Oleg', at: t(1) },
      { type: 'next', at: t(2) },
      { type: 'answer', questionId: 'current', optionId: 'no', at: t(3) },
    ]);
    const stopped = whereWeStopped(sales, r);
    expect(stopped.page?.id).toBe('needs');
    expect(stopped.question?.id).toBe('current');
    expect(stopped.answer?.value).toBe('No');
    expect(stopped.finished).toBe(false);
  });

  it('maps answers to card fields with saveTo; a later answer to the same field wins', () => {
    const r = run([
      { type: 'answer', questionId: 'name', text: 'Oleg', at: t(1) },
      { type: 'goto', page: 'needs', at: t(2) },
      { type: 'answer', questionId: 'budget', optionId: 'small', at: t(3) },
      { type: 'goto', page: 'offer', at: t(4) },
      { type: 'answer', questionId: 'urgency', optionId: 'now', at: t(5) },
      { type: 'no-suitable', questionId: 'pain', text: 'No complaints', at: t(6) },
      { type: 'answer', questionId: 'current', optionId: 'yes', at: t(7) },
    ]);
    expect(clientUpdates(r, sales)).toEqual({
      fields: { name: 'Oleg', urgency: 'Now' },
      needs: { budget: 'up to 500 €', pain: 'No complaints' },
    });
    const twoNames = script({
      id: 'two',
      pages: [page('a', [q({ id: 'n1', text: 'Name', kind: 'open', saveTo: 'client.name' }), q({ id: 'n2', text: 'Name', kind: 'open', saveTo: 'client.name' })])],
    });
    let r2 = startScriptRun(twoNames, t(0));
    r2 = reduceScriptRun(twoNames, r2, { type: 'answer', questionId: 'n2', text: 'Later', at: t(2) });
    r2 = reduceScriptRun(twoNames, r2, { type: 'answer', questionId: 'n1', text: 'Earlier', at: t(1) });
    expect(clientUpdates(r2, twoNames).fields.name).toBe('Later');
  });

  it('lets the phrases that follow use an answer saved to the card at once', () => {
    const r = run([{ type: 'answer', questionId: 'name', text: 'Oleg', at: t(1) }]);
    const values = scriptValues({ language: 'en', now: tue(15), script: sales, run: r, client: { name: 'Old name' } });
    expect(renderTemplate('Nice to meet you, {client.name|""}!', values)).toBe('Nice to meet you, Oleg!');
    expect(values['answer.name']).toBe('Oleg');
    expect(renderTemplate('Nice to meet you, {client.name|""}!', scriptValues({ language: 'en', now: tue(15) }))).toBe('Nice to meet you!');
  });
});

describe('time windows', () => {
  const evening = { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as ('mon' | 'tue' | 'wed' | 'thu' | 'fri')[], from: '18:00', to: '09:00' };
  it('a window crossing midnight belongs to the day it starts on', () => {
    expect(inTimeWindow(evening, tue(18, 0))).toBe(true);
    expect(inTimeWindow(evening, tue(2, 30))).toBe(true); // Monday's evening, Tuesday small hours
    expect(inTimeWindow(evening, tue(8, 59))).toBe(true);
    expect(inTimeWindow(evening, tue(9, 0))).toBe(false);
    expect(inTimeWindow(evening, tue(17, 59))).toBe(false);
    expect(inTimeWindow(evening, new Date(2025, 0, 6, 3, 0))).toBe(false); // Monday 03:00: Sunday is not listed
    expect(inTimeWindow(evening, new Date(2025, 0, 11, 8, 0))).toBe(true); // Saturday 08:00: Friday's evening
    expect(inTimeWindow({ from: '00:00', to: '24:00' }, tue(23, 59))).toBe(true);
  });
  it('describes a window for the reason', () => {
    expect(describeTimeWindow(evening)).toBe('Mon–Fri 18:00–09:00');
    expect(describeTimeWindow({ days: ['sat', 'sun'], from: '00:00', to: '24:00' })).toBe('Sat, Sun all day');
    expect(describeTimeWindow({ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sun'], from: '18:00', to: '09:00' })).toBe('Mon–Fri, Sun 18:00–09:00');
  });
});

describe('chooseScript', () => {
  const oneLine = [page('p', [{ say: 'Hello' }])];
  const reception = script({
    id: 'reception',
    priority: 20,
    match: { dialled: 'lines' },
    lines: [
      { number: '+7 495 123-45-67', company: 'Zhemchug Dental' },
      { number: '1000', company: 'Front desk' },
    ],
    pages: oneLine,
  });
  const returning = script({ id: 'returning', priority: 10, match: { client: 'returning' }, pages: oneLine });
  const vip = script({ id: 'vip', priority: 15, match: { tags: ['VIP'] }, pages: oneLine });
  const afterHours = script({
    id: 'after-hours',
    priority: 30,
    match: { time: [{ days: 'sun-fri', from: '18:00', to: '09:00' }, { days: ['сб', 'вс'], from: '00:00', to: '24:00' }] },
    pages: oneLine,
  });
  const fallback = script({ id: 'sales', default: true, pages: oneLine });
  const all = [fallback, reception, returning, vip, afterHours];
  /** The choice, with its reason in English (`t` for another language). */
  const choose = (ctx: Partial<Parameters<typeof chooseScript>[1]>, scripts = all, t = fixedT('en')) => {
    const choice = chooseScript(scripts, { dialled: null, client: 'new', now: tue(11), ...ctx });
    return choice && { ...choice, reason: choiceReason(choice, t) };
  };

  it('a dialled line beats the default, and the reason names the line and its company', () => {
    const choice = choose({ dialled: '+74951234567', client: 'new' });
    expect(choice?.script.id).toBe('reception');
    expect(choice?.reason).toBe('Dialled line +7 495 123-45-67 (Zhemchug Dental)');
    expect(choice?.line).toEqual({ number: '+7 495 123-45-67', company: 'Zhemchug Dental' });
    expect(choose({ dialled: '8 (495) 123-45-67' })?.script.id).toBe('reception');
    expect(choose({ dialled: 'sip:1000@pbx.example.com' })?.reason).toBe('Dialled line 1000 (Front desk)');
    expect(choose({ dialled: '+74959999999' })?.script.id).toBe('sales');
  });

  it('tells returning clients from new ones', () => {
    expect(choose({ client: 'returning' })?.script.id).toBe('returning');
    expect(choose({ client: 'returning' })?.reason).toBe('Returning client');
    const newOne = choose({ client: 'new' });
    expect(newOne?.script.id).toBe('sales');
    expect(newOne?.reason).toBe('Default script: no other script matched');
  });

  it('matches any of the tags, in any case', () => {
    expect(choose({ tags: ['club', 'vip'] })?.script.id).toBe('vip');
    expect(choose({ tags: ['club', 'vip'] })?.reason).toBe('Tag "vip"');
    expect(choose({ tags: ['club'] })?.script.id).toBe('sales');
  });

  it('after hours: a window crossing midnight and the weekend', () => {
    expect(choose({ now: tue(19, 5), dialled: '+74951234567' })?.reason).toBe('Time window Mon–Fri, Sun 18:00–09:00 (now Tue 19:05)');
    expect(choose({ now: tue(3, 0) })?.script.id).toBe('after-hours');
    expect(choose({ now: new Date(2025, 0, 6, 8, 59) })?.script.id).toBe('after-hours'); // Monday, from Sunday's window
    expect(choose({ now: new Date(2025, 0, 6, 9, 0) })?.script.id).toBe('sales');
    expect(choose({ now: new Date(2025, 0, 11, 12, 0) })?.reason).toBe('Time window Sat, Sun all day (now Sat 12:00)');
  });

  it('what came before the call: the IVR choice, queue or campaign the PBX sent, any case, numbers as text', () => {
    const ivrSales = script({ id: 'ivr-sales', priority: 25, match: { ivrChoice: 2, queue: ['Sales', 'sales-2'] }, pages: oneLine });
    const spring = script({ id: 'spring', priority: 5, match: { campaign: 'Весна' }, pages: oneLine });
    const scripts = [fallback, reception, ivrSales, spring];
    const both = choose({ dialled: '1000', ivrChoice: '2', queue: ' SALES ' }, scripts);
    expect(both?.script.id).toBe('ivr-sales');
    expect(both?.reason).toBe('IVR choice "2", queue "SALES"');
    // Every condition must hold: the choice alone, or no headers at all, fall through.
    expect(choose({ dialled: '1000', ivrChoice: '2' }, scripts)?.script.id).toBe('reception');
    expect(choose({ dialled: '1000', ivrChoice: '1', queue: 'sales' }, scripts)?.script.id).toBe('reception');
    expect(choose({ dialled: '1000' }, scripts)?.script.id).toBe('reception');
    expect(choose({ campaign: 'весна' }, scripts)?.reason).toBe('Campaign "весна"');
    expect(choose({ campaign: null }, scripts)?.script.id).toBe('sales');
  });

  it('a match on what came before the call is a condition: not allowed on a default script, and checked', () => {
    const withDefault = validateCallScript({ id: 'x', title: 'X', language: 'en', default: true, match: { queue: 'sales' }, pages: oneLine });
    expect(withDefault.ok ? [] : withDefault.issues.map((i) => i.message)).toEqual([expect.stringContaining('a default script is chosen when nothing else matches')]);
    const empty = validateCallScript({ id: 'x', title: 'X', language: 'en', match: { ivrChoice: [] }, pages: oneLine });
    expect(empty.ok ? [] : empty.issues.map((i) => i.message)).toEqual(['match, ivrChoice: must name at least one value']);
  });

  it('says why in Russian under Russian: every condition, the weekdays and the follow-up source too', () => {
    const ru = fixedT('ru');
    expect(choose({ dialled: '+74951234567' }, all, ru)?.reason).toBe('Набрана линия +7 495 123-45-67 (Zhemchug Dental)');
    expect(choose({ client: 'returning' }, all, ru)?.reason).toBe('Клиент уже обращался');
    expect(choose({ client: 'new' }, all, ru)?.reason).toBe('Сценарий по умолчанию: другие не подошли');
    expect(choose({ tags: ['club', 'vip'] }, all, ru)?.reason).toBe('Тег «vip»');
    expect(choose({ now: tue(19, 5), dialled: '+74951234567' }, all, ru)?.reason).toBe('Время пн–пт, вс 18:00–09:00 (сейчас вт 19:05)');
    expect(choose({ now: new Date(2025, 0, 11, 12, 0) }, all, ru)?.reason).toBe('Время сб, вс весь день (сейчас сб 12:00)');
    const ivr = script({ id: 'ivr', match: { ivrChoice: 2, queue: 'sales', campaign: 'весна' }, pages: oneLine });
    expect(choose({ ivrChoice: '2', queue: 'SALES', campaign: 'весна' }, [ivr], ru)?.reason).toBe('Выбор в голосовом меню «2», очередь «SALES», кампания «весна»');
    const lead = script({ id: 'lead', match: { direction: 'outbound', source: 'web-lead', client: 'new' }, pages: oneLine });
    const reason = choose({ direction: 'outbound', source: 'web-lead' }, [lead], ru)?.reason ?? '';
    expect(reason).toMatch(/^Исходящий звонок, перезвон \([^A-Za-z]+\), новый клиент$/);
    expect(choose({}, [script({ id: 'any', pages: oneLine })], ru)?.reason).toBe('Подходит для любого звонка (без условий)');
  });

  it('combines the conditions of one script in its reason', () => {
    const both = script({ id: 'both', match: { dialled: ['+7 495 123-45-67'], client: 'returning' }, lines: [{ number: '+74951234567', company: 'Zhemchug Dental' }], pages: oneLine });
    expect(choose({ dialled: '+74951234567', client: 'returning' }, [both])?.reason).toBe('Dialled line +7 495 123-45-67 (Zhemchug Dental), returning client');
    // The company of a line comes from any script that describes it.
    const onlyNumbers = script({ id: 'numbers', priority: 50, match: { dialled: '+74951234567' }, pages: oneLine });
    expect(choose({ dialled: '+74951234567' }, [onlyNumbers, reception])?.reason).toBe('Dialled line +74951234567 (Zhemchug Dental)');
  });

  it('first match wins: by priority, then the agent\'s language, then the order given; disabled scripts never', () => {
    const a = script({ id: 'a', language: 'ru', pages: oneLine });
    const b = script({ id: 'b', language: 'en', pages: oneLine });
    const c = script({ id: 'c', language: 'en', priority: 1, pages: oneLine });
    expect(choose({}, [a, b])?.script.id).toBe('a');
    expect(choose({ language: 'en' }, [a, b])?.script.id).toBe('b');
    expect(choose({ language: 'ru' }, [a, b, c])?.script.id).toBe('c');
    expect(choose({}, [a, b])?.reason).toBe('Matches every call (no conditions)');
    const off = script({ id: 'off', enabled: 'false', priority: 100, pages: oneLine });
    expect(choose({}, [off, a])?.script.id).toBe('a');
    expect(choose({}, [off])).toBeNull();
    expect(choose({ client: 'new' }, [returning])).toBeNull();
  });

  it('outbound calls: only scripts for them; a call back by its follow-up\'s source', () => {
    const lead = script({ id: 'lead', match: { source: 'web-lead' }, pages: oneLine });
    const callback = script({ id: 'callback', match: { direction: 'outbound', source: ['wrap-up', 'manual'], client: 'returning' }, pages: oneLine });
    const anyOut = script({ id: 'any-out', match: { direction: 'outbound' }, pages: oneLine });
    const both = script({ id: 'both', priority: -5, match: { direction: 'any' }, pages: oneLine });
    const outDefault = script({ id: 'out-default', default: true, match: { direction: 'outbound' }, pages: oneLine });
    expect(lead.match.direction).toBe('outbound');
    const scripts = [...all, lead, callback, anyOut, outDefault];
    const out = (ctx: Partial<Parameters<typeof chooseScript>[1]>, list = scripts) => choose({ direction: 'outbound', ...ctx }, list);
    expect(out({ source: 'web-lead' })).toMatchObject({ script: { id: 'lead' }, reason: 'Outbound call, call back (web lead)' });
    expect(out({ source: 'wrap-up', client: 'returning' })).toMatchObject({ script: { id: 'callback' }, reason: 'Outbound call, call back (next step of a call), returning client' });
    // A condition that fails passes the call on: a new client called back gets the plain outbound script.
    expect(out({ source: 'wrap-up', client: 'new' })?.script.id).toBe('any-out');
    expect(out({ source: null })?.script.id).toBe('any-out');
    expect(out({}, [...all, outDefault])).toMatchObject({ script: { id: 'out-default' }, reason: 'Default script: no other script matched' });
    // Without outbound scripts, nothing: the inbound greeting is never shown on a call the agent makes.
    expect(out({ source: 'web-lead' }, all)).toBeNull();
    expect(out({}, [...all, both])?.script.id).toBe('both');
    // Inbound calls (the default direction) never get the outbound ones.
    expect(choose({ source: 'web-lead', client: 'returning' }, scripts)?.script.id).toBe('returning');
    expect(choose({}, [both, fallback])?.script.id).toBe('both');
  });

  it('a call back script must be outbound; a default may only name its direction', () => {
    expect(problemsOf({ match: { direction: 'inbound', source: 'web-lead' }, pages: oneLine }).map((i) => i.message)).toEqual([
      'match, source: a call back is an outbound call: write direction: outbound (or leave direction out)',
    ]);
    expect(problemsOf({ match: { source: 'leads' }, pages: oneLine }).map((i) => i.message)).toEqual([
      'match, source 1: must be one of wrap-up, web-lead, missed-call, manual',
    ]);
    expect(problemsOf({ default: true, match: { direction: 'outbound', source: 'web-lead' }, pages: oneLine }).map((i) => i.message)).toEqual([
      'a default script is chosen when nothing else matches: remove its match conditions, or default: true',
    ]);
    expect(problemsOf({ default: true, match: { direction: 'outbound' }, pages: oneLine })).toEqual([]);
  });

  it('compares numbers by their digits', () => {
    expect(numbersMatch('+7 495 123-45-67', '84951234567')).toBe(true);
    expect(numbersMatch('+44 20 7946 0123', '020 7946 0123')).toBe(true);
    expect(numbersMatch('1000', '1000')).toBe(true);
    expect(numbersMatch('1000', '10001')).toBe(false);
    expect(numbersMatch('+74951234567', '+74951234568')).toBe(false);
  });
});

describe('validateCallScript', () => {
  const budgetPage = (next: string) =>
    page('needs', [q({ id: 'budget', text: 'Budget?', kind: 'yes-no', options: [{ id: 'yes', next }] })]);

  it('names a branch to a page that does not exist', () => {
    expect(problemsOf({ pages: [budgetPage('offer')] })).toEqual([
      {
        path: ['pages', 0, 'blocks', 0, 'question', 'options', 0, 'next'],
        message: 'question "budget": option "yes" goes to page "offer", which does not exist',
        said: { key: 'check.scriptNoPageFromOption', values: { question: 'budget', option: 'yes', page: 'offer' } },
      },
    ]);
    expect(problemsOf({ pages: [budgetPage('end')] })).toEqual([]);
    expect(problemsOf({ pages: [page('a', [{ say: 'x' }], { next: 'b' })] })[0]?.message).toBe('page "a" goes to page "b", which does not exist');
  });

  it('names a duplicate question id, page id and option id', () => {
    const twice = problemsOf({
      pages: [page('a', [q({ id: 'name', text: 'Name', kind: 'open' })]), page('a', [q({ id: 'name', text: 'Name again', kind: 'open' })])],
    });
    expect(twice.map((i) => i.message)).toEqual(['page id "a" is used by another page too', 'question id "name" is used twice in this script']);
    expect(twice[1]?.path).toEqual(['pages', 1, 'blocks', 0, 'question', 'id']);
    const options = problemsOf({ pages: [page('a', [q({ id: 'c', text: 'C', options: [{ id: 'o', label: 'O' }, { id: 'o', label: 'P' }] })])] });
    expect(options[0]?.message).toBe('page "a", question "c", option "o", id: "o" is used by another option of this question too');
  });

  it('names an unknown saveTo field and accepts card fields and needs keys', () => {
    const bad = problemsOf({ pages: [page('a', [q({ id: 'b', text: 'B', kind: 'open', saveTo: 'client.budjet' })])] });
    expect(bad).toHaveLength(1);
    expect(bad[0]?.path).toEqual(['pages', 0, 'blocks', 0, 'question', 'saveTo']);
    expect(bad[0]?.message).toMatch(/^page "a", question "b", saveTo: unknown card field "client.budjet": use client.<field> \(name, .*\) or client.needs.<key>$/);
    for (const saveTo of ['client.name', 'client.needs.budget', 'client.nextStepDate']) {
      expect(problemsOf({ pages: [page('a', [q({ id: 'b', text: 'B', kind: 'open', saveTo })])] })).toEqual([]);
    }
    for (const saveTo of ['client.tags', 'client.needs', 'client.needs.a.b', 'card.name']) {
      expect(problemsOf({ pages: [page('a', [q({ id: 'b', text: 'B', kind: 'open', saveTo })])] })).toHaveLength(1);
    }
  });

  it('names missing fields, unknown fields, bad values and phrases without fallbacks', () => {
    const messages = problemsOf({
      language: 'de',
      nxt: 'a',
      match: { client: 'old', time: [{ days: 'mon-funday', from: '25:00', to: '09:00' }] },
      pages: [page('a', [{ say: 'Hi {client.name}' }, {}, q({ id: 'k', text: 'K', kind: 'open', options: [{ id: 'x', label: 'X' }] })])],
    }).map((i) => i.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'language: must be "ru" or "en"',
        'unknown field "nxt"',
        'match, client: must be "new", "returning" or "any"',
        'match, time window 1, from: must be a time from "00:00" to "23:59"',
        'page "a", block 2: a block is exactly one of say, note or question',
        'page "a", question "k", options: an open question has no options (the agent types the answer): remove them, or write kind: choice',
      ]),
    );
    expect(problemsOf({ title: undefined, pages: [page('a', [{ say: 'x' }])] }).map((i) => i.message)).toEqual(['title: is missing']);
    expect(problemsOf({ pages: [page('a', [{ say: 'Hi {client.name}' }])] }).map((i) => i.message)).toEqual([
      'page "a": {client.name} has no fallback for when the value is missing: write {client.name|"…"} (or |"" to leave it out)',
    ]);
    expect(problemsOf({ default: 'true', match: { client: 'new' }, pages: [page('a', [{ say: 'x' }])] }).map((i) => i.message)).toEqual([
      'a default script is chosen when nothing else matches: remove its match conditions, or default: true',
    ]);
    expect(problemsOf({ match: { dialled: 'lines' }, pages: [page('a', [{ say: 'x' }])] }).map((i) => i.message)).toEqual([
      'match, dialled: says "lines", but the script lists no lines',
    ]);
  });

  it('reads text the way a YAML file gives it, and its output parses again to itself', () => {
    const s = script({
      id: 'text',
      priority: '5',
      enabled: 'true',
      match: { dialled: '+7 495 123-45-67', tags: 'vip', time: [{ days: 'пн-пт', from: '9:00', to: '18:00' }] },
      pages: [page('a', [q({ id: 'ok', text: 'OK?', kind: 'yes-no' }), q({ id: 'c', text: 'C', options: [{ id: 'x', label: 'X' }, { id: 'y', label: 'Y' }] })])],
    });
    expect(s.priority).toBe(5);
    expect(s.match).toEqual({
      direction: 'inbound',
      dialled: ['+7 495 123-45-67'],
      client: 'any',
      tags: ['vip'],
      time: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' }],
    });
    expect(scriptQuestions(s).map((x) => x.question.kind)).toEqual(['yes-no', 'choice']);
    expect(CallScriptSchema.parse(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });
});
