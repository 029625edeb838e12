/**
 * Protobuf schema of the key export (docs/protocols/gaen.md §B5, ENS `export.proto`) as a protobufjs JSON
 * descriptor, built in code so nothing reads a `.proto` file at run time (which would break after
 * `nest build`).
 */
import { Root, type Type } from 'protobufjs/light';

const descriptor = {
  nested: {
    gaen: {
      nested: {
        TemporaryExposureKeyExport: {
          fields: {
            startTimestamp: { type: 'fixed64', id: 1 },
            endTimestamp: { type: 'fixed64', id: 2 },
            region: { type: 'string', id: 3 },
            batchNum: { type: 'int32', id: 4 },
            batchSize: { type: 'int32', id: 5 },
            signatureInfos: { rule: 'repeated', type: 'SignatureInfo', id: 6 },
            keys: { rule: 'repeated', type: 'TemporaryExposureKey', id: 7 },
            revisedKeys: { rule: 'repeated', type: 'TemporaryExposureKey', id: 8 },
          },
        },
        SignatureInfo: {
          fields: {
            verificationKeyVersion: { type: 'string', id: 3 },
            verificationKeyId: { type: 'string', id: 4 },
            signatureAlgorithm: { type: 'string', id: 5 },
          },
          reserved: [
            [1, 1],
            [2, 2],
          ],
        },
        TemporaryExposureKey: {
          fields: {
            keyData: { type: 'bytes', id: 1 },
            transmissionRiskLevel: { type: 'int32', id: 2 },
            rollingStartIntervalNumber: { type: 'int32', id: 3 },
            rollingPeriod: { type: 'int32', id: 4, options: { default: 144 } },
            reportType: { type: 'int32', id: 5 },
            daysSinceOnsetOfSymptoms: { type: 'sint32', id: 6 },
            variantOfConcern: { type: 'int32', id: 8 },
          },
        },
        TEKSignatureList: {
          fields: { signatures: { rule: 'repeated', type: 'TEKSignature', id: 1 } },
        },
        TEKSignature: {
          fields: {
            signatureInfo: { type: 'SignatureInfo', id: 1 },
            batchNum: { type: 'int32', id: 2 },
            batchSize: { type: 'int32', id: 3 },
            signature: { type: 'bytes', id: 4 },
          },
        },
      },
    },
  },
};

// proto2 semantics: fields are encoded only when set, so absent stays distinguishable from 0 on the wire.
const root = Root.fromJSON(descriptor);

/** Message types of docs/protocols/gaen.md §B5. */
export const ExportProto: {
  TemporaryExposureKeyExport: Type;
  TEKSignatureList: Type;
  TemporaryExposureKey: Type;
  SignatureInfo: Type;
} = {
  TemporaryExposureKeyExport: root.lookupType('gaen.TemporaryExposureKeyExport'),
  TEKSignatureList: root.lookupType('gaen.TEKSignatureList'),
  TemporaryExposureKey: root.lookupType('gaen.TemporaryExposureKey'),
  SignatureInfo: root.lookupType('gaen.SignatureInfo'),
};

/** Field numbers used by the allocation-free key scanner in `export-file.ts`. */
export const FIELD = {
  export: { keys: 7, revisedKeys: 8 },
  key: {
    keyData: 1,
    transmissionRiskLevel: 2,
    rollingStartIntervalNumber: 3,
    rollingPeriod: 4,
    reportType: 5,
    daysSinceOnsetOfSymptoms: 6,
    variantOfConcern: 8,
  },
} as const;
