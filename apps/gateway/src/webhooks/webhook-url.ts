// The SSRF rules are shared with the routing service's order webhooks: they live in libs/webhooks.
export { isNonPublicAddress, nonPublicTarget, refusedWebhookHost } from '@concord/webhooks';
