import { describe, expect, it } from 'vitest';
import { matchColleagues, resolveColleague } from './Transfer';

const colleagues = [
  { extension: '1001', name: 'Sales', department: 'Sales' },
  { extension: '1003', name: 'Support', department: 'Support' },
  { extension: '1004', name: 'Spare', department: 'Support' },
  { extension: '1005', name: 'Пётр Ёлкин', department: 'Support' },
];

describe('choosing a colleague by what was typed', () => {
  it('lists colleagues by a part of the name, the extension or the department', () => {
    expect(matchColleagues(colleagues, 'support').map((c) => c.extension)).toEqual(['1003', '1004', '1005']);
    expect(matchColleagues(colleagues, 'елкин').map((c) => c.extension)).toEqual(['1005']);
  });

  it("takes the colleague of exactly that name although their department's name matches others too", () => {
    expect(resolveColleague(colleagues, 'support')).toEqual({ number: '1003', displayName: 'Support' });
    expect(resolveColleague(colleagues, ' Петр елкин ')).toEqual({ number: '1005', displayName: 'Пётр Ёлкин' });
  });

  it('takes an extension, "name (extension)" or the one match; several matches choose no one; digits dial', () => {
    expect(resolveColleague(colleagues, '1004')).toEqual({ number: '1004', displayName: 'Spare' });
    expect(resolveColleague(colleagues, 'Spare (1004)')).toEqual({ number: '1004', displayName: 'Spare' });
    expect(resolveColleague(colleagues, 'spa')).toEqual({ number: '1004', displayName: 'Spare' });
    expect(resolveColleague(colleagues, 'sup')).toBeNull();
    expect(resolveColleague([...colleagues, { extension: '1006', name: 'Support', department: 'Night' }], 'support')).toBeNull();
    expect(resolveColleague(colleagues, '2042')).toEqual({ number: '2042', displayName: null });
  });
});
