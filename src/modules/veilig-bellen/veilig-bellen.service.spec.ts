import { externalLink } from './veilig-bellen.service';

describe('externalLink', () => {
  const attrs = [
    { name: 'bsn', value: '999999990' },
    { name: 'surname', value: 'de Vries & Zn' },
  ];

  it('fills placeholders with URL-encoded attribute values', () => {
    expect(externalLink('https://zaak.example.nl/persoon?bsn={bsn}&n={surname}', attrs)).toBe(
      'https://zaak.example.nl/persoon?bsn=999999990&n=de%20Vries%20%26%20Zn',
    );
  });

  it('gives no link when the template names an attribute that was not disclosed, or there is no template', () => {
    expect(externalLink('https://zaak.example.nl/?d={dateofbirth}', attrs)).toBeNull();
    expect(externalLink(null, attrs)).toBeNull();
  });
});
