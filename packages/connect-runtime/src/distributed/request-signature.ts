/**
 * Inter-worker request signing (KIP-507, `InternalRequestSignature`): the
 * leader distributes a session key through the config topic; a worker
 * sending task configs to the leader signs the request body with HMAC
 * (`inter.worker.signature.algorithm`, HmacSHA256) and the key, in the
 * headers `X-Connect-Authorization` (Base64 signature) and
 * `X-Connect-Request-Signature-Algorithm`; the leader checks it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BadRequestLike, ConnectRestException } from '../herder/errors';
import type { SessionKey } from '../storage/kafka-config-store';

export const SIGNATURE_HEADER = 'X-Connect-Authorization';
export const SIGNATURE_ALGORITHM_HEADER = 'X-Connect-Request-Signature-Algorithm';

const NODE_HMAC: Record<string, string> = { HmacSHA1: 'sha1', HmacSHA224: 'sha224', HmacSHA256: 'sha256', HmacSHA384: 'sha384', HmacSHA512: 'sha512', HmacMD5: 'md5' };
/** Default key sizes (bits) of Java's KeyGenerator for each algorithm. */
const DEFAULT_KEY_BITS: Record<string, number> = { HmacSHA1: 512, HmacSHA224: 224, HmacSHA256: 256, HmacSHA384: 384, HmacSHA512: 512, HmacMD5: 512 };

export function sign(algorithm: string, key: Buffer, body: Buffer): string {
  const h = NODE_HMAC[algorithm];
  if (!h) throw new BadRequestLike(`Algorithm ${algorithm} not available`);
  return createHmac(h, key).update(body).digest('base64');
}

export function signedHeaders(algorithm: string, key: Buffer, body: Buffer): Record<string, string> {
  return { [SIGNATURE_HEADER]: sign(algorithm, key, body), [SIGNATURE_ALGORITHM_HEADER]: algorithm };
}

export function generateSessionKey(algorithm: string, bits: number | null, now: number): SessionKey {
  return { key: randomBytes(Math.ceil((bits ?? DEFAULT_KEY_BITS[algorithm] ?? 256) / 8)), algorithm, creationTimestamp: now };
}

/**
 * `DistributedHerder.requestNotSignedProperly`: throws Kafka's error when the
 * signature is missing (400), uses an algorithm this worker does not accept
 * (400), no session key is known yet (503) or does not match (403).
 */
export function verifySignature(sig: { key: string | undefined; algorithm: string | undefined; body: Buffer }, sessionKey: SessionKey | null, verificationAlgorithms: readonly string[]): void {
  if (sig.key === undefined || sig.algorithm === undefined) throw new BadRequestLike('Internal request missing required signature');
  if (!NODE_HMAC[sig.algorithm]) throw new BadRequestLike(`Algorithm ${sig.algorithm} not available`);
  if (!verificationAlgorithms.includes(sig.algorithm)) {
    throw new BadRequestLike(
      `This worker does not support the '${sig.algorithm}' key signing algorithm used by other workers. This worker is currently configured to use: [${verificationAlgorithms.join(', ')}]. Check that all workers' configuration files permit the same set of signature algorithms, and correct any misconfigured worker and restart it.`,
    );
  }
  if (sessionKey === null) throw new ConnectRestException(503, 'This worker is still starting up and has not been able to read a session key from the config topic yet');
  let given: Buffer;
  try {
    given = Buffer.from(sig.key, 'base64');
  } catch (e) {
    throw new BadRequestLike((e as Error).message);
  }
  const expected = Buffer.from(sign(sig.algorithm, sessionKey.key, sig.body), 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ConnectRestException(403, 'Internal request contained invalid signature.');
}
