import { checkAssurance } from './assurance';

describe(checkAssurance.name, () => {
  const levels = ['idporten-loa-low', 'idporten-loa-substantial', 'idporten-loa-high'];
  const substantial = { levels, minimum: 'idporten-loa-substantial' };

  it('passes the minimum and every level above it', () => {
    expect(checkAssurance('idporten-loa-substantial', substantial)).toBeNull();
    expect(checkAssurance('idporten-loa-high', substantial)).toBeNull();
  });

  it('refuses a lower level, an unknown one and none at all', () => {
    expect(checkAssurance('idporten-loa-low', substantial)).toBe('insufficient-acr');
    expect(checkAssurance('http://eidas.europa.eu/LoA/high', substantial)).toBe('unknown-acr');
    expect(checkAssurance(undefined, substantial)).toBe('missing-acr');
    expect(checkAssurance('', substantial)).toBe('missing-acr');
    expect(checkAssurance(['idporten-loa-high'], substantial)).toBe('missing-acr');
  });

  it('passes anything without a minimum (embedded demo only)', () => {
    expect(checkAssurance(undefined, { levels, minimum: null })).toBeNull();
  });
});
