import { fixedT } from './i18n/translate';
import { describe, expect, it } from 'vitest';
import {
  compareFollowUps,
  describeDue,
  endOfLocalDay,
  FollowUpAddSchema,
  followUpTiming,
  localDateText,
  localDateTime,
  dueFromInputs,
  needsWrapUp,
  relativeDay,
  webLeadFromUnansweredCall,
  WrapUpInputSchema,
} from './wrapUp';
import { describeIssues } from './callLog';

// Tuesday 7 January 2025, 14:30 local time.
const now = new Date(2025, 0, 7, 14, 30);
const local = (d: number, h = 0, m = 0) => new Date(2025, 0, d, h, m).toISOString();

describe('needsWrapUp', () => {
  it('answered calls with an outside number, not colleagues, not calls nobody talked on', () => {
    expect(needsWrapUp({ answered: true, remoteNumber: '+74951234567' })).toBe(true);
    expect(needsWrapUp({ answered: true, remoteNumber: '84951234567' })).toBe(true);
    expect(needsWrapUp({ answered: true, remoteNumber: '1001' })).toBe(false);
    expect(needsWrapUp({ answered: true, remoteNumber: '100001' })).toBe(false);
    expect(needsWrapUp({ answered: true, remoteNumber: 'anonymous' })).toBe(false);
    expect(needsWrapUp({ answered: false, remoteNumber: '+74951234567' })).toBe(false);
  });
});

describe('due and overdue', () => {
  it('a timed follow-up is overdue once its time has passed; due today until then; later after today', () => {
    expect(followUpTiming({ dueAt: local(7, 14, 0), allDay: false }, now)).toBe('overdue');
    expect(followUpTiming({ dueAt: local(6, 18, 0), allDay: false }, now)).toBe('overdue');
    expect(followUpTiming({ dueAt: local(7, 16, 0), allDay: false }, now)).toBe('due');
    expect(followUpTiming({ dueAt: local(8, 9, 0), allDay: false }, now)).toBe('later');
  });

  it('an all-day follow-up is due all its day and overdue only the day after', () => {
    expect(followUpTiming({ dueAt: local(7), allDay: true }, now)).toBe('due');
    expect(followUpTiming({ dueAt: local(7), allDay: true }, new Date(2025, 0, 7, 23, 59))).toBe('due');
    expect(followUpTiming({ dueAt: local(6), allDay: true }, now)).toBe('overdue');
    expect(followUpTiming({ dueAt: local(8), allDay: true }, now)).toBe('later');
  });

  it('the list reaches the end of the local day', () => {
    expect(endOfLocalDay(now)).toEqual(new Date(2025, 0, 7, 23, 59, 59, 999));
  });

  it('says when, as the list shows it', () => {
    expect(describeDue({ dueAt: local(7, 16, 0), allDay: false }, now)).toBe('today 16:00');
    expect(describeDue({ dueAt: local(7), allDay: true }, now)).toBe('today (any time)');
    expect(describeDue({ dueAt: local(6, 10, 5), allDay: false }, now)).toBe('overdue: yesterday 10:05');
    expect(describeDue({ dueAt: local(3), allDay: true }, now)).toBe('overdue: on 3 January (any time)');
    expect(describeDue({ dueAt: local(8, 9, 0), allDay: false }, now)).toBe('tomorrow 09:00');
  });

  it('orders soonest first, then by when they arose', () => {
    const a = { id: 'a', dueAt: local(7, 9), createdAt: local(5) };
    const b = { id: 'b', dueAt: local(6, 17), createdAt: local(6) };
    const c = { id: 'c', dueAt: local(7, 9), createdAt: local(4) };
    expect([a, b, c].sort(compareFollowUps).map((f) => f.id)).toEqual(['b', 'c', 'a']);
  });
});

