/** A printed document's verification code: 12 characters of digits 2–9 and A–Z without I, L, O, grouped 4-4-4 (K7QF-9XMA-2RTD). */
export const VERIFICATION_CODE_PATTERN = /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/;

export const isVerificationCode = (s: string): boolean => VERIFICATION_CODE_PATTERN.test(s);

/**
 * A code as a person types it off paper or a QR code carries it (lower case, spaces, with or
 * without hyphens) in its canonical form, or undefined when it cannot be one.
 */
export function normalizeVerificationCode(typed: string): string | undefined {
  if (typed.length > 64) return undefined;
  const s = typed.toUpperCase().replace(/[\s-]/g, "");
  if (s.length !== 12) return undefined;
  const code = `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`;
  return isVerificationCode(code) ? code : undefined;
}
