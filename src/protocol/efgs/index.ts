// Framework-free EFGS protocol layer (docs/protocols/efgs.md): models, codecs, signing bytes, negotiation and
// checks that the gateway and member roles share (docs/federation.md). Detached CMS lives in `../cms`.
export * from './batch-codec';
export * from './batch-signature';
export * from './batch-tag';
export * from './callback-url';
export * from './client-certificate-headers';
export * from './content-type';
export * from './diagnosis-key';
export * from './download';
export * from './dsos';
export * from './member-key-screen';
export * from './validation';