describe('dates as people give them', () => {
  it('a date (and an optional time) in local time', () => {
    expect(localDateTime('2025-01-07')).toEqual(new Date(2025, 0, 7));
    expect(localDateTime('2025-01-07', '9:30')).toEqual(new Date(2025, 0, 7, 9, 30));
    expect(localDateTime('2025-01-07', '')).toEqual(new Date(2025, 0, 7));
    expect(localDateTime('2025-02-30')).toBeNull();
    expect(localDateTime('07.01.2025')).toBeNull();
    expect(localDateTime('2025-01-07', '25:00')).toBeNull();
    expect(localDateText(new Date(2025, 0, 7, 23, 59))).toBe('2025-01-07');
  });

  it('a due time from the date and time inputs of a form, or which of them is wrong', () => {
    expect(dueFromInputs('2025-01-07', ' ')).toEqual({ due: new Date(2025, 0, 7), allDay: true });
    expect(dueFromInputs('2025-01-07', '14:30')).toEqual({ due: new Date(2025, 0, 7, 14, 30), allDay: false });
    expect(dueFromInputs('2025-01-07', '14:75')).toEqual({ problem: 'Time: must be a time such as 14:30, or empty for any time that day' });
    expect(dueFromInputs('', '14:30')).toEqual({ problem: 'Date: must be a date such as 2025-01-31' });
    expect(dueFromInputs('2025-01-07', '14:75', fixedT('ru'))).toEqual({ problem: 'Время: нужно время, например 14:30, или пусто — в любое время этого дня' });
  });

  it('relative days, in English and Russian', () => {
    expect(relativeDay(new Date(2025, 0, 7, 1), now)).toBe('today');
    expect(relativeDay(new Date(2025, 0, 6, 23), now, 'ru')).toBe('вчера');
    expect(relativeDay(new Date(2025, 0, 8), now, 'ru')).toBe('завтра');
    expect(relativeDay(new Date(2025, 1, 3), now)).toBe('on 3 February');
    expect(relativeDay(new Date(2024, 11, 30), now, 'ru')).toBe('30 декабря 2024');
  });
});

describe('what a wrap-up and a follow-up accept', () => {
  const base = { localUser: '1000', sipCallId: 'abc@host', remoteNumber: '+74951234567', outcome: 'resolved' };

  it('names the problem', () => {
    const bad = (input: Record<string, unknown>) => {
      const r = WrapUpInputSchema.safeParse(input);
      return r.success ? null : describeIssues(r.error);
    };
    expect(bad(base)).toBeNull();
    expect(bad({ ...base, outcome: 'maybe' })).toBe('outcome: must be one of resolved, callback, sale, not-interested, wrong-number, message-taken');
    expect(bad({ ...base, outcome: 'callback' })).toBe('nextStep: a "Callback needed" outcome needs the next step and its date');
    expect(bad({ ...base, sipCallId: null })).toBe('sipCallId: name the call: its SIP Call-ID or its history id');
    expect(bad({ ...base, nextStep: { what: ' ', dueAt: local(8) } })).toMatch(/^nextStep.what: must not be empty: say what the next step is/);
    expect(bad({ ...base, nextStep: { what: 'Call', dueAt: 'tomorrow' } })).toMatch(/^nextStep.dueAt: must be an ISO 8601 date-time/);
    expect(WrapUpInputSchema.parse({ ...base, notes: '  ' }).notes).toBeNull();
  });

  it('a follow-up needs a number to call and a reason; wrap-up ones come only from a wrap-up', () => {
    const bad = (input: Record<string, unknown>) => {
      const r = FollowUpAddSchema.safeParse(input);
      return r.success ? null : describeIssues(r.error);
    };
    const lead = { source: 'web-lead', number: '+7 (495) 123-45-67', reason: 'A quote for 40 chairs' };
    expect(bad(lead)).toBeNull();
    expect(bad({ ...lead, number: 'call Oleg' })).toBe('number: must be a phone number such as +7 495 123-45-67 (digits, spaces, + ( ) - . /)');
    expect(bad({ ...lead, reason: '' })).toMatch(/^reason: must not be empty/);
    expect(bad({ ...lead, source: 'wrap-up' })).toMatch(/^source: must be web-lead, missed-call or manual/);
  });
});

describe('webLeadFromUnansweredCall', () => {
  const call = { direction: 'inbound' as const, answered: false, remoteNumber: '+74951234567', remoteName: 'Oleg', leadId: 'L-77', now };

  it('a lead that called and was not answered goes on the list at once, with its request and when it was left', () => {
    expect(webLeadFromUnansweredCall({ ...call, lead: { request: ' 40 chairs ', createdAt: local(7, 9) } })).toEqual({
      source: 'web-lead',
      number: '+74951234567',
      name: 'Oleg',
      clientId: null,
      reason: '40 chairs',
      dueAt: now.toISOString(),
      allDay: false,
      createdAt: local(7, 9),
      externalId: 'lead:L-77',
    });
    expect(webLeadFromUnansweredCall({ ...call, lead: null })?.reason).toBe('Web lead L-77 called and was not answered');
  });

  it('none for answered, outbound, lead-less calls or a colleague', () => {
    expect(webLeadFromUnansweredCall({ ...call, answered: true })).toBeNull();
    expect(webLeadFromUnansweredCall({ ...call, direction: 'outbound' })).toBeNull();
    expect(webLeadFromUnansweredCall({ ...call, leadId: undefined })).toBeNull();
    expect(webLeadFromUnansweredCall({ ...call, remoteNumber: '1001' })).toBeNull();
  });
});
