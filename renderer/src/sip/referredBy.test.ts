import { describe, expect, it } from 'vitest';
import { referringParty } from './transfers';

describe('who transferred a call here (Referred-By)', () => {
  it('reads the name and the extension, in the long or the compact header name', () => {
    expect(referringParty({ 'Referred-By': [{ raw: '"Accounting" <sip:1002@lab.frontdesk.test>' }] })).toEqual({ number: '1002', displayName: 'Accounting' });
    expect(referringParty({ B: [{ raw: '<sip:1000@lab.frontdesk.test>;cid=x' }] })).toEqual({ number: '1000', displayName: null });
  });

  it('reads a transferor a gateway names by a tel: URI', () => {
    expect(referringParty({ 'Referred-By': [{ raw: '"Operator" <tel:+7-495-000-11-22>' }] })).toEqual({ number: '+74950001122', displayName: 'Operator' });
  });

  it('is nobody without the header, or when it does not parse', () => {
    expect(referringParty(undefined)).toBeNull();
    expect(referringParty({ From: [{ raw: '<sip:1002@lab.frontdesk.test>' }] })).toBeNull();
    expect(referringParty({ 'Referred-By': [{ raw: 'not an address' }] })).toBeNull();
  });
});
