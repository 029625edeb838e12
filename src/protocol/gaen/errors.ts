/** Why an export file was refused; stable strings so callers (server, app, CLI) can branch and log them. */
export type ExportFileErrorCode =
  /** Not a zip archive at all. */
  | 'NOT_A_ZIP'
  /** The archive ends early (cut download). */
  | 'TRUNCATED'
  /** Zip64, encryption, multi-disk or a compression method other than stored/deflate. */
  | 'UNSUPPORTED_ZIP'
  /** Bytes that belong to no entry: before, between or after the entries, or after the central directory. */
  | 'EXTRA_DATA'
  /** `export.bin` or `export.sig` is absent. */
  | 'MISSING_ENTRY'
  /** An entry other than `export.bin` / `export.sig`, or one of them twice. */
  | 'UNEXPECTED_ENTRY'
  /** An entry declares (or the whole file has) more bytes than the configured cap. */
  | 'ENTRY_TOO_LARGE'
  /** An entry inflates beyond the cap although it declared less: a decompression bomb. */
  | 'ZIP_BOMB'
  /** Inflate error, CRC mismatch or inflated size differing from the declared one. */
  | 'CORRUPT_ENTRY'
  /** export.bin does not start with `EK Export v1    `. */
  | 'BAD_HEADER'
  /** export.bin or export.sig is not a valid protobuf of the expected message. */
  | 'BAD_PROTOBUF'
  /** A key in the export violates the format (length, interval, rolling period). */
  | 'INVALID_KEY'
  /** export.sig holds no signature. */
  | 'SIGNATURE_MISSING'
  /** No signature is from a key configured as trusted (by verification_key_id / version). */
  | 'UNKNOWN_SIGNING_KEY'
  /** A trusted key's signature uses an algorithm other than ECDSA P-256 SHA-256. */
  | 'UNSUPPORTED_ALGORITHM'
  /** A trusted key's signature does not verify over export.bin. */
  | 'SIGNATURE_INVALID'
  /** The signature's batch_num / batch_size differ from the export's. */
  | 'BATCH_MISMATCH';

/** A key export file was refused; `code` says why (docs/protocols/gaen.md §B5). */
export class ExportFileError extends Error {
  override readonly name = 'ExportFileError';

  constructor(
    readonly code: ExportFileErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
