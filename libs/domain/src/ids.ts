/** A version 7 UUID (RFC 9562): its first 48 bits are the Unix time in milliseconds it was made at. */
const UUID_V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * When a filing id was made (ms since the epoch, the clock of the service that made it): intake
 * makes filing ids as version 7 UUIDs (time first). Undefined for an id of another form (ids made
 * before, as random UUIDs).
 */
export function idCreatedAt(id: string): number | undefined {
  const m = UUID_V7.exec(id);
  return m ? parseInt(m[1]! + m[2]!, 16) : undefined;
}
