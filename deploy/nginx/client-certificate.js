// njs for veilig.conf: the SHA-256 of the TLS client certificate's DER in lower-case hex, the thumbprint
// form the federation gateway reads from X-SSL-Client-SHA256 (efgs.md §A6). Empty without a certificate.
function sha256(r) {
  var pem = r.variables.ssl_client_raw_cert;
  if (!pem) {
    return '';
  }
  var base64 = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return require('crypto').createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex');
}

export default { sha256 };
