import { describe, expect, it } from 'vitest';
import { blocking, findingsOf, parseCsv } from './electronegativity';

describe('the electronegativity gate', () => {
  const csv = [
    'issue, severity, confidence, filename, location, sample, description, url',
    'CSP_GLOBAL_CHECK,"MEDIUM","CERTAIN","N/A","0:0","","One line,\nanother ""quoted""",https://x',
    'NODE_INTEGRATION_JS_CHECK,"HIGH","FIRM","shell/main.ts","1:1","nodeIntegration: true","bad",https://x',
    'AUXCLICK_JS_CHECK,"MEDIUM","FIRM","shell/main.ts","2:2","new BrowserWindow","",https://x',
    '',
  ].join('\n');
  it('reads its CSV report, quoted line breaks included', () => {
    expect(parseCsv('a,"b\n""c"""\nd,e')).toEqual([['a', 'b\n"c"'], ['d', 'e']]);
    expect(findingsOf(csv).map((f) => [f.issue, f.severity])).toEqual([
      ['CSP_GLOBAL_CHECK', 'MEDIUM'],
      ['NODE_INTEGRATION_JS_CHECK', 'HIGH'],
      ['AUXCLICK_JS_CHECK', 'MEDIUM'],
    ]);
  });
  it('blocks every high finding and every finding nobody reviewed', () => {
    expect(blocking(findingsOf(csv)).map((f) => f.issue)).toEqual(['NODE_INTEGRATION_JS_CHECK', 'AUXCLICK_JS_CHECK']);
  });
  it('refuses a run that wrote no report', () => {
    expect(() => findingsOf('')).toThrow(/no CSV report/);
  });
});
