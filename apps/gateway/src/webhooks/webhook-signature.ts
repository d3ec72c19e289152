// The signing scheme is shared with the routing service's order webhooks: it lives in libs/webhooks.
export {
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  signWebhookPayload,
  verifyWebhookSignature,
  webhookMac,
} from '@concord/webhooks';
export type { WebhookSignatureCheck } from '@concord/webhooks';
