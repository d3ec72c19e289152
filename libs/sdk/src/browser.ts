// The SDK for browsers and React Native: @noble/curves and @noble/hashes for Ed25519, SHA-256 and HMAC,
// fetch for HTTP. Nothing here, nor in what it imports, reads a node: module.
import { setDefaultPlatform } from './platform';
import { webPlatform } from './platform-web';

setDefaultPlatform(webPlatform);

export * from './client';
export * from './routing';
export { TimeoutError } from './platform';
export type { Platform, HttpRequest, HttpResponse } from './platform';
export { webPlatform };
