import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { OrbitError } from '../util/errors.js';

/**
 * SSH signatures (OpenSSH's PROTOCOL.sshsig), made and checked in-process with node:crypto's
 * ed25519: the same armored blob `ssh-keygen -Y sign -n git` writes and `git verify-commit`
 * (gpg.format=ssh) checks, without a process per state entry.
 */
export const SIG_NAMESPACE = 'git';
const MAGIC = Buffer.from('SSHSIG', 'latin1');
const BEGIN = '-----BEGIN SSH SIGNATURE-----';
const END = '-----END SSH SIGNATURE-----';

export interface SigningKey {
  privateKey: KeyObject;
  /** The public key in SSH wire format (`string "ssh-ed25519" || string key`). */
  publicBlob: Buffer;
}

function sshString(b: Buffer | string): Buffer {
  const data = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

class WireReader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  u32(): number {
    if (this.at + 4 > this.buf.length) throw new Error('truncated');
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  bytes(): Buffer {
    const len = this.u32();
    if (this.at + len > this.buf.length) throw new Error('truncated');
    const out = this.buf.subarray(this.at, this.at + len);
    this.at += len;
    return out;
  }
  raw(n: number): Buffer {
    if (this.at + n > this.buf.length) throw new Error('truncated');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  get done(): boolean {
    return this.at === this.buf.length;
  }
}

const b64url = (b: Buffer): string => b.toString('base64url');

export function ed25519PublicBlob(raw: Buffer): Buffer {
  return Buffer.concat([sshString('ssh-ed25519'), sshString(raw)]);
}

function publicKeyOfBlob(blob: Buffer): KeyObject | null {
  try {
    const r = new WireReader(blob);
    if (r.bytes().toString('latin1') !== 'ssh-ed25519') return null;
    const raw = r.bytes();
    if (raw.length !== 32 || !r.done) return null;
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(raw) }, format: 'jwk' });
  } catch {
    return null;
  }
}

/** An unencrypted ed25519 key, in OpenSSH's own format (what `ssh-keygen -t ed25519` writes) or PKCS#8 PEM. */
export function parseSigningKey(text: string, where: string): SigningKey {
  const bad = (why: string): OrbitError =>
    new OrbitError('E_STATE_SIGNING_KEY', `state signing key ${where}: ${why}`, { path: where });
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!m) {
    try {
      const privateKey = createPrivateKey(text);
      if (privateKey.asymmetricKeyType !== 'ed25519') throw bad('only ed25519 keys are supported');
      const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
      return { privateKey, publicBlob: ed25519PublicBlob(Buffer.from(String(jwk.x), 'base64url')) };
    } catch (err) {
      if (err instanceof OrbitError) throw err;
      throw bad('not a private key (OpenSSH or PKCS#8 ed25519)');
    }
  }
  try {
    const r = new WireReader(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
    if (r.raw(15).toString('latin1') !== 'openssh-key-v1\0') throw bad('not an openssh-key-v1 key');
    const cipher = r.bytes().toString('latin1');
    r.bytes(); // kdf name
    r.bytes(); // kdf options
    if (cipher !== 'none') throw bad('the key is passphrase-protected; Orbit needs an unencrypted key');
    if (r.u32() !== 1) throw bad('the file holds more than one key');
    const publicBlob = Buffer.from(r.bytes());
    const priv = new WireReader(r.bytes());
    if (priv.u32() !== priv.u32()) throw bad('corrupt key (check bytes differ)');
    if (priv.bytes().toString('latin1') !== 'ssh-ed25519') throw bad('only ed25519 keys are supported');
    const pub = priv.bytes();
    const secret = priv.bytes(); // seed || public key
    if (pub.length !== 32 || secret.length !== 64) throw bad('corrupt ed25519 key');
    const privateKey = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', d: b64url(secret.subarray(0, 32)), x: b64url(pub) },
      format: 'jwk',
    });
    return { privateKey, publicBlob };
  } catch (err) {
    if (err instanceof OrbitError) throw err;
    throw bad(`corrupt key (${(err as Error).message})`);
  }
}

function signedData(namespace: string, hashAlg: string, message: Buffer): Buffer {
  const digest = createHash(hashAlg === 'sha256' ? 'sha256' : 'sha512')
    .update(message)
    .digest();
  return Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString(hashAlg), sshString(digest)]);
}

/** The armored signature of `message`, as `ssh-keygen -Y sign -n <namespace>` prints it. */
export function sshSign(key: SigningKey, message: Buffer, namespace = SIG_NAMESPACE): string {
  const sig = sign(null, signedData(namespace, 'sha512', message), key.privateKey);
  const version = Buffer.alloc(4);
  version.writeUInt32BE(1);
  const blob = Buffer.concat([
    MAGIC,
    version,
    sshString(key.publicBlob),
    sshString(namespace),
    sshString(''),
    sshString('sha512'),
    sshString(Buffer.concat([sshString('ssh-ed25519'), sshString(sig)])),
  ]);
  const lines = blob.toString('base64').match(/.{1,70}/g) ?? [];
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}

/**
 * The public key (wire blob) whose valid signature `armored` is over `message`, or null when it
 * is not a well-formed, valid ed25519 SSH signature in `namespace`.
 */
export function sshVerify(armored: string, message: Buffer, namespace = SIG_NAMESPACE): Buffer | null {
  const m = new RegExp(`${BEGIN}([\\s\\S]*?)${END}`).exec(armored);
  if (!m) return null;
  try {
    const r = new WireReader(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
    if (!r.raw(6).equals(MAGIC) || r.u32() !== 1) return null;
    const publicBlob = Buffer.from(r.bytes());
    if (r.bytes().toString('utf8') !== namespace) return null;
    r.bytes(); // reserved
    const hashAlg = r.bytes().toString('latin1');
    if (hashAlg !== 'sha512' && hashAlg !== 'sha256') return null;
    const sigBlob = new WireReader(r.bytes());
    if (!r.done || sigBlob.bytes().toString('latin1') !== 'ssh-ed25519') return null;
    const sig = sigBlob.bytes();
    const key = publicKeyOfBlob(publicBlob);
    if (!key || sig.length !== 64) return null;
    return verify(null, signedData(namespace, hashAlg, message), key, sig) ? publicBlob : null;
  } catch {
    return null;
  }
}
