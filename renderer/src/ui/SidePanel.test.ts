import { describe, expect, it } from 'vitest';
import { skippedScriptsText } from './SidePanel';

describe('the skipped call scripts line', () => {
  it('counts files, not their problems', () => {
    const problems = [
      ...Array.from({ length: 4 }, () => ({ file: '/s/a.yaml' })),
      ...Array.from({ length: 5 }, () => ({ file: '/s/b.yaml' })),
      { file: '/s/c.yaml' },
    ];
    expect(skippedScriptsText(problems)).toBe('3 call scripts were skipped (10 problems)');
    expect(skippedScriptsText([{ file: '/s/a.yaml' }])).toBe('A call script was skipped');
    expect(skippedScriptsText([{ file: '/s/a.yaml' }, { file: '/s/a.yaml' }])).toBe('A call script was skipped (2 problems)');
  });
});
