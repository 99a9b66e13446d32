import { describe, expect, it } from 'vitest';
import { AwaySchema } from '../../../common/presence';
import { byDepartment, localIso, otherDepartment } from './Colleagues';

describe('the Colleagues panel', () => {
  it('groups colleagues by department in the order of the provisioning file, those without one last', () => {
    const groups = byDepartment([
      { extension: '1003', name: 'Support' },
      { extension: '1001', name: 'Anna', department: 'Sales' },
      { extension: '1002', name: 'Oleg', department: 'Accounting' },
      { extension: '1004', name: 'Ivan', department: ' Sales ' },
    ]);
    expect(groups.map(([d, members]) => [d, members.map((m) => m.extension)])).toEqual([
      ['Sales', ['1001', '1004']],
      ['Accounting', ['1002']],
      [otherDepartment, ['1003']],
    ]);
  });

  it("writes a local time with this PC's offset, as the away setting takes it", () => {
    const at = new Date(2025, 2, 3, 15, 0);
    const iso = localIso(at);
    expect(iso).toMatch(/^2025-03-03T15:00:00[+-]\d{2}:\d{2}$/);
    expect(Date.parse(iso)).toBe(at.getTime());
    expect(AwaySchema.safeParse({ until: iso, note: '' }).success).toBe(true);
  });
});
