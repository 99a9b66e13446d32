import { describe, expect, it } from 'vitest';
import { CrmProblemSchema, crmProblemText, crmUnavailableText, type CrmProblem } from './crm';
import { fixedT } from './i18n/translate';

/** One problem of each kind the connector reports. */
const problems: CrmProblem[] = [
  { code: 'timeout', seconds: 1.5 },
  { code: 'http', status: 503, reason: 'Service Unavailable', location: null },
  { code: 'http', status: 401, reason: 'Unauthorized', location: null },
  { code: 'http', status: 302, reason: 'Found', location: 'https://crm.example.com/v2' },
  { code: 'http', status: 301, reason: 'Moved Permanently', location: null },
  { code: 'refused', host: 'crm.example.com' },
  { code: 'closed', host: 'crm.example.com' },
  { code: 'host-not-found', host: 'crm.example.com' },
  { code: 'unreachable', host: 'crm.example.com', message: null },
  { code: 'unreachable', host: 'crm.example.com', message: 'socket hang up' },
  { code: 'tls', error: 'CERT_HAS_EXPIRED' },
  { code: 'empty', status: 200 },
  { code: 'not-json', type: 'text/html' },
  { code: 'too-large', mb: 1 },
  { code: 'failed', message: 'boom' },
  { code: 'off' },
  { code: 'no-lead-url' },
  { code: 'no-chat-url' },
];
/** English words left in a Russian text: what the CRM or the system said (quoted data) and names are left out first. */
const englishWords = (text: string) =>
  text
    .replace(/crm\.[A-Za-z.]+|https?:\/\/\S+|Service Unavailable|Unauthorized|Moved Permanently|Found|socket hang up|boom|text\/html|CERT_HAS_EXPIRED|\((Authorization|JSON)\)/g, '')
    .match(/\b(?!(?:CRM|TLS|JSON)\b)[A-Za-z]{2,}\b/g) ?? [];

describe('why the CRM gave no answer, in the UI language', () => {
  it('tells every kind of problem in Russian under Russian', () => {
    const ru = fixedT('ru');
    for (const problem of problems) {
      expect(CrmProblemSchema.parse(problem)).toEqual(problem);
      const text = crmProblemText(problem, ru);
      expect(englishWords(text), text).toEqual([]);
    }
    expect(crmProblemText({ code: 'timeout', seconds: 1.5 }, ru)).toBe('CRM не ответила за 1,5 с');
    expect(crmProblemText({ code: 'refused', host: 'crm.example.com' }, ru)).toBe('CRM отказала в соединении (crm.example.com)');
  });

  it('in English, as the log has it', () => {
    expect(crmProblemText({ code: 'http', status: 401, reason: 'Unauthorized', location: null })).toBe('CRM answered 401 Unauthorized: check the CRM headers (Authorization) in the provisioning file');
    expect(crmProblemText({ code: 'http', status: 302, reason: 'Found', location: 'https://crm.example.com/v2' })).toBe(
      'CRM answered 302 Found (to https://crm.example.com/v2): put the final address in the provisioning file',
    );
  });

  it('a result without the problem as data (the bridge failed) shows its detail as it came', () => {
    expect(crmUnavailableText({ detail: 'socket closed' }, fixedT('ru'))).toBe('socket closed');
  });
});
