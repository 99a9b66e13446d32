import { describe, expect, it } from 'vitest';
import { blocking, findingsOf, type ToolResult } from './electronegativity';

describe('the electronegativity gate', () => {
  const issue = (id: string, severity: string, file = 'shell/main.ts') => ({
    id,
    severity: { name: severity },
    confidence: { name: 'FIRM' },
    file,
    location: { line: 1, column: 2 },
    sample: "app.commandLine.appendSwitch('a', b);",
  });
  const result: ToolResult = {
    issues: [issue('CSP_GLOBAL_CHECK', 'MEDIUM', 'N/A'), issue('NODE_INTEGRATION_JS_CHECK', 'HIGH'), issue('AUXCLICK_JS_CHECK', 'medium')],
    errors: [{ file: 'x.ts', message: 'a tolerable warning', tolerable: true }],
  };
  it("reads the tool's own result, commas in a sample included", () => {
    expect(findingsOf(result).map((f) => [f.issue, f.severity, f.location, f.sample])).toEqual([
      ['CSP_GLOBAL_CHECK', 'MEDIUM', '1:2', "app.commandLine.appendSwitch('a', b);"],
      ['NODE_INTEGRATION_JS_CHECK', 'HIGH', '1:2', "app.commandLine.appendSwitch('a', b);"],
      ['AUXCLICK_JS_CHECK', 'MEDIUM', '1:2', "app.commandLine.appendSwitch('a', b);"],
    ]);
  });
  it('blocks every high finding and every finding nobody reviewed', () => {
    expect(blocking(findingsOf(result)).map((f) => f.issue)).toEqual(['NODE_INTEGRATION_JS_CHECK', 'AUXCLICK_JS_CHECK']);
  });
  it('refuses a run that could not read a file (nothing in it was checked)', () => {
    expect(() => findingsOf({ issues: [], errors: [{ file: 'shell/main.ts', message: 'Unexpected token', tolerable: false }] })).toThrow(/could not read shell\/main.ts: Unexpected token/);
  });
});
