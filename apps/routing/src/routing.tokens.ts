/** Injection tokens of the routing module. */
export const CONFIG = 'ROUTING_CONFIG';
export const LOGGER = 'LOGGER';
export const PRISMA = 'PRISMA';
export const REDIS = 'REDIS';
export const KAFKA_SETTINGS = 'KAFKA_SETTINGS';
export const PRODUCER = 'PRODUCER';
export const ROUTING_IDENTITY = 'ROUTING_IDENTITY';

/** The key apps delegate to routing. */
export interface RoutingIdentity {
  seedHex: string;
  publicKeyHex: string;
}
