import { CallbackSubscription } from './callback-subscription.entity';
import { CallbackTask } from './callback-task.entity';
import { FederationCertificate } from './federation-certificate.entity';
import { GatewayBatch } from './gateway-batch.entity';
import { GatewayKeyHash } from './gateway-key-hash.entity';
import { GatewayUpload } from './gateway-upload.entity';
import { InboundBatch } from './inbound-batch.entity';
import { OutboundBatch } from './outbound-batch.entity';
import { OutboundKey } from './outbound-key.entity';

/** Every entity of the federation module (gateway and member role), registered once in `database/entities.ts`. */
export const federationEntities = [
  FederationCertificate,
  GatewayUpload,
  GatewayKeyHash,
  GatewayBatch,
  CallbackSubscription,
  CallbackTask,
  OutboundBatch,
  OutboundKey,
  InboundBatch,
];
