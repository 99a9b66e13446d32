import { describe, expect, it } from 'vitest';
import { i18n } from '../i18n';
import { skippedScriptsText } from './SidePanel';

describe('the skipped call scripts line', () => {
  it('counts files, not their problems', () => {
    const problems = [
      ...Array.from({ length: 4 }, () => ({ file: '/s/a.yaml' })),
      ...Array.from({ length: 5 }, () => ({ file: '/s/b.yaml' })),
      { file: '/s/c.yaml' },
    ];
    const en = i18n.getFixedT('en');
    const ru = i18n.getFixedT('ru');
    expect(skippedScriptsText(problems, en)).toBe('3 call scripts were skipped (10 problems)');
    expect(skippedScriptsText([{ file: '/s/a.yaml' }], en)).toBe('A call script was skipped');
    expect(skippedScriptsText([{ file: '/s/a.yaml' }, { file: '/s/a.yaml' }], en)).toBe('A call script was skipped (2 problems)');
    expect(skippedScriptsText(problems, ru)).toBe('Пропущено 3 сценария разговора (10 ошибок)');
    expect(skippedScriptsText([{ file: '/s/a.yaml' }, { file: '/s/a.yaml' }], ru)).toBe('Пропущен 1 сценарий разговора (2 ошибки)');
  });
});
